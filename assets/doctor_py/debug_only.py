"""Is an app added to the settings only when DEBUG is on? (`if DEBUG: INSTALLED_APPS += [...]`,
also through a flag computed from DEBUG, e.g. `SILK = DEBUG and ...; if SILK: ...`.)

A project module that imports such an app unconditionally works on a developer's machine and
breaks as soon as DEBUG is off, which is how a load test usually runs."""
import ast

from doctor_py import settings_source


def _names(node):
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.add(sub.attr)
    return out


def _debug_names(tree):
    """DEBUG and every module-level name whose value is computed from it."""
    names = {"DEBUG"}
    assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)]
    for _ in range(3):
        for node in assigns:
            if _names(node.value) & names:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names.add(target.id)
    return names


def _mentions(node, package):
    for sub in ast.walk(node):
        value = settings_source.const_str(sub)
        if value and (value == package or value.startswith(package + ".")):
            return True
    return False


def condition(package, files):
    """Where `package` is added under a DEBUG condition: {file, line, test} or None."""
    for path in files:
        tree = settings_source.parse(path)
        if tree is None:
            continue
        names = _debug_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.If) or not (_names(node.test) & names):
                continue
            if any(_mentions(stmt, package) for stmt in node.body):
                test = None
                try:
                    test = ast.unparse(node.test)  # Python 3.9+
                except Exception:
                    pass
                return {"file": path, "line": node.lineno, "test": test}
    return None


def debug_env_var(files):
    """The environment variable DEBUG is read from (`DEBUG = os.environ.get("X") ...`)."""
    for path in files:
        tree = settings_source.parse(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "DEBUG" for t in node.targets)):
                continue
            for sub in ast.walk(node.value):
                if isinstance(sub, ast.Call) and sub.args:
                    name = settings_source.const_str(sub.args[0])
                    if name and name.isupper():
                        return name
                if isinstance(sub, ast.Subscript):
                    key = getattr(sub.slice, "value", sub.slice)
                    name = settings_source.const_str(key)
                    if name and name.isupper():
                        return name
    return None
