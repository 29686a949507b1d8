"""Question `static_settings`: the app and middleware lists as written in the settings files,
with their lines: readable even when django.setup() fails, which is when they matter most."""
import ast
import importlib
import os

from doctor_py import settings_source
from doctor_py.convert import str_list
from doctor_py.protocol import error_dict


def _written_lists(files):
    lists = {}
    for path in files:
        tree = settings_source.parse(path)
        if tree is None:
            continue
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            for name in targets:
                if not (name.endswith("_APPS") or name == "MIDDLEWARE"):
                    continue
                items = settings_source.literal_list(node.value)
                if items is None:
                    continue
                if isinstance(node, ast.AugAssign) and name in lists:
                    items = lists[name]["items"] + items
                lists[name] = {"file": path, "line": node.lineno,
                               "end_line": getattr(node, "end_lineno", node.lineno),
                               "items": items}
    # Expand "*NAME" references to other lists (INSTALLED_APPS = BASE_APPS + LOCAL_APPS).
    for entry in lists.values():
        expanded = []
        for item in entry["items"]:
            if item.startswith("*") and item[1:] in lists:
                expanded.extend(lists[item[1:]]["items"])
            else:
                expanded.append(item)
        entry["expanded"] = expanded
    return lists


def _computed_values(module):
    """The values as the settings module computes them (conditions included), without
    django.setup(): importing a settings module does not start Django."""
    values = {}
    try:
        settings_module = importlib.import_module(module)
        for name in dir(settings_module):
            if name.endswith("_APPS") or name == "MIDDLEWARE":
                value = str_list(getattr(settings_module, name))
                if value is not None:
                    values[name] = value
    except BaseException as exc:
        values = {"error": error_dict(exc)}
    return values


def answer():
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    files = settings_source.source_files(module)
    return {"files": files, "lists": _written_lists(files),
            "values": _computed_values(module) if module else {}}
