"""The wire format shared with doctor (src/django/mod.rs): a JSON request on stdin, one answer
line `DOCTOR_PROBE_JSON: {...}` on stdout. Every answer is {"ok": value} or {"error": {...}}."""
import json
import os
import sys

PROTOCOL = 1
ANSWER_PREFIX = "DOCTOR_PROBE_JSON: "
ALL_QUESTIONS = ["env", "settings", "database", "user_model", "urls", "simplejwt", "stock",
                 "static_settings", "system_check"]


class ProbeError(Exception):
    """An expected failure with a stable type name for the answer."""

    def __init__(self, type_name, message):
        Exception.__init__(self, message)
        self.type_name = type_name


def error_dict(exc):
    located = getattr(exc, "located", None)  # an import failure diagnosed (diagnose.py)
    if isinstance(located, dict):
        return located
    type_name = getattr(exc, "type_name", None) or type(exc).__name__
    return {"type": type_name, "message": str(exc)}


def setup_failed():
    return {"error": {"type": "SetupFailed", "message": "django.setup() failed"}}


def read_request():
    """The request, and an error dict when it was unreadable (then every question is asked)."""
    raw = sys.stdin.read() if not sys.stdin.isatty() else ""
    if not raw.strip():
        return {"questions": list(ALL_QUESTIONS)}, None
    try:
        request = json.loads(raw)
        if not isinstance(request, dict):
            raise ValueError("request is not a JSON object")
        return request, None
    except ValueError as exc:
        return {"questions": list(ALL_QUESTIONS)}, {"type": "BadRequest", "message": str(exc)}


def answer_with(produce):
    """Call `produce()` with the project's prints (Python or C level) sent to stderr, then
    write the answer line on the real stdout and exit without running the project's atexit
    handlers or waiting for its threads."""
    sys.stdout.flush()
    real_fd = os.dup(1)
    os.dup2(2, 1)
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        result = produce()
        line = ANSWER_PREFIX + json.dumps(result, default=str, ensure_ascii=True) + "\n"
    finally:
        try:
            sys.stderr.flush()
        except Exception:
            pass
        sys.stdout = real_stdout
        os.dup2(real_fd, 1)
        os.close(real_fd)
    data = line.encode("ascii")
    while data:
        data = data[os.write(1, data):]
    os._exit(0)
