"""The settings as written: which module, which files, and what their syntax trees say. Read
with ast, without running anything, so it works when Django cannot start."""
import ast
import importlib.util
import os
import sys


def manage_py_path():
    path = os.path.join(os.getcwd(), "manage.py")
    return path if os.path.isfile(path) else None


def parse(path):
    try:
        with open(path, "rb") as handle:
            return ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return None


def const_str(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if hasattr(ast, "Str") and isinstance(node, getattr(ast, "Str")):  # Python < 3.8
        return node.s
    return None


def settings_module_from_manage_py(path):
    """os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x") (or an assignment) in manage.py."""
    tree = parse(path)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "setdefault"
                    and const_str(node.args[0]) == "DJANGO_SETTINGS_MODULE"):
                value = const_str(node.args[1])
                if value:
                    return value
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript):
                key = target.slice
                key = getattr(key, "value", key)  # ast.Index wrapper before Python 3.9
                if const_str(key) == "DJANGO_SETTINGS_MODULE":
                    value = const_str(node.value)
                    if value:
                        return value
    return None


def settings_file(module_name):
    if not module_name:
        return None
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None) if module else None
    if not path:
        try:
            spec = importlib.util.find_spec(module_name)
            path = spec.origin if spec else None
        except Exception:
            path = None
    return os.path.abspath(path) if path and path not in ("built-in", "frozen") else None


def source_files(module_name):
    """The settings module's file and the sibling modules it star-imports (one level, e.g.
    development.py doing `from .base import *`), base first."""
    main = settings_file(module_name)
    files = [main] if main else []
    tree = parse(main) if main else None
    if tree is None:
        return files
    package_dir = os.path.dirname(main)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            name = (node.module or "").split(".")[-1]
            candidate = os.path.join(package_dir, name + ".py")
            if node.level and os.path.isfile(candidate):
                files.insert(0, candidate)
    return files


def literal_list(node):
    """A list/tuple of string literals, or a `A + B` of names/lists (names kept as "*NAME")."""
    if isinstance(node, (ast.List, ast.Tuple)):
        items = []
        for element in node.elts:
            value = const_str(element)
            if isinstance(value, str):
                items.append(value)
        return items
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_list(node.left), literal_list(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.Name):
        return ["*" + node.id]
    return None
