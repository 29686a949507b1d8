"""doctor's Django probe: answers questions about a Django project as one JSON line.

Run by doctor with the project's own Python, cwd = the directory holding manage.py:

    echo '{"questions": ["env", "settings"], "password_to_hash": null}' | python django_probe.py

The answer is the last stdout line, `DOCTOR_PROBE_JSON: {...}`. Everything the project prints
while it is set up goes to stderr so it cannot corrupt that line. Every answer is independently
{"ok": value} or {"error": {"type", "message"}}; the probe exits 0 even when django.setup()
fails (setup_error says why). Standard library plus Django only; keeps to syntax that runs on
Python 3.6+ so old projects (Django 3.2) can be probed too.
"""
import ast
import json
import logging
import os
import re
import sys
import traceback

PROTOCOL = 1
ANSWER_PREFIX = "DOCTOR_PROBE_JSON: "
ALL_QUESTIONS = ["env", "settings", "database", "user_model", "urls", "simplejwt", "stock",
                 "static_settings", "system_check"]
MAX_URLS = 500
# Questions answerable without a working django.setup().
NO_DJANGO_NEEDED = {"env", "static_settings"}


class ProbeError(Exception):
    """An expected failure with a stable type name for the answer."""

    def __init__(self, type_name, message):
        Exception.__init__(self, message)
        self.type_name = type_name


def error_dict(exc):
    type_name = getattr(exc, "type_name", None) or type(exc).__name__
    return {"type": type_name, "message": str(exc)}


# --------------------------------------------------------------------------- helpers


def manage_py_path():
    path = os.path.join(os.getcwd(), "manage.py")
    return path if os.path.isfile(path) else None


def settings_module_from_manage_py(path):
    """Find os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x") (or an assignment) via ast,
    without running manage.py."""
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return None

    def const_str(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if hasattr(ast, "Str") and isinstance(node, getattr(ast, "Str")):  # Python < 3.8
            return node.s
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "setdefault"
                    and const_str(node.args[0]) == "DJANGO_SETTINGS_MODULE"):
                value = const_str(node.args[1])
                if value:
                    return value
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript):
                key = target.slice
                key = getattr(key, "value", key)  # ast.Index wrapper before Python 3.9
                if const_str(key) == "DJANGO_SETTINGS_MODULE":
                    value = const_str(node.value)
                    if value:
                        return value
    return None


def distribution_version(name):
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        return None
    try:
        return metadata.version(name)
    except Exception:
        return None


def module_version(module_name):
    """Fallback when package metadata is missing (vendored or old installs)."""
    module = sys.modules.get(module_name)
    if module is None:
        return None
    version = getattr(module, "__version__", None)
    return str(version) if version else None


def settings_file(module_name):
    if not module_name:
        return None
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None) if module else None
    if not path:
        try:
            import importlib.util

            spec = importlib.util.find_spec(module_name)
            path = spec.origin if spec else None
        except Exception:
            path = None
    return os.path.abspath(path) if path and path not in ("built-in", "frozen") else None


def seconds(value):
    if value is None:
        return None
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def str_list(value):
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return None


def qualified_name(obj):
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and name:
        return module + "." + name
    return name or repr(obj)


# --------------------------------------------------------------------------- questions


def q_env():
    return {"cwd": os.getcwd(), "manage_py": manage_py_path()}


def q_settings():
    from django.conf import settings

    logging_config = getattr(settings, "LOGGING", None) or {}
    configured = None
    if isinstance(logging_config, dict):
        root = logging_config.get("root") or (logging_config.get("loggers") or {}).get("") or {}
        if isinstance(root, dict) and root.get("level") is not None:
            configured = str(root.get("level")).upper()
    # logging.basicConfig(level=DEBUG) in a settings file never shows up in LOGGING.
    effective = logging.getLevelName(logging.getLogger().level)
    return {
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


def _command_names():
    try:
        from django.core.management import get_commands

        return list(get_commands().keys())
    except Exception:
        return []


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


def q_database():
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
    return {
        "vendor": vendor,
        "engine": engine,
        "name": name,
        "host": host or None,
        "port": port or None,
        "user": user or None,
        "password_set": bool(password),
        "url": url,
    }


def q_user_model():
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    model = get_user_model()
    meta = model._meta

    def column(field_name):
        try:
            return meta.get_field(field_name).column
        except (FieldDoesNotExist, AttributeError):
            return None  # AbstractBaseUser.is_active is a plain attribute, not a column

    username_field = getattr(model, "USERNAME_FIELD", "username")
    return {
        "label": meta.label,
        "db_table": meta.db_table,
        "username_field": username_field,
        "username_column": column(username_field),
        "password_column": column("password"),
        "is_active_column": column("is_active"),
    }


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*(?:\([^()]*\)[^()]*)*\)")


def _pattern_text(pattern):
    route = getattr(pattern, "_route", None)
    if route is not None:
        return str(route)  # path(): keep <int:pk> converters as written
    prefix = getattr(pattern, "language_prefix", None)
    if prefix is not None:
        return str(prefix)  # i18n_patterns
    regex = getattr(pattern, "_regex", None)
    text = str(regex if regex is not None else pattern)
    text = text.lstrip("^")
    for tail in ("\\Z", "$"):
        if text.endswith(tail):
            text = text[: -len(tail)]
    text = _NAMED_GROUP.sub(lambda m: "<" + m.group(1) + ">", text)
    return text.replace("\\.", ".").replace("\\/", "/").replace("\\-", "-")


def _view_name(callback):
    view_class = (getattr(callback, "view_class", None) or getattr(callback, "cls", None))
    if view_class is not None:
        return qualified_name(view_class)  # class-based views (Django >= 4 or DRF as_view)
    wrapped = getattr(callback, "__wrapped__", None)
    return qualified_name(wrapped or callback)


def q_urls():
    from django.urls import get_resolver

    out = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if len(out) >= MAX_URLS:
                return
            text = prefix + _pattern_text(entry.pattern)
            children = getattr(entry, "url_patterns", None)
            if children is not None:  # URLResolver (include)
                ns = getattr(entry, "namespace", None)
                walk(children, text, (namespace + ":" + ns) if namespace and ns else ns or namespace)
                continue
            name = getattr(entry, "name", None)
            if name and namespace:
                name = namespace + ":" + name
            out.append({"path": "/" + text.lstrip("/"),
                        "view": _view_name(entry.callback),
                        "name": name})

    walk(get_resolver().url_patterns, "", None)
    return out


def q_simplejwt():
    from django.apps import apps
    from django.conf import settings

    installed = apps.is_installed("rest_framework_simplejwt")
    answer = {"installed": installed, "access_token_lifetime_s": None,
              "refresh_token_lifetime_s": None, "algorithm": None, "user_id_claim": None,
              "auth_header_types": None, "signing_key_is_secret_key": None}
    try:
        from rest_framework_simplejwt.settings import api_settings
    except Exception:
        # Not importable (or DRF missing): report what settings.SIMPLE_JWT says, if anything.
        raw = getattr(settings, "SIMPLE_JWT", None)
        if isinstance(raw, dict):
            answer["access_token_lifetime_s"] = seconds(raw.get("ACCESS_TOKEN_LIFETIME"))
            answer["refresh_token_lifetime_s"] = seconds(raw.get("REFRESH_TOKEN_LIFETIME"))
        return answer
    answer.update({
        "access_token_lifetime_s": seconds(api_settings.ACCESS_TOKEN_LIFETIME),
        "refresh_token_lifetime_s": seconds(api_settings.REFRESH_TOKEN_LIFETIME),
        "algorithm": api_settings.ALGORITHM,
        "user_id_claim": api_settings.USER_ID_CLAIM,
        "auth_header_types": str_list(api_settings.AUTH_HEADER_TYPES)
        or [str(api_settings.AUTH_HEADER_TYPES)],
        # Tells doctor whether a token can be verified with SECRET_KEY (never sent here).
        "signing_key_is_secret_key": api_settings.SIGNING_KEY == settings.SECRET_KEY,
    })
    return answer


def _has_field(model, name):
    return any(getattr(f, "name", None) == name for f in model._meta.get_fields())


def _concrete_field(model, name):
    for field in model._meta.concrete_fields:
        if field.name == name:
            return field
    return None


def q_stock():
    from django.apps import apps

    models = list(apps.get_models())
    candidates = [m for m in models if _concrete_field(m, "available_stock") is not None]
    if not candidates:
        return {"present": False, "reason": "no model with available_stock"}
    named = [m for m in candidates if m.__name__ == "ProductStock"]
    stock = (named or candidates)[0]

    # The product is what the stock row points at (OneToOne/FK), preferably a model "Product".
    relations = [f for f in stock._meta.concrete_fields
                 if getattr(f, "many_to_one", False) or getattr(f, "one_to_one", False)]
    product_fk = None
    for field in relations:
        if field.related_model is not None and field.related_model.__name__ == "Product":
            product_fk = field
            break
    if product_fk is None and relations:
        product_fk = relations[0]
    product = product_fk.related_model if product_fk is not None else None
    if product is None:
        product = next((m for m in models if m.__name__ == "Product"), None)

    status_column = active_value = None
    if product is not None:
        status = _concrete_field(product, "status")
        if status is not None:
            status_column = status.column
            values = [choice[0] for choice in (status.choices or [])]
            active_value = next((v for v in values if str(v).lower() == "active"), None)
            if active_value is None and isinstance(status.default, str):
                active_value = status.default

    def column(name):
        field = _concrete_field(stock, name)
        return field.column if field is not None else None

    return {
        "present": True,
        "product_model": product._meta.label if product is not None else None,
        "stock_model": stock._meta.label,
        "product_table": product._meta.db_table if product is not None else None,
        "stock_table": stock._meta.db_table,
        "product_fk_column": product_fk.column if product_fk is not None else None,
        "status_column": status_column,
        "active_value": active_value,
        "columns": {name: column(name)
                    for name in ("available_stock", "reserved_stock", "physical_stock")},
    }


def _literal_list(node):
    """A list/tuple of string literals, or a `A + B` of names/lists (names kept as "*NAME")."""
    if isinstance(node, (ast.List, ast.Tuple)):
        items = []
        for element in node.elts:
            value = getattr(element, "value", getattr(element, "s", None))
            if isinstance(value, str):
                items.append(value)
        return items
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_list(node.left), _literal_list(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.Name):
        return ["*" + node.id]
    return None


def _settings_source_files(module_name):
    """The settings module's file and the sibling modules it star-imports (one level)."""
    main = settings_file(module_name)
    files = [main] if main else []
    if not main:
        return files
    try:
        with open(main, "rb") as handle:
            tree = ast.parse(handle.read(), filename=main)
    except (OSError, SyntaxError, ValueError):
        return files
    package_dir = os.path.dirname(main)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            name = (node.module or "").split(".")[-1]
            candidate = os.path.join(package_dir, name + ".py")
            if node.level and os.path.isfile(candidate):
                files.insert(0, candidate)
    return files


def q_static_settings():
    """The app and middleware lists as written in the settings files, with their lines: readable
    even when django.setup() fails, which is when they matter most."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    lists = {}
    files = _settings_source_files(module)
    for path in files:
        try:
            with open(path, "rb") as handle:
                tree = ast.parse(handle.read(), filename=path)
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            for name in targets:
                if not (name.endswith("_APPS") or name == "MIDDLEWARE"):
                    continue
                items = _literal_list(node.value)
                if items is None:
                    continue
                if isinstance(node, ast.AugAssign) and name in lists:
                    items = lists[name]["items"] + items
                lists[name] = {"file": path, "line": node.lineno,
                               "end_line": getattr(node, "end_lineno", node.lineno),
                               "items": items}
    # Expand "*NAME" references to other lists (INSTALLED_APPS = BASE_APPS + LOCAL_APPS).
    for entry in lists.values():
        expanded = []
        for item in entry["items"]:
            if item.startswith("*") and item[1:] in lists:
                expanded.extend(lists[item[1:]]["items"])
            else:
                expanded.append(item)
        entry["expanded"] = expanded
    # The values as the settings module computes them (conditions included), without
    # django.setup(): importing a settings module does not start Django.
    values = {}
    if module:
        try:
            import importlib

            settings_module = importlib.import_module(module)
            for name in dir(settings_module):
                if name.endswith("_APPS") or name == "MIDDLEWARE":
                    value = str_list(getattr(settings_module, name))
                    if value is not None:
                        values[name] = value
        except BaseException as exc:
            values = {"error": error_dict(exc)}
    return {"files": files, "lists": lists, "values": values}


def q_system_check():
    """`manage.py check` in-process: Django's system checks with their ids and objects."""
    from django.core import checks

    issues = []
    for message in checks.run_checks(include_deployment_checks=False):
        issues.append({"id": message.id, "level": message.level,
                       "level_name": logging.getLevelName(message.level),
                       "msg": str(message.msg), "hint": message.hint,
                       "obj": str(message.obj) if message.obj is not None else None})
    return {"issues": issues}


def _project_frames(tb):
    frames = []
    for frame in traceback.extract_tb(tb):
        frames.append({"file": os.path.abspath(frame.filename) if frame.filename else None,
                       "line": frame.lineno, "function": frame.name, "code": frame.line})
    return frames


def q_reserve(params):
    """Exercise the reservation endpoint in-process, as the load test does, inside a
    transaction that is rolled back: nothing is left behind, and a 500 shows its exception
    (runserver hides tracebacks when DEBUG is off)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test.utils import setup_test_environment

    stock = q_stock()
    if not stock.get("present"):
        return {"applies": False, "reason": "no stock model"}
    # Django's SQLite backend creates a missing database file on connect: never do that.
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and name != ":memory:" and not os.path.exists(name):
        return {"applies": False,
                "reason": "the SQLite database %s does not exist: run python manage.py migrate" % name}
    path = params.get("path")
    if not path:
        candidates = [u for u in q_urls() if "reserve" in u["path"].lower()]
        if not candidates:
            return {"applies": False, "reason": "no URL with 'reserve' in the URLconf"}
        path = candidates[0]["path"]
    try:
        from rest_framework.test import APIClient
    except ImportError:
        return {"applies": False, "reason": "Django REST framework is not installed"}
    try:
        setup_test_environment()  # lets the test client's host pass ALLOWED_HOSTS
    except RuntimeError:
        pass  # already set up
    from django.apps import apps

    Stock = apps.get_model(stock["stock_model"])
    User = get_user_model()
    result = {"applies": True, "path_template": path}
    with transaction.atomic():
        stock_row = Stock.objects.filter(available_stock__gt=0).order_by("pk").first() \
            or Stock.objects.order_by("pk").first()
        if stock_row is None:
            result.update({"applies": False, "reason": "no product with stock to reserve"})
            return result
        product_id = getattr(stock_row, stock["product_fk_column"]) \
            if stock.get("product_fk_column") else stock_row.pk
        username = params.get("username")
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
        user = user or User.objects.filter(is_active=True).order_by("pk").first() \
            if hasattr(User, "is_active") else user or User.objects.order_by("pk").first()
        if user is None:
            result.update({"applies": False, "reason": "no user to reserve as"})
            return result
        url = re.sub(r"<(?:\w+:)?(?:pk|id|product_id)>", str(product_id), path)
        url = re.sub(r"<[^>]+>", str(product_id), url)
        client = APIClient(raise_request_exception=True)
        client.force_authenticate(user=user)
        result.update({"url": url, "product_id": product_id,
                       "as_user": getattr(user, User.USERNAME_FIELD, None)})
        try:
            response = client.post(url, params.get("body") or {"quantity": 1}, format="json")
            body = response.content.decode("utf-8", "replace")
            try:
                json.loads(body)
                is_json = True
            except ValueError:
                is_json = False
            result.update({"status": response.status_code, "body": body[:500], "is_json": is_json})
        except Exception as exc:
            chain = []
            current = exc
            while current is not None and len(chain) < 5:
                chain.append({"type": type(current).__name__, "message": str(current)})
                current = current.__cause__ or current.__context__
            result.update({"status": 500, "exception": {
                "type": type(exc).__name__, "message": str(exc), "chain": chain,
                "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                "frames": _project_frames(exc.__traceback__)}})
        transaction.set_rollback(True)  # checks never change the project's data
    return result


def password_hash(value):
    from django.contrib.auth.hashers import identify_hasher, make_password

    hashed = make_password(value)
    return {"hash": hashed, "hasher": identify_hasher(hashed).algorithm}


QUESTIONS = {
    "env": q_env,
    "settings": q_settings,
    "database": q_database,
    "user_model": q_user_model,
    "urls": q_urls,
    "simplejwt": q_simplejwt,
    "stock": q_stock,
    "static_settings": q_static_settings,
    "system_check": q_system_check,
}


# --------------------------------------------------------------------------- driver


def read_request():
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


def setup_django(result):
    """django.setup() with the settings module from the env or manage.py; fills result."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    source = "env" if module else None
    if not module:
        manage = manage_py_path()
        module = settings_module_from_manage_py(manage) if manage else None
        if module:
            os.environ["DJANGO_SETTINGS_MODULE"] = module
            source = "manage.py"
    result["settings_module"] = module
    result["settings_module_source"] = source
    if not module:
        result["setup_error"] = {
            "type": "SettingsModuleNotFound",
            "message": "DJANGO_SETTINGS_MODULE is not set and manage.py does not set it",
            "traceback": "", "frames": []}
        return False
    try:
        import django

        django.setup()
        return True
    except BaseException as exc:  # SystemExit from a settings file included
        frames = [{"file": os.path.abspath(frame.filename) if frame.filename else None,
                   "line": frame.lineno, "function": frame.name}
                  for frame in traceback.extract_tb(exc.__traceback__)]
        result["setup_error"] = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            "frames": frames,
        }
        return False


def run():
    # Project modules live next to manage.py; the script's own directory comes first otherwise.
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)

    request, request_error = read_request()
    questions = request.get("questions")
    if not isinstance(questions, list):
        questions = list(ALL_QUESTIONS)
    result = {
        "protocol": PROTOCOL,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "django": distribution_version("Django"),
        "drf": distribution_version("djangorestframework"),
        "simplejwt": distribution_version("djangorestframework-simplejwt"),
        "settings_module": None,
        "settings_file": None,
        "setup_error": None,
        "answers": {},
    }
    if request_error:
        result["request_error"] = request_error

    ok = setup_django(result)
    result["settings_file"] = settings_file(result["settings_module"])
    for key, module in (("django", "django"), ("drf", "rest_framework"),
                        ("simplejwt", "rest_framework_simplejwt")):
        if result[key] is None:
            result[key] = module_version(module)

    answers = result["answers"]
    for question in questions:
        question = str(question)
        handler = QUESTIONS.get(question)
        if handler is None:
            answers[question] = {"error": {"type": "UnknownQuestion",
                                           "message": "no such question: " + question}}
        elif not ok and question not in NO_DJANGO_NEEDED:
            answers[question] = {"error": {"type": "SetupFailed",
                                           "message": "django.setup() failed"}}
        else:
            try:
                answers[question] = {"ok": handler()}
            except BaseException as exc:
                answers[question] = {"error": error_dict(exc)}

    reserve = request.get("reserve")
    if isinstance(reserve, dict):
        if not ok:
            answers["reserve"] = {"error": {"type": "SetupFailed", "message": "django.setup() failed"}}
        else:
            try:
                answers["reserve"] = {"ok": q_reserve(reserve)}
            except BaseException as exc:
                answers["reserve"] = {"error": error_dict(exc)}

    secret = request.get("password_to_hash")
    if secret is not None:
        if not ok:
            answers["password_hash"] = {"error": {"type": "SetupFailed",
                                                  "message": "django.setup() failed"}}
        else:
            try:
                answers["password_hash"] = {"ok": password_hash(str(secret))}
            except BaseException as exc:
                answers["password_hash"] = {"error": error_dict(exc)}
    return result


def main():
    # Keep the real stdout for the answer line; the project's prints (Python or C level) go
    # to stderr while it is imported and questioned.
    sys.stdout.flush()
    real_fd = os.dup(1)
    os.dup2(2, 1)
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        try:
            result = run()
        except BaseException as exc:  # the probe itself must never crash
            result = {"protocol": PROTOCOL, "probe_error": error_dict(exc),
                      "traceback": traceback.format_exc(), "answers": {}}
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
    os._exit(0)  # skip atexit handlers and non-daemon threads the project may have started


if __name__ == "__main__":
    main()
