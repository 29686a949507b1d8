// Compiles every check definition under checks/ and every Python helper under assets/doctor_py/
// into the binary, so neither list is ever edited by hand.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=checks");
    println!("cargo:rerun-if-changed=assets/doctor_py");
    embed_python_helpers();
    let mut files: Vec<String> = fs::read_dir("checks")
        .expect("checks/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let mut out = String::from("pub static BUILTIN_CHECKS: &[(&str, &str)] = &[\n");
    for name in files {
        let path = Path::new(&manifest).join("checks").join(&name);
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_checks.rs"),
        out,
    )
    .unwrap();
}

/// `PY_HELPERS`: (file name, text) of every `assets/doctor_py/*.py`.
fn embed_python_helpers() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let dir = Path::new(&manifest).join("assets/doctor_py");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".py"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("pub static PY_HELPERS: &[(&str, &str)] = &[\n");
    for name in files {
        let path = dir.join(&name);
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("py_helpers.rs"),
        out,
    )
    .unwrap();
}
