"""Question `simplejwt`: token lifetimes and header types, from simplejwt's own settings."""
from doctor_py.convert import seconds, str_list


def answer():
    from django.apps import apps
    from django.conf import settings

    installed = apps.is_installed("rest_framework_simplejwt")
    result = {"installed": installed, "access_token_lifetime_s": None,
              "refresh_token_lifetime_s": None, "algorithm": None, "user_id_claim": None,
              "auth_header_types": None, "signing_key_is_secret_key": None}
    try:
        from rest_framework_simplejwt.settings import api_settings
    except Exception:
        # Not importable (or DRF missing): report what settings.SIMPLE_JWT says, if anything.
        raw = getattr(settings, "SIMPLE_JWT", None)
        if isinstance(raw, dict):
            result["access_token_lifetime_s"] = seconds(raw.get("ACCESS_TOKEN_LIFETIME"))
            result["refresh_token_lifetime_s"] = seconds(raw.get("REFRESH_TOKEN_LIFETIME"))
        return result
    result.update({
        "access_token_lifetime_s": seconds(api_settings.ACCESS_TOKEN_LIFETIME),
        "refresh_token_lifetime_s": seconds(api_settings.REFRESH_TOKEN_LIFETIME),
        "algorithm": api_settings.ALGORITHM,
        "user_id_claim": api_settings.USER_ID_CLAIM,
        "auth_header_types": str_list(api_settings.AUTH_HEADER_TYPES)
        or [str(api_settings.AUTH_HEADER_TYPES)],
        # Tells doctor whether a token can be verified with SECRET_KEY (never sent here).
        "signing_key_is_secret_key": api_settings.SIGNING_KEY == settings.SECRET_KEY,
    })
    return result
