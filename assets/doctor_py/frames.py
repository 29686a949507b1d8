"""Traceback frames, each marked as the project's own code or not.

A frame is the project's when its file lies under the project folder (the cwd) and not in an
installed package (site-packages, dist-packages, a virtualenv, the standard library) nor in
doctor's own helpers: only such a frame may be shown as "where it happened"."""
import os
import sys
import sysconfig
import traceback

DOCTOR_DIR = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_DIR_NAMES = ("site-packages", "dist-packages", "__pypackages__")
_VENV_DIR_NAMES = (".venv", "venv", ".tox", ".nox", "env", ".env")


def _inside(path, folder):
    if not folder:
        return False
    folder = os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _not_project_dirs():
    dirs = [DOCTOR_DIR]
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            dirs.append(sysconfig.get_paths()[key])
        except Exception:
            pass
    # A virtualenv inside the project folder is not the project's code.
    if getattr(sys, "base_prefix", sys.prefix) != sys.prefix:
        dirs.append(sys.prefix)
    return [d for d in dirs if d]


def is_project_file(path, root=None):
    if not path or path.startswith("<"):
        return False  # <string>, <frozen importlib._bootstrap>
    path = os.path.abspath(path)
    root = root or os.getcwd()
    if not _inside(path, root):
        return False
    parts = os.path.relpath(path, root).split(os.sep)
    if any(p in _PACKAGE_DIR_NAMES for p in parts):
        return False
    if any(p in _VENV_DIR_NAMES for p in parts[:-1]) and any(
            p.startswith("python") or p == "lib" for p in parts):
        return False
    return not any(_inside(path, d) for d in _not_project_dirs())


def module_name(path, root=None):
    """config/urls.py -> config.urls, for files under the project folder."""
    root = root or os.getcwd()
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel.startswith(".."):
        return None
    rel = rel[:-3] if rel.endswith(".py") else rel
    parts = rel.split(os.sep)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or None


def extract(tb):
    """[{file, line, function, code, project}] from outermost to innermost call."""
    out = []
    for frame in traceback.extract_tb(tb):
        path = frame.filename
        file = os.path.abspath(path) if path and not path.startswith("<") else path
        out.append({"file": file, "line": frame.lineno, "function": frame.name,
                    "code": frame.line, "project": is_project_file(path)})
    return out


def without_doctor(frames):
    """The frames a user would see from `manage.py`: doctor's own helpers and the import
    machinery (<frozen importlib._bootstrap>) left out."""
    return [f for f in frames if f.get("file") and not f["file"].startswith("<frozen")
            and not _inside(f["file"], DOCTOR_DIR)]


def deepest_project(frames):
    for frame in reversed(frames):
        if frame.get("project"):
            return frame
    return None


def project_chain(frames):
    """The project's frames from the first to the deepest, each with its module name: for an
    import failure, the chain of project modules that led to the failing import."""
    chain = []
    for frame in frames:
        if frame.get("project"):
            item = dict(frame)
            item["module"] = module_name(frame["file"])
            chain.append(item)
    return chain
