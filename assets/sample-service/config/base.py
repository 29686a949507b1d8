"""Settings of the sample stock-reservation service.

Everything that `doctor` can break on purpose is switched by an environment variable
(see README.md); with none set this is the healthy service the guide describes.
"""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _read_dotenv(path):
    """KEY=VALUE lines of a .env file (no dependency on python-dotenv)."""
    values = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export "):].strip()
        values[key] = value.strip().strip("'\"")
    return values


def _sqlite_options():
    # Django opens SQLite transactions DEFERRED unless told otherwise (5.1+); doctor's tests
    # set SAMPLE_SQLITE_TRANSACTION_MODE=IMMEDIATE to show writers queueing instead.
    options = {"timeout": 5}
    mode = os.environ.get("SAMPLE_SQLITE_TRANSACTION_MODE")
    if mode:
        options["transaction_mode"] = mode
    return options


def _database_from_url(url):
    """Parse sqlite:///path or postgres://user:pass@host:port/name (no dj-database-url)."""
    if url.startswith("sqlite:"):
        # sqlite:////abs/path -> /abs/path ; sqlite:///rel/path -> BASE_DIR/rel/path
        rest = url[len("sqlite:"):]
        rest = rest[2:] if rest.startswith("//") else rest
        name = rest[1:] if rest.startswith("/") else rest
        if name != ":memory:":
            name = Path(name) if Path(name).is_absolute() else BASE_DIR / name
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name),
            "OPTIONS": _sqlite_options(),
        }
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Persistent connections (seconds), as many projects run PostgreSQL.
            "CONN_MAX_AGE": int(os.environ.get("SAMPLE_CONN_MAX_AGE", "0")),
        }
    raise ValueError(f"DATABASE_URL scheme not supported: {parts.scheme!r}")


DOTENV = _read_dotenv(BASE_DIR / ".env")

SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY")
    or DOTENV.get("DJANGO_SECRET_KEY")
    or "django-insecure-sample-service-dev-key-do-not-use-in-production"
)

DEBUG = _flag("SAMPLE_DEBUG")

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

SILK_ENABLED = _flag("SAMPLE_SILK")

BASE_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

if _flag("SAMPLE_FAULT_SETTINGS"):
    # The guide's section 3: contenttypes missing from BASE_APPS (auth kept, and auth's
    # Permission model imports ContentType -> "doesn't declare an explicit app_label").
    BASE_APPS = [app for app in BASE_APPS if app != "django.contrib.contenttypes"]

THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework_simplejwt",
    "corsheaders",
]

if SILK_ENABLED:
    THIRD_PARTY_APPS.append("silk")

LOCAL_APPS = [
    "apps.products",
]

INSTALLED_APPS = BASE_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if SILK_ENABLED:
    MIDDLEWARE.append("silk.middleware.SilkyMiddleware")

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or DOTENV.get("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": _sqlite_options(),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CORS_ALLOWED_ORIGINS = ["http://127.0.0.1:8089", "http://localhost:8089"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        seconds=int(os.environ.get("SAMPLE_ACCESS_TOKEN_SECONDS", "300"))
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# Fault switch read by apps.products.views (the guide's section 2).
SAMPLE_FAULT_SERIALIZER = _flag("SAMPLE_FAULT_SERIALIZER")
# Fault switch read by config.urls: the login endpoint answers 500.
SAMPLE_FAULT_LOGIN_500 = _flag("SAMPLE_FAULT_LOGIN_500")

if _flag("SAMPLE_VERBOSE_LOGGING"):
    # The guide's debugging tip (logging.basicConfig(level=DEBUG)) left on during a load test:
    # every SQL query and request is logged. Without this switch Django's default logging
    # applies, so runserver with DEBUG off prints no traceback for a 500.
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": "DEBUG"},
        "loggers": {"django": {"handlers": ["console"], "level": "DEBUG", "propagate": False}},
    }
