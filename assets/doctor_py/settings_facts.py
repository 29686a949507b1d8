"""Question `settings`: the values of the settings doctor's checks read (DEBUG, apps,
middleware, logging level, management commands)."""
import logging

from doctor_py.convert import str_list


def _command_names():
    try:
        from django.core.management import get_commands

        return list(get_commands().keys())
    except Exception:
        return []


def _quoted_settings():
    """Settings doctor quotes back in its advice, so the texts name the user's project: the WSGI
    module (devserver's gunicorn command) and INTERNAL_IPS (where django-debug-toolbar shows)."""
    from django.conf import settings

    return {
        "wsgi_application": getattr(settings, "WSGI_APPLICATION", None),
        "internal_ips": str_list(getattr(settings, "INTERNAL_IPS", None)) or [],
    }


def answer():
    from django.conf import settings

    logging_config = getattr(settings, "LOGGING", None) or {}
    configured = None
    if isinstance(logging_config, dict):
        root = logging_config.get("root") or (logging_config.get("loggers") or {}).get("") or {}
        if isinstance(root, dict) and root.get("level") is not None:
            configured = str(root.get("level")).upper()
    # logging.basicConfig(level=DEBUG) in a settings file never shows up in LOGGING.
    effective = logging.getLevelName(logging.getLogger().level)
    facts = {
        "debug": bool(settings.DEBUG),
        "installed_apps": str_list(settings.INSTALLED_APPS) or [],
        "middleware": str_list(getattr(settings, "MIDDLEWARE", None) or []) or [],
        "language_code": getattr(settings, "LANGUAGE_CODE", None),
        "auth_user_model": getattr(settings, "AUTH_USER_MODEL", None),
        # The guide's config/base.py keeps Django's own apps in BASE_APPS.
        "base_apps_var": str_list(getattr(settings, "BASE_APPS", None)),
        "password_hashers": (str_list(getattr(settings, "PASSWORD_HASHERS", None)) or [])[:3],
        "logging_root_level": configured or (effective if effective != "WARNING" else None),
        "logging_root_effective": effective,
        "management_commands": sorted(_command_names()),
    }
    facts.update(_quoted_settings())
    return facts
