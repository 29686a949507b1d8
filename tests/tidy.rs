//! The house's invariants, read from the source (in the spirit of rust-analyzer's tidy tests):
//! layers import downward only, src/'s top-level modules form no circle, no source file is over
//! 600 lines, and the TUI's state and drawing do no I/O. Each failure names the file, the line
//! and the rule. docs/architecture.md explains the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The allowed order, bottom first: a module may import from its own layer or any layer below.
/// Moving a module between layers, or adding one, is a one-line change here.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "ground",
        &[
            "errors",
            "encoding",
            "clock",
            "i18n",
            "net",
            "process",
            "python_source",
            "python_helper",
        ],
    ),
    ("facts", &["locustfile", "config", "server", "django"]),
    ("judgement", &["checks", "probes", "fixes", "forecast"]),
    ("the run", &["profile", "db_waits", "load"]),
    ("outputs", &["report"]),
    ("faces", &["tui", "commands", "cli", "demo"]),
];

const MAX_LINES: usize = 600;

/// Files of the TUI that hold state, update it or draw it: no I/O (tui/mod.rs is the loop that
/// carries out the effects they return; tests may do as they like).
const NO_IO_IN: &[&str] = &[
    "src/tui/app",
    "src/tui/view",
    "src/tui/action.rs",
    "src/tui/run_form.rs",
    "src/tui/texts.rs",
];
const IO_WORDS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "tokio::",
    "reqwest",
    "Command::new",
    "File::open",
];

/// One `crate::module` reference in non-test code.
#[derive(Debug, Clone, PartialEq)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines that are compiled outside tests: `#[cfg(test)] mod x { … }` blocks dropped (cargo
/// fmt closes them with a `}` at the `mod` line's indent), comments dropped.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "#[cfg(test)]"
            && let Some(next) = lines.get(i + 1)
            && next.trim_end().ends_with('{')
            && next.contains("mod ")
        {
            let indent = next.len() - next.trim_start().len();
            let close = format!("{}}}", " ".repeat(indent));
            i += 2;
            while i < lines.len() && lines[i].trim_end() != close {
                i += 1;
            }
            i += 1;
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push((i + 1, code.to_string()));
        i += 1;
    }
    out
}

/// Modules declared as test-only files (`#[cfg(test)] mod fixtures;`): their files are skipped.
fn test_only_files(file: &Path, text: &str) -> Vec<PathBuf> {
    let lines: Vec<&str> = text.lines().collect();
    let dir = if file
        .file_name()
        .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
    {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    };
    let mut out = Vec::new();
    for pair in lines.windows(2) {
        if pair[0].trim() != "#[cfg(test)]" {
            continue;
        }
        let decl = pair[1].trim();
        if let Some(name) = decl
            .trim_start_matches("pub(crate) ")
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'))
        {
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name));
        }
    }
    out
}

/// `crate::x` references on one line, including `crate::{a, b::c}` groups.
fn referenced_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `doctor_crate::`, not ours
        }
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

/// The top-level module a file of src/ belongs to (`src/load/stage.rs` → `load`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

fn imports_of(src: &Path) -> Vec<Import> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut skipped: BTreeSet<PathBuf> = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        skipped.extend(test_only_files(file, &text));
    }
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(src, f)).collect();
    let mut out = Vec::new();
    for file in &files {
        if skipped.iter().any(|s| file.starts_with(s)) {
            continue;
        }
        let Some(from) = top_module(src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, code) in code_lines(&text) {
            for to in referenced_modules(&code) {
                if to != from && modules.contains(&to) {
                    out.push(Import {
                        file: file
                            .strip_prefix(root())
                            .unwrap_or(file)
                            .display()
                            .to_string(),
                        line,
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
    }
    out
}

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

/// Every import that runs upward, as a sentence naming the file, line and both layers.
fn upward(imports: &[Import]) -> Vec<String> {
    imports
        .iter()
        .filter_map(|i| {
            let (from, from_name) = layer_of(&i.from)?;
            let (to, to_name) = layer_of(&i.to)?;
            (to > from).then(|| {
                format!(
                    "{}:{}: `{}` ({from_name}) imports `crate::{}` ({to_name}), a layer above it",
                    i.file, i.line, i.from, i.to
                )
            })
        })
        .collect()
}

/// A circle among the modules, if any, as `a → b → … → a` with one import per step.
fn circle(imports: &[Import]) -> Option<String> {
    let mut edges: BTreeMap<&str, BTreeMap<&str, &Import>> = BTreeMap::new();
    for i in imports {
        edges.entry(&i.from).or_default().entry(&i.to).or_insert(i);
    }
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeMap<&'a str, &'a Import>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(start, &edges, &mut path, &mut done) {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| {
                    let i = edges[w[0]][w[1]];
                    format!("{} → {} ({}:{})", w[0], w[1], i.file, i.line)
                })
                .collect();
            return Some(steps.join(", "));
        }
    }
    None
}

#[test]
fn every_top_level_module_has_a_layer() {
    let mut files = Vec::new();
    let src = root().join("src");
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&src, f)).collect();
    let missing: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "src/ modules without a layer: {missing:?}; add each to LAYERS in tests/tidy.rs (and a \
         paragraph to docs/architecture.md)"
    );
    let listed: Vec<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let gone: Vec<&&str> = listed.iter().filter(|m| !modules.contains(**m)).collect();
    assert!(
        gone.is_empty(),
        "LAYERS names modules src/ no longer has: {gone:?}"
    );
}

#[test]
fn layers_import_downward_only() {
    let wrong = upward(&imports_of(&root().join("src")));
    assert!(
        wrong.is_empty(),
        "imports that run upward:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_circle_among_top_level_modules() {
    if let Some(cycle) = circle(&imports_of(&root().join("src"))) {
        panic!("a circle among src/'s top-level modules: {cycle}");
    }
}

#[test]
fn no_source_file_over_600_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    rust_files(&root().join("benches"), &mut files);
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > MAX_LINES).then(|| {
                format!(
                    "{}: {lines} lines (at most {MAX_LINES}: split it by what it does)",
                    f.strip_prefix(root()).unwrap_or(f).display()
                )
            })
        })
        .collect();
    long.sort();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn the_tui_state_and_drawing_do_no_io() {
    let mut files = Vec::new();
    rust_files(&root().join("src/tui"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root()).unwrap().display().to_string();
        if !NO_IO_IN.iter().any(|p| rel.starts_with(p)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, code) in code_lines(&text) {
            for word in IO_WORDS.iter().filter(|w| code.contains(*w)) {
                found.push(format!(
                    "{rel}:{line}: `{word}` — the TUI's state and view do no I/O; return an \
                     Effect and let tui/mod.rs carry it out"
                ));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The checker itself: it finds an upward import, a circle, and ignores tests and comments.
#[test]
fn the_checker_catches_what_it_should() {
    let code = "use crate::{i18n, load::Plan};\n// crate::tui in a comment\nfn x() { crate::report::run(); }\n#[cfg(test)]\nmod tests {\n    use crate::tui;\n}\n";
    let lines = code_lines(code);
    let refs: Vec<(usize, String)> = lines
        .iter()
        .flat_map(|(n, c)| referenced_modules(c).into_iter().map(move |m| (*n, m)))
        .collect();
    assert_eq!(
        refs,
        vec![
            (1, "i18n".to_string()),
            (1, "load".to_string()),
            (3, "report".to_string())
        ]
    );
    let import = |from: &str, to: &str, line| Import {
        file: "src/config/mod.rs".into(),
        line,
        from: from.into(),
        to: to.into(),
    };
    let wrong = upward(&[
        import("config", "checks", 10),
        import("checks", "config", 11),
    ]);
    assert_eq!(
        wrong,
        vec![
            "src/config/mod.rs:10: `config` (facts) imports `crate::checks` (judgement), a layer above it"
                .to_string()
        ]
    );
    let cycle = circle(&[import("config", "server", 3), import("server", "config", 4)]).unwrap();
    assert!(
        cycle.contains("config → server") && cycle.contains("server → config"),
        "{cycle}"
    );
    assert_eq!(circle(&[import("server", "config", 4)]), None);
}
