//! `Class.method` names: py-spy's qualified name when it has one, else the enclosing class
//! read from the source file (parsed once per file) — Python < 3.11 gives bare names.

use super::paths::short_function;
use crate::profile::stack::Frame;
use crate::python_source::Source;
use std::collections::HashMap;

/// Names functions as `Class.method`: py-spy's qualified name when it has one, else the
/// enclosing class read from the source file (parsed once per file).
#[derive(Default)]
pub struct Qualifier {
    files: HashMap<String, Vec<Def>>,
}

/// A function definition: its lines and qualified name.
struct Def {
    start: u32,
    end: u32,
    name: String,
    qualname: String,
}

impl Qualifier {
    pub fn qualified(&mut self, frame: &Frame) -> String {
        let short = short_function(&frame.function);
        if frame.function.contains('.') || frame.line == 0 {
            return short.to_string();
        }
        let defs = self
            .files
            .entry(frame.file.clone())
            .or_insert_with(|| read_defs(&frame.file));
        defs.iter()
            .filter(|d| d.name == frame.function && d.start <= frame.line && frame.line <= d.end)
            .min_by_key(|d| d.end - d.start)
            .map(|d| short_function(&d.qualname).to_string())
            .unwrap_or_else(|| short.to_string())
    }
}

fn read_defs(file: &str) -> Vec<Def> {
    match std::fs::read_to_string(file) {
        Ok(text) => defs_of(&text),
        Err(_) => Vec::new(),
    }
}

fn defs_of(text: &str) -> Vec<Def> {
    let source = Source::new(text);
    let mut defs = Vec::new();
    collect_defs(&source, source.root(), "", &mut defs);
    defs
}

fn collect_defs(source: &Source, node: tree_sitter::Node, prefix: &str, defs: &mut Vec<Def>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        let kind = child.kind();
        let inner = if kind == "decorated_definition" {
            child.child_by_field_name("definition").unwrap_or(child)
        } else {
            child
        };
        match inner.kind() {
            "function_definition" | "class_definition" => {
                let Some(name) = inner.child_by_field_name("name") else {
                    continue;
                };
                let name = source.text(name).to_string();
                let qualname = format!("{prefix}{name}");
                let is_function = inner.kind() == "function_definition";
                if is_function {
                    defs.push(Def {
                        start: inner.start_position().row as u32 + 1,
                        end: inner.end_position().row as u32 + 1,
                        name: name.clone(),
                        qualname: qualname.clone(),
                    });
                }
                let nested = if is_function {
                    format!("{qualname}.<locals>.")
                } else {
                    format!("{qualname}.")
                };
                if let Some(body) = inner.child_by_field_name("body") {
                    collect_defs(source, body, &nested, defs);
                }
            }
            _ => collect_defs(source, child, prefix, defs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use crate::profile::classify::fixtures::*;
    #[allow(unused_imports)]
    use crate::profile::classify::*;

    #[test]
    fn qualifies_bare_names_from_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("views.py");
        std::fs::write(
            &file,
            "import x\n\nclass LoginView(APIView):\n    @method_decorator(y)\n    def post(self, request):\n        return 1\n\ndef post(request):\n    return 2\n",
        )
        .unwrap();
        let file = file.to_string_lossy().to_string();
        let mut q = Qualifier::default();
        assert_eq!(q.qualified(&Frame::new("post", &file, 6)), "LoginView.post");
        assert_eq!(q.qualified(&Frame::new("post", &file, 9)), "post");
        assert_eq!(
            q.qualified(&Frame::new("View.as_view.<locals>.view", "/nope.py", 3)),
            "view"
        );
        assert_eq!(q.qualified(&Frame::new("get", "/nope.py", 3)), "get");
    }
}
