//! The flame graph files beside a report: the folded stacks and inferno's SVG of them.

use inferno::flamegraph::{self, Options};
use std::io;
use std::path::Path;

/// Writes `<stem>.collapsed` and `<stem>.svg` into `dir`; returns their file names. The SVG
/// carries its script and styles inline (no outside references), so it can be embedded in
/// an HTML report and opened offline.
pub fn write_flame_graph(
    dir: &Path,
    stem: &str,
    title: &str,
    collapsed: &str,
) -> io::Result<(String, String)> {
    let collapsed_name = format!("{stem}.collapsed");
    let svg_name = format!("{stem}.svg");
    std::fs::write(dir.join(&collapsed_name), collapsed)?;
    let mut options = Options::default();
    options.title = title.to_string();
    options.count_name = "samples".to_string();
    // Same function, same colour, in every graph of a run.
    options.hash = true;
    options.deterministic = true;
    let mut svg = Vec::new();
    if collapsed.trim().is_empty() {
        // inferno refuses empty input; an empty graph still says "nothing was busy".
        flamegraph::from_lines(&mut options, ["(no busy samples) 0"], &mut svg).ok();
        if svg.is_empty() {
            svg = empty_svg(title).into_bytes();
        }
    } else {
        flamegraph::from_lines(&mut options, collapsed.lines(), &mut svg)?;
    }
    std::fs::write(dir.join(&svg_name), svg)?;
    Ok((collapsed_name, svg_name))
}

fn empty_svg(title: &str) -> String {
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xml version=\"1.0\" standalone=\"no\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"1200\" height=\"60\"><text x=\"600\" y=\"30\" text-anchor=\"middle\">{title}: \
         no busy samples</text></svg>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let folded = "main (manage.py:22);pbkdf2 (django/utils/crypto.py:77) 61\n\
                      main (manage.py:22);reserve_stock (apps/products/services.py:22) 12\n";
        let (c, s) = write_flame_graph(dir.path(), "stage-1", "Stage 1 <logins>", folded).unwrap();
        assert_eq!(
            (c.as_str(), s.as_str()),
            ("stage-1.collapsed", "stage-1.svg")
        );
        let svg = std::fs::read_to_string(dir.path().join(s)).unwrap();
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
        assert!(svg.contains("pbkdf2 (django/utils/crypto.py:77)"));
        assert!(svg.contains("Stage 1 &lt;logins&gt;"));
        // Self-contained: nothing fetched from elsewhere.
        assert!(
            !svg.contains("href=\"http"),
            "external reference in the SVG"
        );
        let (_, s) = write_flame_graph(dir.path(), "empty", "Idle", "").unwrap();
        let svg = std::fs::read_to_string(dir.path().join(s)).unwrap();
        assert!(svg.contains("<svg"));
    }
}
