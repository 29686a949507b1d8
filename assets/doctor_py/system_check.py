"""Question `system_check`: `manage.py check` in-process, Django's system checks with their ids
and objects. The checks import the URLconf, so a project module that cannot be imported fails
here even when django.setup() worked: that failure is answered located, like setup_error."""
import logging

from doctor_py import diagnose


class ImportFailed(Exception):
    """Carries the located diagnosis as the answer's error."""

    def __init__(self, located):
        Exception.__init__(self, located["message"])
        self.located = located


def answer():
    from django.core import checks

    try:
        messages = checks.run_checks(include_deployment_checks=False)
    except Exception as exc:
        raise ImportFailed(diagnose.failure(exc, "checks"))
    issues = []
    for message in messages:
        issues.append({"id": message.id, "level": message.level,
                       "level_name": logging.getLevelName(message.level),
                       "msg": str(message.msg), "hint": message.hint,
                       "obj": str(message.obj) if message.obj is not None else None})
    return {"issues": issues}
