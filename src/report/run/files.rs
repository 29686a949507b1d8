//! A run's files: report.json, report.md and report.html in the run directory.

use crate::load::RunReport;

/// Write report.json and report.md into the run directory (best effort: a report that
/// cannot be written is still printed).
pub fn save(report: &mut RunReport) {
    let dir = report.run_dir.clone();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .chain(["report.json", "report.md", "report.html"].map(String::from))
        .collect();
    files.sort();
    files.dedup();
    report.files = files;
    if let Ok(json) = serde_json::to_string_pretty(&*report) {
        let _ = std::fs::write(dir.join("report.json"), json);
    }
    let _ = std::fs::write(
        dir.join("report.md"),
        super::markdown::markdown(report, report.plan.lang),
    );
    let _ = super::html::save_html(report, report.plan.lang);
}
