"""The project's Django, in this process, as the server the locustfile talks to (mode "django").

Every user run happens inside one transaction per database that is rolled back, each request
inside a savepoint; caches, e-mail and Celery are kept in-process, so nothing the run does
outlives it. Password hashing is skipped (PBKDF2 costs ~0.5 s a check): existing accounts log in
with any password, unknown ones still get the project's real 401.
"""
import ast
import os
from contextlib import ExitStack
from urllib.parse import urlsplit

from doctor_py import locust_clock, locust_util, request_cost

SIDE_EFFECTS = {"cache_writes": 0, "tasks": []}


def settings_module(project_dir):
    """DJANGO_SETTINGS_MODULE, else the default manage.py sets (read, never executed)."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"]
    try:
        with open(os.path.join(project_dir, "manage.py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except Exception:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault" and len(node.args) == 2
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
                and node.args[0].value == "DJANGO_SETTINGS_MODULE"):
            return node.args[1].value
    return None


def _reason(code, exc=None, **facts):
    out = {"code": code, **facts}
    if exc is not None:
        out.update(type=type(exc).__name__, message=str(exc)[:2000])
    return out


def _sqlite_missing(db):
    name = str(db.get("NAME") or "")
    if "sqlite" not in str(db.get("ENGINE", "")) or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return None if os.path.exists(name) else name


def _sandbox(settings):
    # Caches and mail stay in this process; set before django.setup() reads them.
    aliases = list(getattr(settings, "CACHES", {}) or {"default": {}}) or ["default"]
    settings.CACHES = {a: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                           "LOCATION": f"doctor-{a}"} for a in aliases}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _token_lifetime(settings):
    try:
        lifetime = (getattr(settings, "SIMPLE_JWT", {}) or {}).get("ACCESS_TOKEN_LIFETIME")
        return lifetime.total_seconds() if lifetime is not None else None
    except Exception:
        return None


def _patch_passwords():
    from django.contrib.auth import base_user, hashers, models

    def check(password, encoded, setter=None, preferred="default"):
        request_cost.password_checked()  # the server would hash here: counted, not run
        return password is not None and encoded is not None and hashers.is_password_usable(encoded)

    def make(password, salt=None, hasher="default"):
        if password is not None:
            request_cost.password_checked()  # also ModelBackend's hash for an unknown user
        return "!doctor" if password is None else "doctor$cheap"

    hashers.check_password = base_user.check_password = check
    hashers.make_password = base_user.make_password = make
    if hasattr(models, "make_password"):
        models.make_password = make
    def check_user(self, raw):
        request_cost.password_checked()
        return raw is not None and self.has_usable_password()

    base_user.AbstractBaseUser.check_password = check_user


def _patch_side_effects():
    from django.core.cache.backends.locmem import LocMemCache

    def counting(real):
        def wrapper(self, *args, **kwargs):
            SIDE_EFFECTS["cache_writes"] += 1
            return real(self, *args, **kwargs)
        return wrapper

    for name in ("set", "add", "delete", "incr", "touch", "clear"):
        setattr(LocMemCache, name, counting(getattr(LocMemCache, name)))
    try:
        import celery.app.base
        import celery.app.task
    except Exception:
        return

    class Queued:
        id = "doctor-task"

    def apply_async(self, *args, **kwargs):
        SIDE_EFFECTS["tasks"].append(getattr(self, "name", type(self).__name__))
        return Queued()

    def send_task(self, name, *args, **kwargs):
        SIDE_EFFECTS["tasks"].append(str(name))
        return Queued()

    celery.app.task.Task.apply_async = apply_async
    celery.app.base.Celery.send_task = send_task


def prepare(project_dir):
    """(transport or None, mode_reason or None, django facts or None)."""
    module = settings_module(project_dir)
    if not module:
        return None, _reason("no_settings_module"), None
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    facts = {"settings_module": module, "token_lifetime_s": None}
    try:
        import django
        from django.conf import settings
        databases = settings.DATABASES
    except Exception as exc:
        return None, _reason("settings_error", exc), facts
    facts["token_lifetime_s"] = _token_lifetime(settings)
    missing = _sqlite_missing(databases.get("default", {}))
    if missing:
        return None, _reason("sqlite_missing", path=missing), facts
    try:
        _sandbox(settings)
        django.setup()
        from doctor_py.startup import patient_sqlite

        patient_sqlite()
        from django.db import connections
        aliases = [a for a in databases if not _sqlite_missing(databases[a])]
        for alias in aliases:
            connections[alias].ensure_connection()
        from django.urls import get_resolver
        get_resolver().url_patterns  # import the URLconf now, not inside the first timed call
    except Exception as exc:
        return None, _reason("django_setup_failed", exc), facts
    _patch_passwords()
    _patch_side_effects()
    from doctor_py import locust_outside
    locust_outside.install()
    return DjangoTransport(project_dir, aliases), None, facts


def url_match(path):
    from django.urls import Resolver404, resolve
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return {"code": "no_url_pattern"}
    except Exception as exc:
        return {"code": "url_resolve_failed", "type": type(exc).__name__, "message": str(exc)[:500]}
    return {"view": match._func_path, "route": str(match.route)}


class DjangoTransport:
    mode = "django"

    def __init__(self, project_dir, aliases):
        self.project_dir = project_dir
        self.aliases = aliases
        self.stack = None

    def begin_run(self):
        from django.db import transaction
        from doctor_py import replay_lock
        replay_lock.acquire(self.project_dir)  # raises Busy: "could not test", never a 500
        self.stack = ExitStack()
        for alias in self.aliases:
            self.stack.enter_context(transaction.atomic(using=alias))

    def end_run(self):
        from django.db import transaction
        for alias in self.aliases:
            try:
                transaction.set_rollback(True, using=alias)
            except Exception:
                pass
        try:
            self.stack.close()
        except Exception:
            pass
        self.stack = None
        from doctor_py import replay_lock
        replay_lock.release()

    def _client(self, session):
        if session.django_client is None:
            from django.test import Client
            parts = urlsplit(session.base_url or "http://127.0.0.1")
            # CSRF is enforced as a real server would (the test client skips it by default).
            session.django_client = Client(raise_request_exception=True, enforce_csrf_checks=True,
                                           HTTP_HOST=parts.netloc or "127.0.0.1")
            session.django_secure = parts.scheme == "https"
        return session.django_client

    def send(self, session, entry, raw):
        from django.core import mail
        from django.db import transaction
        entry["url_match"] = url_match(entry["path"])
        client = self._client(session)
        extra, ctype = {}, None
        for k, v in entry["_headers"].items():
            key = str(k).upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                ctype = str(v)
            elif key != "CONTENT_LENGTH":
                extra["HTTP_" + key] = str(v)
        from doctor_py import locust_outside
        before = (SIDE_EFFECTS["cache_writes"], len(getattr(mail, "outbox", [])), len(SIDE_EFFECTS["tasks"]))
        hop = "cost" in entry  # a redirect's next request: its cost adds to the first's
        cost = {}
        outside = []
        try:
            with ExitStack() as savepoints, locust_outside.guard() as outside:  # a failing request must not break the run's transaction
                for alias in self.aliases:
                    savepoints.enter_context(transaction.atomic(using=alias))
                cost = savepoints.enter_context(request_cost.measure(self.aliases, _SEND_CODE))
                response = _as_served(client, (entry["method"], entry["path"], raw,
                                               ctype or "application/octet-stream",
                                               getattr(session, "django_secure", False)), extra)
            status = response.status_code
            headers = dict(response.items())
            content = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as exc:
            err = locust_util.error(exc, [self.project_dir])
            err["frames"] = err["frames"][-5:]
            entry["exception"] = err
            status, headers, content = 500, {"Content-Type": "text/html"}, b"<h1>Server Error (500)</h1>"
        entry["side_effects"] = self._effects(before) + [
            {"code": "outside_call", "host": c["host"], "port": c["port"]} for c in outside]
        if cost:
            entry["cost"] = cost
            request_cost.record(entry, cost, hop)
            if not hop and request_cost.first_sample(entry):
                self._warm_sample(client, entry, (entry["method"], entry["path"], raw,
                                  ctype or "application/octet-stream",
                                  getattr(session, "django_secure", False)), extra)
        return status, headers, content

    def _warm_sample(self, client, entry, args, extra):
        """A request met for the first time is measured once more, warm (the first call pays
        for imports and caches), in savepoints rolled back and with the client's cookies
        restored: the user's run sees no second effect."""
        import copy
        from django.db import transaction
        cookies = copy.copy(client.cookies)
        cost = {}
        try:
            from doctor_py import locust_outside
            with ExitStack() as stack, locust_outside.guard():
                for alias in self.aliases:
                    stack.enter_context(transaction.atomic(using=alias))
                cost = stack.enter_context(request_cost.measure(self.aliases, _SEND_CODE))
                _as_served(client, args, extra)
                for alias in self.aliases:
                    transaction.set_rollback(True, using=alias)
        except Exception:
            cost = {}
        finally:
            client.cookies = cookies
        if cost:
            request_cost.record(entry, cost, False)

    def _effects(self, before):
        from django.core import mail
        out = []
        writes = SIDE_EFFECTS["cache_writes"] - before[0]
        if writes:
            out.append({"code": "cache_write", "count": writes})
        emails = len(getattr(mail, "outbox", [])) - before[1]
        if emails:
            out.append({"code": "email", "count": emails})
        for name in SIDE_EFFECTS["tasks"][before[2]:]:
            out.append({"code": "task_queued", "name": name})
        return out


def _as_served(client, args, extra):
    """The project's code answers one request as its server would: on the real clock (its own
    waits cost what they cost under load; only the locustfile's code sees the frozen one)."""
    with locust_clock.real_clock():
        return client.generic(*args, **extra)


_SEND_CODE = DjangoTransport.send.__code__  # where a query's search for the project frame stops
