"""Question `database`: the default database as a URL doctor can connect to itself."""
import os

from doctor_py.protocol import ProbeError


def _vendor_from_engine(engine):
    for key, vendor in (("sqlite", "sqlite"), ("postg", "postgresql"), ("mysql", "mysql"),
                        ("oracle", "oracle")):
        if key in engine:
            return vendor
    return engine.rsplit(".", 1)[-1] or None


def _netloc(user, password, host, port):
    from urllib.parse import quote

    auth = ""
    if user:
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        auth += "@"
    if ":" in host and not host.startswith("["):
        host = "[" + host + "]"  # IPv6 literal
    return auth + host + ":" + str(port)


def _pool_max_size(config):
    """Django 5.1+'s psycopg pool (OPTIONS["pool"]): its max_size. `True` takes psycopg_pool's
    defaults (min_size 4, max_size = min_size)."""
    pool = (config.get("OPTIONS") or {}).get("pool")
    if pool is True:
        return 4
    if isinstance(pool, dict):
        size = pool.get("max_size") or pool.get("min_size") or 4
        try:
            return int(size)
        except (TypeError, ValueError):
            return None
    return None


def _databases_lines():
    """Where the settings files assign DATABASES (file and line, in file order): all of them,
    since which branch of an `if DATABASE_URL:` ran is not in the source."""
    import ast

    from doctor_py import settings_source

    found = []
    for path in settings_source.source_files(os.environ.get("DJANGO_SETTINGS_MODULE")):
        tree = settings_source.parse(path)
        if tree is None:
            continue
        lines = sorted(n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DATABASES" for t in n.targets))
        found.extend({"file": path, "line": line} for line in lines)
    return found


def _sqlite_locking(config):
    """How SQLite will take its write lock: Django opens DEFERRED transactions unless
    OPTIONS["transaction_mode"] says otherwise (Django 5.1+), and sqlite3 waits `timeout`
    seconds (5 by default) for a lock it can wait for."""
    import django
    from django.db.backends.sqlite3.base import DatabaseWrapper

    options = config.get("OPTIONS") or {}
    mode = options.get("transaction_mode")
    try:
        timeout = float(options.get("timeout", 5.0))
    except (TypeError, ValueError):
        timeout = None
    try:
        databases_at = _databases_lines()
    except Exception:  # a hint for the advice; the answer stands without it
        databases_at = []
    return {
        "transaction_mode": str(mode).upper() if mode else None,
        "timeout_s": timeout,
        "modes_supported": hasattr(DatabaseWrapper, "transaction_modes"),
        "django_version": django.get_version(),
        "databases_at": databases_at,
    }


def answer():
    from urllib.parse import quote

    from django.conf import settings
    from django.db import connections

    config = settings.DATABASES.get("default")
    if not config:
        raise ProbeError("NoDefaultDatabase", "settings.DATABASES has no 'default' alias")
    engine = str(config.get("ENGINE") or "")
    try:
        vendor = connections["default"].vendor  # imports the backend (driver may be missing)
    except Exception:
        vendor = _vendor_from_engine(engine)
    name = config.get("NAME")
    name = str(name) if name is not None else None
    host = str(config.get("HOST") or "")
    port = str(config.get("PORT") or "")
    user = str(config.get("USER") or "")
    password = str(config.get("PASSWORD") or "")

    url = None
    if vendor == "sqlite":
        if name == ":memory:":
            url = "sqlite::memory:"
        elif name and not name.startswith("file:"):
            # sqlite3 opens a relative NAME against the process cwd, i.e. this directory.
            name = os.path.abspath(name)
            url = "sqlite://" + name  # sqlite:///abs/path (path kept raw, as sqlite sees it)
    elif vendor in ("postgresql", "mysql"):
        scheme = "postgres" if vendor == "postgresql" else "mysql"
        default_port = "5432" if vendor == "postgresql" else "3306"
        db = quote(name or "", safe="")
        if host.startswith("/"):
            # Unix socket directory: libpq-style query parameter instead of a host.
            auth = _netloc(user, password, "", "").rsplit(":", 1)[0]
            url = "%s://%s/%s?host=%s" % (scheme, auth, db, quote(host, safe="/"))
        else:
            url = "%s://%s/%s" % (scheme, _netloc(user, password, host or "127.0.0.1",
                                                  port or default_port), db)
    # Django's default 0 closes the connection after each request; None or > 0 keeps one open
    # per serving thread, and a pool keeps up to its size per process.
    conn_max_age = config.get("CONN_MAX_AGE", 0)
    pool = _pool_max_size(config)
    return {
        "pool_max_size": pool,
        "persistent": conn_max_age is None or (isinstance(conn_max_age, (int, float))
                                               and conn_max_age > 0) or pool is not None,
        "vendor": vendor,
        "engine": engine,
        "name": name,
        "host": host or None,
        "port": port or None,
        "user": user or None,
        "password_set": bool(password),
        "url": url,
        "sqlite": _sqlite_locking(config) if vendor == "sqlite" else None,
    }
