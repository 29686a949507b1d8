//! Loading check definitions: the built-ins compiled from `checks/`, then the user's own
//! (`doctor.d/*.toml` or `--checks DIR`). Every problem names the file and line.

use super::kinds;
use super::model::{CheckDef, Origin};
use crate::errors::{LoadError, line_of};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/builtin_checks.rs"));

/// The line where `needle` first appears, for errors found after parsing.
fn line_of_text(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|at| line_of(text, at))
}

pub fn parse_check(text: &str, origin: Origin) -> Result<CheckDef, LoadError> {
    let file = origin.to_string();
    let mut def: CheckDef = toml::from_str(text).map_err(|e| LoadError {
        file: file.clone(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let Some((_, params, thresholds)) = kinds::KINDS.iter().find(|k| k.0 == def.probe) else {
        return Err(LoadError {
            file,
            line: line_of_text(text, "probe"),
            message: format!(
                "unknown probe kind '{}'; use one of: {}",
                def.probe,
                kinds::kind_names().join(", ")
            ),
        });
    };
    for (table, known, name) in [
        (&def.params, *params, "params"),
        (&def.thresholds, *thresholds, "thresholds"),
    ] {
        if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
            let allowed = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(LoadError {
                file,
                line: line_of_text(text, &format!("{key} ")).or_else(|| line_of_text(text, key)),
                message: format!(
                    "[{name}] '{key}' is not read by the '{}' probe (it reads: {allowed})",
                    def.probe
                ),
            });
        }
    }
    if def.id.trim().is_empty() || def.id.contains([',', ' ']) {
        return Err(LoadError {
            file,
            line: line_of_text(text, "id"),
            message: format!(
                "check id '{}' must be a non-empty word without commas or spaces",
                def.id
            ),
        });
    }
    super::ranges::validate(&def, text, &file)?;
    def.origin = origin;
    Ok(def)
}

/// All checks of a run, in definition order, with their source texts for error lines.
#[derive(Debug, Default)]
pub struct Registry {
    pub checks: Vec<CheckDef>,
    sources: HashMap<String, String>,
}

impl Registry {
    pub fn builtin() -> Result<Registry, LoadError> {
        let mut registry = Registry::default();
        for (name, text) in BUILTIN_CHECKS {
            registry.add(
                parse_check(text, Origin::Builtin((*name).to_string()))?,
                text,
            )?;
        }
        registry
            .checks
            .sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(registry)
    }

    /// Built-ins plus every `*.toml` in `dirs` (sorted by name). A user check with a built-in's
    /// id replaces it, so a team can tune a threshold without recompiling.
    pub fn load(dirs: &[PathBuf]) -> Result<Registry, LoadError> {
        let mut registry = Registry::builtin()?;
        for dir in dirs {
            for path in toml_files(dir)? {
                let text = std::fs::read_to_string(&path).map_err(|e| LoadError {
                    file: path.display().to_string(),
                    line: None,
                    message: format!("cannot read: {e}"),
                })?;
                let def = parse_check(&text, Origin::File(path.clone()))?;
                registry
                    .checks
                    .retain(|c| c.id != def.id || matches!(c.origin, Origin::File(_)));
                registry.add(def, &text)?;
            }
        }
        registry.validate()?;
        registry
            .checks
            .sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(registry)
    }

    fn add(&mut self, def: CheckDef, text: &str) -> Result<(), LoadError> {
        if let Some(existing) = self.checks.iter().find(|c| c.id == def.id) {
            return Err(LoadError {
                file: def.origin.to_string(),
                line: line_of_text(text, "id"),
                message: format!(
                    "check id '{}' is already defined in {}",
                    def.id, existing.origin
                ),
            });
        }
        self.sources.insert(def.id.clone(), text.to_string());
        self.checks.push(def);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&CheckDef> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Every `needs`/`after` names a known check and there is no cycle.
    pub fn validate(&self) -> Result<(), LoadError> {
        let ids: HashSet<&str> = self.checks.iter().map(|c| c.id.as_str()).collect();
        for check in &self.checks {
            for dep in check.needs.iter().chain(&check.after) {
                if !ids.contains(dep.as_str()) {
                    return Err(self.error_at(
                        check,
                        dep,
                        format!("unknown check '{dep}' in needs/after"),
                    ));
                }
            }
        }
        let order = self.order(&self.checks.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
        if let Err(cycle) = order {
            let check = self.get(&cycle[0]).expect("cycle names known checks");
            return Err(self.error_at(
                check,
                "needs",
                format!(
                    "checks depend on each other in a cycle: {}",
                    cycle.join(" → ")
                ),
            ));
        }
        Ok(())
    }

    fn error_at(&self, check: &CheckDef, needle: &str, message: String) -> LoadError {
        let line = self
            .sources
            .get(&check.id)
            .and_then(|t| line_of_text(t, needle));
        LoadError {
            file: check.origin.to_string(),
            line,
            message,
        }
    }

    /// The selected checks plus everything they need or read, ordered so that each check comes
    /// after its prerequisites. Err holds a cycle.
    pub fn order(&self, selected: &[String]) -> Result<Vec<String>, Vec<String>> {
        let mut ordered = Vec::new();
        let mut done = HashSet::new();
        for id in selected {
            self.visit(id, &mut Vec::new(), &mut done, &mut ordered)?;
        }
        Ok(ordered)
    }

    fn visit(
        &self,
        id: &str,
        path: &mut Vec<String>,
        done: &mut HashSet<String>,
        ordered: &mut Vec<String>,
    ) -> Result<(), Vec<String>> {
        if done.contains(id) {
            return Ok(());
        }
        if let Some(at) = path.iter().position(|p| p == id) {
            let mut cycle = path[at..].to_vec();
            cycle.push(id.to_string());
            return Err(cycle);
        }
        let Some(check) = self.get(id) else {
            return Ok(());
        };
        path.push(id.to_string());
        for dep in check.needs.iter().chain(&check.after) {
            self.visit(dep, path, done, ordered)?;
        }
        path.pop();
        done.insert(id.to_string());
        ordered.push(id.to_string());
        Ok(())
    }

    /// Resolve `--check a,b` or `all` into ids; unknown ids are an error naming the known ones.
    pub fn select(&self, spec: &str) -> Result<Vec<String>, String> {
        if spec.trim() == "all" {
            return Ok(self.checks.iter().map(|c| c.id.clone()).collect());
        }
        let mut ids = Vec::new();
        for id in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if self.get(id).is_none() {
                let known: Vec<&str> = self.checks.iter().map(|c| c.id.as_str()).collect();
                return Err(format!(
                    "unknown check '{id}'; known checks: {}, or all",
                    known.join(", ")
                ));
            }
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_string());
            }
        }
        if ids.is_empty() {
            return Err("no check named; use --check ID[,ID...] or --check all".into());
        }
        Ok(ids)
    }
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError {
        file: dir.display().to_string(),
        line: None,
        message: format!("cannot read the checks directory: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, needs: &[&str]) -> String {
        let needs: Vec<String> = needs.iter().map(|n| format!("{n:?}")).collect();
        format!(
            "id = {id:?}\ntitle = {{ en = \"t\" }}\nprobe = \"http\"\nneeds = [{}]\n",
            needs.join(", ")
        )
    }

    fn registry_of(files: &[(&str, String)]) -> Result<Registry, LoadError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Registry::load(&[dir.path().to_path_buf()])
    }

    #[test]
    fn every_builtin_check_loads() {
        let registry = Registry::builtin().expect("built-in checks parse");
        registry.validate().expect("built-in checks are consistent");
        for id in [
            "port",
            "server",
            "users",
            "auth",
            "stock",
            "resources",
            "db",
        ] {
            assert!(registry.get(id).is_some(), "built-in check {id} exists");
        }
    }

    #[test]
    fn user_check_is_added_and_ordered_after_its_needs() {
        let registry = registry_of(&[
            ("a.toml", check("custom_a", &["server"])),
            ("b.toml", check("custom_b", &["custom_a"])),
        ])
        .unwrap();
        let order = registry.order(&["custom_b".to_string()]).unwrap();
        let pos = |id: &str| order.iter().position(|x| x == id).unwrap();
        assert!(pos("port") < pos("server"));
        assert!(pos("server") < pos("custom_a"));
        assert!(pos("custom_a") < pos("custom_b"));
    }

    #[test]
    fn a_cycle_is_reported_with_its_file() {
        let err = registry_of(&[
            ("a.toml", check("x", &["y"])),
            ("b.toml", check("y", &["x"])),
        ])
        .unwrap_err();
        assert!(err.message.contains("cycle"), "{err}");
        assert!(err.file.ends_with(".toml"));
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn unknown_need_names_file_and_line() {
        let err = registry_of(&[("a.toml", check("x", &["nope"]))]).unwrap_err();
        assert!(err.message.contains("unknown check 'nope'"), "{err}");
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn malformed_toml_names_line() {
        let text = "id = \"x\"\ntitle = { en = \"t\" }\nprobe = \"http\"\ntimeout_s = \"soon\"\n";
        let err = registry_of(&[("bad.toml", text.to_string())]).unwrap_err();
        assert!(err.file.ends_with("bad.toml"));
        assert_eq!(err.line, Some(4), "{err}");
    }

    #[test]
    fn unknown_key_and_unknown_probe_are_errors() {
        let typo = "id = \"x\"\ntitle = { en = \"t\" }\nprobe = \"http\"\nneedz = []\n";
        let err = registry_of(&[("typo.toml", typo.to_string())]).unwrap_err();
        assert!(err.message.contains("needz"), "{err}");
        assert_eq!(err.line, Some(4));
        let probe = "id = \"x\"\ntitle = { en = \"t\" }\nprobe = \"telepathy\"\n";
        let err = registry_of(&[("probe.toml", probe.to_string())]).unwrap_err();
        assert!(err.message.contains("unknown probe kind"), "{err}");
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn unknown_param_of_a_probe_is_an_error() {
        let text = "id = \"x\"\ntitle = { en = \"t\" }\nprobe = \"http\"\n[params]\npth = \"/\"\n";
        let err = registry_of(&[("p.toml", text.to_string())]).unwrap_err();
        assert!(err.message.contains("'pth'"), "{err}");
        assert_eq!(err.line, Some(5));
    }

    #[test]
    fn user_check_replaces_builtin_with_same_id() {
        let registry = registry_of(&[("server.toml", check("server", &["port"]))]).unwrap();
        let server = registry.get("server").unwrap();
        assert!(matches!(server.origin, Origin::File(_)));
        assert_eq!(
            registry.checks.iter().filter(|c| c.id == "server").count(),
            1
        );
    }

    #[test]
    fn select_resolves_lists_and_rejects_unknown_ids() {
        let registry = Registry::builtin().unwrap();
        assert_eq!(
            registry.select("port, server").unwrap(),
            vec!["port", "server"]
        );
        assert!(registry.select("all").unwrap().len() >= 7);
        let err = registry.select("nope").unwrap_err();
        assert!(err.contains("known checks"));
    }
}
