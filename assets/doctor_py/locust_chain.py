"""The requests of a task that were never sent because the task stopped before them.

Read from the task's own syntax tree (for file:line only): the `self.client.<verb>(...)` calls
after the line where the task raised, that did not run. Facts only.
"""
import ast
import inspect
import textwrap

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def _path(call):
    args = call.args[1:] if call.func.attr == "request" else call.args
    if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
        return args[0].value
    if args and isinstance(args[0], ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in args[0].values)
    return None


def _method(call):
    if call.func.attr == "request" and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value).upper()
    return call.func.attr.upper()


def not_reached(fn, error_line, sent_lines):
    """[{method, path, line}] of client calls after `error_line` in `fn` that sent nothing."""
    try:
        lines, start = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except Exception:
        return []
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in VERBS and ast.unparse(node.func.value).endswith(".client")):
            continue
        line = start + node.lineno - 1
        end = start + (node.end_lineno or node.lineno) - 1
        if end >= error_line and line not in sent_lines:
            out.append({"method": _method(node), "path": _path(node), "line": line})
    out.sort(key=lambda r: r["line"])
    return out
