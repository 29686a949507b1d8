//! Small helpers over tree-sitter-python nodes: the one way doctor reads Python source.

pub mod parse;

use tree_sitter::{Node, Tree};

pub struct Source<'a> {
    pub text: &'a str,
    tree: Tree,
    /// Set when the text could not be parsed within its budget: the tree is then that of an
    /// empty module, and readers that must say so check this.
    pub out_of_time: Option<parse::OutOfTime>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Source<'a> {
        match parse::tree(text, parse::BUDGET) {
            Ok(tree) => Source {
                text,
                tree,
                out_of_time: None,
            },
            Err(out_of_time) => Source {
                text: "",
                tree: parse::tree("", parse::BUDGET).expect("an empty module parses"),
                out_of_time: Some(out_of_time),
            },
        }
    }

    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    pub fn text(&self, node: Node) -> &'a str {
        node.utf8_text(self.text.as_bytes()).unwrap_or("")
    }

    /// 1-based line of the node's start.
    pub fn line(&self, node: Node) -> usize {
        node.start_position().row + 1
    }

    /// Depth-first visit of every node below `node`, in source order. With a cursor, not
    /// recursion: 100,000 nested parentheses must not overflow the stack.
    pub fn walk<'t>(&'t self, node: Node<'t>, visit: &mut dyn FnMut(Node<'t>)) {
        let mut cursor = node.walk();
        // Counted here: the cursor's own `depth()` walks its whole stack (quadratic when deep).
        let mut depth = 0usize;
        loop {
            visit(cursor.node());
            if cursor.goto_first_child() {
                depth += 1;
                continue;
            }
            loop {
                if depth == 0 {
                    return;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                cursor.goto_parent();
                depth -= 1;
            }
        }
    }
}

/// `left = right` (an assignment) or `left + right` (a binary operator) → its two sides.
pub fn sides(node: Node) -> Option<(Node, Node)> {
    Some((
        node.child_by_field_name("left")?,
        node.child_by_field_name("right")?,
    ))
}

/// `NAME = value` as a statement (or a bare assignment node) → (NAME, value).
pub fn named_assignment<'t>(
    source: &Source<'_>,
    statement: Node<'t>,
) -> Option<(String, Node<'t>)> {
    let expr = if statement.kind() == "expression_statement" {
        statement.named_child(0)?
    } else {
        statement
    };
    if expr.kind() != "assignment" {
        return None;
    }
    let (left, right) = sides(expr)?;
    (left.kind() == "identifier").then(|| (source.text(left).to_string(), right))
}

/// Every top-level `NAME = value` of a module, in order.
pub fn module_assignments<'t>(source: &Source<'_>, root: Node<'t>) -> Vec<(String, Node<'t>)> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter_map(|statement| named_assignment(source, statement))
        .collect()
}

pub fn call_args(call: Node) -> Vec<Node> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// `name=value` → (name, value node).
pub fn strip_kw<'t>(source: &Source, arg: Node<'t>) -> Option<(String, Node<'t>)> {
    let name = arg.child_by_field_name("name")?;
    let value = arg.child_by_field_name("value")?;
    Some((source.text(name).to_string(), value))
}

/// The value of a plain string literal (no interpolation), quotes removed.
pub fn string_value(source: &Source, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut value = String::new();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" | "string_end" => {}
            "string_content" => value.push_str(source.text(child)),
            "escape_sequence" => value.push_str(source.text(child)),
            _ => return None,
        }
    }
    Some(value)
}

/// `f"user{n}"` → ("user", "n", ""): an f-string with exactly one interpolation.
pub fn fstring_pattern(source: &Source, node: Node) -> Option<(String, String, String)> {
    let mut cursor = node.walk();
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut variable = None;
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" | "string_end" => {}
            "string_content" => {
                if variable.is_none() {
                    prefix.push_str(source.text(child));
                } else {
                    suffix.push_str(source.text(child));
                }
            }
            "interpolation" => {
                if variable.is_some() {
                    return None;
                }
                let expr = child.named_child(0)?;
                variable = Some(source.text(expr).to_string());
            }
            _ => return None,
        }
    }
    Some((prefix, variable?, suffix))
}

/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")` in manage.py → the module.
pub fn settings_module_default(text: &str) -> Option<String> {
    let source = Source::new(text);
    let mut found = None;
    source.walk(source.root(), &mut |node| {
        if found.is_some() || node.kind() != "call" {
            return;
        }
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        if !source.text(function).ends_with("setdefault") {
            return;
        }
        let args = call_args(node);
        if let [key, value, ..] = args.as_slice()
            && string_value(&source, *key).as_deref() == Some("DJANGO_SETTINGS_MODULE")
        {
            found = string_value(&source, *value);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_settings_module_from_manage_py() {
        let manage = "import os\ndef main():\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.base')\n";
        assert_eq!(
            settings_module_default(manage).as_deref(),
            Some("config.base")
        );
        assert_eq!(settings_module_default("print('hi')\n"), None);
    }
}
