"""Small shared helpers: JSON-safe values, secret masking and traceback frames.

Everything doctor reports must be JSON (no repr of live objects) and must never show a
password, and the frames it shows must be the user's code, never doctor_py's own.
"""
import os
import sys
import traceback

DOCTOR_DIR = os.path.dirname(os.path.abspath(__file__))
PASSWORD_KEYS = ("password", "passwd", "pass", "pwd")
ROOTS = []  # the user's directories (project dir, locustfile dir), set by locust_main


def is_password_key(key):
    # "password", "user_password", "pwd" ... but not "passport".
    k = str(key).lower()
    return (k in PASSWORD_KEYS or "password" in k or "passwd" in k
            or k.endswith("_pwd") or k.endswith("_pass"))


def jsonable(value, depth=0, mask=False):
    """A JSON-safe copy of `value` (depth- and size-capped); password-like keys masked."""
    if depth > 6:
        return "..."
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, bytes):
        return value[:2000].decode("utf-8", "replace")
    if isinstance(value, dict):
        out = {}
        for i, (k, v) in enumerate(value.items()):
            if i >= 200:
                break
            out[str(k)] = "***" if mask and is_password_key(k) else jsonable(v, depth + 1, mask)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1, mask) for v in list(value)[:200]]
    return repr(value)[:300]


def _user_file(path, roots):
    # A frame is the user's when it lies under one of the roots (project dir, locustfile dir)
    # and not in doctor_py, a virtualenv or the standard library.
    if not path or path.startswith("<"):  # <frozen importlib...>, <string>
        return False
    p = os.path.abspath(path)
    if p.startswith(DOCTOR_DIR + os.sep):
        return False
    if "site-packages" in p or "dist-packages" in p:
        return False
    return any(p == r or p.startswith(r + os.sep) for r in roots)


def frames(tb, roots, last=8):
    """The traceback's frames that are in the user's files, innermost last."""
    out = []
    for fs in traceback.extract_tb(tb):
        if _user_file(fs.filename, roots):
            out.append({"file": fs.filename, "line": fs.lineno, "function": fs.name,
                        "code": (fs.line or "").strip()})
    return out[-last:]


def error(exc, roots, locustfile=None):
    """{type, message, frames, line} of an exception; line = innermost frame in the locustfile."""
    fr = frames(exc.__traceback__, roots)
    if isinstance(exc, SyntaxError) and exc.filename:
        fr.append({"file": exc.filename, "line": exc.lineno, "function": "<module>",
                   "code": (exc.text or "").strip()})
    line = None
    for f in fr:
        if locustfile is None or os.path.abspath(f["file"]) == locustfile:
            line = f["line"]
    message = exc.msg if isinstance(exc, SyntaxError) else _message(exc)
    return {"type": type(exc).__name__, "message": message, "frames": fr, "line": line}


def _message(exc):
    try:
        return str(exc)[:2000]
    except Exception:  # a broken __str__ must not break the report
        return repr(exc)[:2000]


def caller(roots):
    """(file, line) of the innermost user frame on the current stack."""
    f = sys._getframe(1)
    while f is not None:
        if _user_file(f.f_code.co_filename, roots):
            return f.f_code.co_filename, f.f_lineno
        f = f.f_back
    return None, None
