"""A package a library imports optionally (`try: import coreapi except ImportError: coreapi =
None`) and a setting of the project then needs: the library fails deep inside itself with
"'NoneType' object has no attribute 'Field'". Found from the failing frame's own globals, the
setting from the settings' syntax trees (file:line). Facts only."""
import ast
import linecache
import platform
import re
import sys

from doctor_py import packages, settings_source

_NONE_ATTR = re.compile(r"'NoneType' object has no attribute '(\w+)'")


def _innermost(tb):
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _setting_using(name, module_name):
    """(setting, file, line, value) of the first string in the settings naming `name`."""
    for path in settings_source.source_files(module_name):
        tree = settings_source.parse(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            pairs = []
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                pairs.append((node.targets[0].id, node.value))
            if isinstance(node, ast.Dict):
                pairs.extend((settings_source.const_str(k), v) for k, v in zip(node.keys, node.values))
            for key, value in pairs:
                text = settings_source.const_str(value)
                if key and text and re.search(r"(^|\.)%s(\.|$)" % re.escape(name), text):
                    return {"setting": key, "file": path, "line": value.lineno, "value": text}
    return None


def missing(exc, module_name):
    """Facts when `exc` is a library using an optional package that is not installed."""
    if not isinstance(exc, AttributeError):
        return None
    attr = _NONE_ATTR.search(str(exc))
    tb = _innermost(exc.__traceback__)
    if attr is None or tb is None:
        return None
    frame = tb.tb_frame
    line = linecache.getline(frame.f_code.co_filename, tb.tb_lineno)
    for name in re.findall(r"([A-Za-z_]\w*)\.%s\b" % attr.group(1), line):
        if name in frame.f_globals and frame.f_globals[name] is None and not packages.is_installed(name):
            library = (frame.f_globals.get("__name__") or "").split(".")[0]
            distribution = packages.distribution_of(library) if library else None
            version = (packages.distribution_version(distribution) if distribution else None) \
                or packages.module_version(library)
            django = packages.distribution_version("Django")
            return {
                "module": name, "library": library, "distribution": distribution,
                "version": version, "django_version": django,
                "python_version": platform.python_version(), "python": sys.executable,
                "failed_at": {"file": frame.f_code.co_filename, "line": tb.tb_lineno,
                              "code": line.strip()},
                "needed_by": _setting_using(name, module_name),
            }
    return None
