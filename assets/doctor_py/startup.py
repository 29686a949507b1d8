"""Finding the settings module and starting Django (django.setup()); when that fails, the
located diagnosis from diagnose.failure() is the answer's setup_error."""
import os

from doctor_py import diagnose, settings_source


def patient_sqlite(seconds=30):
    """doctor's two helpers each hold a rolled-back write transaction on the project's
    database while they try requests; on SQLite one waits for the other's lock instead of
    failing with `database is locked` after the default 5 s. Only doctor's own connections."""
    from django.db import connections

    for alias in connections:
        settings_dict = connections[alias].settings_dict
        if settings_dict.get("ENGINE", "").endswith("sqlite3"):
            options = settings_dict.setdefault("OPTIONS", {})
            options.setdefault("timeout", seconds)


def settings_module():
    """(module, source): from the environment, else from manage.py, else (None, None)."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        return module, "env"
    manage = settings_source.manage_py_path()
    module = settings_source.settings_module_from_manage_py(manage) if manage else None
    if module:
        os.environ["DJANGO_SETTINGS_MODULE"] = module
        return module, "manage.py"
    return None, None


def setup(result):
    """django.setup(); fills result's settings_module(_source) and setup_error. True when
    Django started."""
    module, source = settings_module()
    result["settings_module"] = module
    result["settings_module_source"] = source
    if not module:
        result["setup_error"] = {
            "type": "SettingsModuleNotFound",
            "message": "DJANGO_SETTINGS_MODULE is not set and manage.py does not set it",
            "stage": "settings", "traceback": "", "frames": [], "project_frame": None,
            "chain": [], "cause": {"code": "other", "facts": {}}}
        return False
    try:
        import django

        django.setup()
        patient_sqlite()
        return True
    except BaseException as exc:  # SystemExit from a settings file included
        result["setup_error"] = diagnose.failure(exc, "setup")
        return False
