"""Why the project could not be imported or started: the exception, the project's frame where
it happened, and a cause as a code plus facts. doctor words the cause and the fix (ko and en);
this module only measures.

Codes: missing_apps (the guide's section 3: a django.contrib app left out), app_only_under_debug,
app_not_installed, module_removed_in_version, missing_module, optional_package_missing,
other."""
import os
import re
import sys
import traceback

from doctor_py import debug_only, frames, optional_import, packages, settings_source

_APP_LABEL = re.compile(r"Model class ([\w.]+) doesn't declare an explicit app_label")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def _root(exc):
    """The exception that says what is wrong: an ImportError wrapped by Django (e.g. in
    ImproperlyConfigured) is the real one."""
    current, seen = exc, 0
    while current is not None and seen < 5:
        if isinstance(current, ImportError) or _APP_LABEL.search(str(current)):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return exc


def _all_frames(exc, root):
    """Outer frames down to where `root` was caught, then root's own frames."""
    outer = frames.extract(exc.__traceback__)
    if root is exc:
        return outer
    inner = frames.extract(root.__traceback__)
    if inner:
        first = inner[0]
        for index, frame in enumerate(outer):
            if frame["file"] == first["file"] and frame["function"] == first["function"]:
                return outer[:index] + inner
    return outer + inner


def _traceback_text(exc, shown):
    """The traceback as `manage.py` would print it, doctor's own frames left out."""
    lines = ["Traceback (most recent call last):\n"]
    for frame in shown:
        lines.append('  File "%s", line %s, in %s\n' % (frame["file"], frame["line"],
                                                       frame["function"]))
        if frame.get("code"):
            lines.append("    %s\n" % frame["code"])
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines)


def _settings_value(name):
    try:
        from django.conf import settings

        return getattr(settings, name)
    except BaseException:
        return None


def _in_installed_apps(package):
    apps = _settings_value("INSTALLED_APPS") or []
    try:
        return any(str(a) == package or str(a).startswith(package + ".") for a in apps)
    except TypeError:
        return False


def _is_project_package(top):
    path = packages.origin(top)
    return bool(path) and frames.is_project_file(path)


def _app_facts(package):
    files = settings_source.source_files(os.environ.get("DJANGO_SETTINGS_MODULE"))
    debug = _settings_value("DEBUG")
    return {
        "package": package,
        "installed": packages.is_installed(package),
        "in_installed_apps": _in_installed_apps(package),
        "debug": bool(debug) if debug is not None else None,
        "debug_env": debug_only.debug_env_var(files),
        "debug_condition": debug_only.condition(package, files),
    }


def _chain_summary(chain):
    return [{"module": f.get("module"), "file": f["file"], "line": f["line"],
             "code": f.get("code")} for f in chain]


def _debug_only(facts):
    return facts["debug_condition"] is not None and facts["debug"] is not True


def _cause(root, chain):
    message = str(root)
    model = _APP_LABEL.search(message)
    if model:
        app_module = model.group(1).split(".models")[0]
        if app_module.startswith("django.contrib."):
            return "missing_apps", {"model": model.group(1), "app": app_module}
        package = app_module.split(".")[0]
        if chain and not _is_project_package(package):
            facts = _app_facts(package)
            facts["model"] = model.group(1)
            code = "app_only_under_debug" if _debug_only(facts) else "app_not_installed"
            return code, facts
        return "other", {}
    optional = optional_import.missing(root, os.environ.get("DJANGO_SETTINGS_MODULE"))
    if optional is not None:
        return "optional_package_missing", optional
    if isinstance(root, ImportError):
        missing = getattr(root, "name", None)
        found = _NO_MODULE.search(message)
        if found and (not missing or found.group(1) != missing):
            missing = found.group(1)
        if not missing or not found:
            return "other", {}  # e.g. "cannot import name X from Y"
        top = missing.split(".")[0]
        if _is_project_package(top):
            return "other", {"module": missing}
        if "." in missing and packages.is_installed(top):
            distribution = packages.distribution_of(top)
            version = (packages.distribution_version(distribution) if distribution else None) \
                or packages.module_version(top)
            return "module_removed_in_version", {
                "module": missing, "package": top, "distribution": distribution,
                "version": version, "package_path": packages.origin(top)}
        facts = _app_facts(top)
        if chain and _debug_only(facts):
            return "app_only_under_debug", facts
        return "missing_module", {"module": missing, "package": top, "python": sys.executable}
    return "other", {}


def failure(exc, stage):
    """The answer for an exception raised while importing or starting the project."""
    root = _root(exc)
    every = _all_frames(exc, root)
    chain = frames.project_chain(every)
    code, facts = _cause(root, chain)
    at = frames.deepest_project(every)
    shown = frames.without_doctor(every)
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "stage": stage,
        "root": {"type": type(root).__name__, "message": str(root)},
        "traceback": _traceback_text(exc, shown),
        "frames": shown,
        "project_frame": at,
        "chain": _chain_summary(chain),
        "cause": {"code": code, "facts": facts},
    }
