"""Which module a settings *package* runs: `config/settings/__init__.py` that imports `local`
or `production` by an environment variable. Asked after the settings were imported with the
server's environment, so the answer is what the server runs, not what a file says.

Answer (facts only): {"package": module, "file": its __init__.py, "chosen": [submodules
the package imported], "loaded": [every submodule loaded], "reads": [{"var", "line", "value"}]}
or None when the settings module is a plain module."""
import ast
import os
import sys

from doctor_py import settings_source

# Calls whose first argument names an environment variable: os.environ.get("X"),
# os.getenv("X"), env("X") / env.str("X") (django-environ), config("X") (python-decouple).
_GETTERS = {"get", "getenv", "str", "bool", "int", "env", "config"}


def _env_reads(tree):
    reads = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in _GETTERS:
                name = settings_source.const_str(node.args[0])
        elif isinstance(node, ast.Subscript):
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "environ":
                key = node.slice
                if hasattr(ast, "Index") and isinstance(key, getattr(ast, "Index")):
                    key = key.value  # Python < 3.9
                name = settings_source.const_str(key)
        if name and name not in [r["var"] for r in reads]:
            reads.append({"var": name, "line": node.lineno, "value": os.environ.get(name)})
    return reads


def _imports(tree, package):
    """Submodules of `package` that the package's own code imports."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = package + ("." + node.module if node.module else "")
            elif node.module and node.module.startswith(package + "."):
                base = node.module
            else:
                continue
            found.append(base)
            if not node.module:
                found.extend(package + "." + alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith(package + "."))
    return found


def answer(module):
    if not module:
        return None
    package = sys.modules.get(module)
    path = getattr(package, "__file__", None) or ""
    if not path.endswith("__init__.py"):
        return None
    tree = settings_source.parse(path)
    if tree is None:
        return None
    loaded = sorted(m for m in sys.modules if m.startswith(module + ".")
                    and m.count(".") == module.count(".") + 1)
    imported = _imports(tree, module)
    # Imports under an `if` or `try` are the choice; `from .base import *` beside them is not.
    always = set()
    for node in tree.body:
        always.update(_imports(ast.Module(body=[node], type_ignores=[]), module)
                      if isinstance(node, (ast.Import, ast.ImportFrom)) else [])
    chosen = [m for m in loaded if m in imported]
    if any(m not in always for m in chosen):
        chosen = [m for m in chosen if m not in always]
    if not chosen:
        # A dynamic import (importlib.import_module(f".{env}", __name__)): the loaded
        # submodules that no other loaded submodule imports.
        under = set()
        for sub in loaded:
            sub_path = getattr(sys.modules.get(sub), "__file__", None)
            sub_tree = settings_source.parse(sub_path) if sub_path else None
            if sub_tree is not None:
                under.update(_imports(sub_tree, module))
        chosen = [m for m in loaded if m not in under]
    return {"package": module, "file": path, "chosen": chosen, "loaded": loaded,
            "reads": _env_reads(tree)}
