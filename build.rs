// Compiles every check definition under checks/ into the binary, so the list is never edited by hand.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=checks");
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
