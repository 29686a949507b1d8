"""`throttles`: the DRF throttles each requested URL meets, asked from the view itself
(`get_throttles()`, so a project's own subclasses and per-view `throttle_classes` count), and
whether the settings file turns throttling on or off by an environment variable.

Request: {"throttle_requests": [{"method": "POST", "path": "/api/token/", "auth_header": false}]}
"""
import ast
import os

from doctor_py import settings_source

REQUESTS = []  # set by django_main from the request
_KNOWN = {"AnonRateThrottle": "anon", "UserRateThrottle": "user", "ScopedRateThrottle": "scoped"}


def _family(throttle):
    for klass in type(throttle).__mro__:
        if klass.__module__ == "rest_framework.throttling" and klass.__name__ in _KNOWN:
            return _KNOWN[klass.__name__]
    return "custom"


def _view(path, method):
    """(view instance, match) or (None, code)."""
    from django.test import RequestFactory
    from django.urls import Resolver404, resolve
    from urllib.parse import urlsplit
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None, "no_url_pattern"
    func = match.func
    cls = getattr(func, "cls", None) or getattr(func, "view_class", None)
    if cls is None or not hasattr(cls, "get_throttles"):
        return None, "not_drf_view"
    view = cls(**(getattr(func, "initkwargs", None) or {}))
    actions = getattr(func, "actions", None) or {}
    view.action = actions.get(method.lower())
    view.args, view.kwargs = match.args, match.kwargs
    view.format_kwarg = None
    try:
        view.request = view.initialize_request(RequestFactory().generic(method, path))
    except Exception:
        view.request = None
    return view, match


def _one(throttle, view, anonymous):
    from rest_framework.settings import api_settings
    family = _family(throttle)
    scope = getattr(throttle, "scope", None)
    rate = getattr(throttle, "rate", None)
    if family == "scoped" or (rate is None and hasattr(throttle, "scope_attr")):
        scope = getattr(view, getattr(throttle, "scope_attr", "throttle_scope"), None)
        rates = getattr(throttle, "THROTTLE_RATES", None) or api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(scope) if scope else None
    num, seconds = None, None
    if rate and hasattr(throttle, "parse_rate"):
        try:
            num, seconds = throttle.parse_rate(rate)
        except Exception:
            pass
    if family == "anon":
        key = "ip" if anonymous else "not_applied"  # Anon lets authenticated requests through
    elif family in ("user", "scoped"):
        key = "ip" if anonymous else "user"
    else:
        key = "custom"
    if family == "scoped" and not scope:
        key = "not_applied"  # no throttle_scope on the view: ScopedRateThrottle allows all
    klass = type(throttle)
    return {"class": klass.__module__ + "." + klass.__qualname__, "family": family,
            "scope": scope, "rate": rate, "num_requests": num, "seconds": seconds, "key": key}


def _for_request(item):
    method = str(item.get("method") or "GET").upper()
    path = str(item.get("path") or "/")
    out = {"method": method, "path": path, "auth_header": bool(item.get("auth_header")),
           "view": None, "code": None, "throttles": []}
    view, match = _view(path, method)
    if view is None:
        out["code"] = match
        return out
    out["view"] = match._func_path
    auth = list(getattr(view, "authentication_classes", None) or [])
    out["authenticates"] = bool(auth)
    # Without authentication classes every request is anonymous, whatever it sends.
    anonymous = not auth or not item.get("auth_header")
    out["anonymous"] = anonymous
    try:
        throttles = view.get_throttles()
    except Exception as exc:
        out["code"] = "get_throttles_failed"
        out["type"] = type(exc).__name__
        return out
    out["throttles"] = [_one(t, view, anonymous) for t in throttles]
    return out


def answer():
    from django.conf import settings
    caches = getattr(settings, "CACHES", {}) or {}
    seen, results = set(), []
    for item in REQUESTS[:100]:
        key = (str(item.get("method")).upper(), str(item.get("path")), bool(item.get("auth_header")))
        if key not in seen:
            seen.add(key)
            results.append(_for_request(item))
    rest = getattr(settings, "REST_FRAMEWORK", {}) or {}
    return {
        "default_classes": [str(c) for c in rest.get("DEFAULT_THROTTLE_CLASSES", []) or []],
        "default_rates": {str(k): v for k, v in (rest.get("DEFAULT_THROTTLE_RATES") or {}).items()},
        "num_proxies": rest.get("NUM_PROXIES"),
        # The counters live in the default cache: per process with LocMemCache.
        "cache_backend": (caches.get("default") or {}).get("BACKEND"),
        "requests": results,
        "switches": switches(),
    }


# ---- settings source: an environment variable that changes the throttle settings ----

def _env_name(node, readers):
    """The variable's name when `node` reads one: os.environ.get("X"), os.getenv("X"),
    os.environ["X"], env("X"), env.bool("X"), config("X"), or a settings-file helper that
    reads os.environ with its argument (`_flag("X")`)."""
    if isinstance(node, ast.Subscript):
        base = node.value
        if isinstance(base, ast.Attribute) and base.attr == "environ":
            key = node.slice
            return settings_source.const_str(getattr(key, "value", key))
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    owner = func.value if isinstance(func, ast.Attribute) else None
    owner_name = getattr(owner, "attr", None) or getattr(owner, "id", None)
    reads = (name in ("getenv", "config") or name in readers
             or (name == "get" and owner_name == "environ")
             or owner_name == "env" or name == "env")
    return settings_source.const_str(node.args[0]) if reads else None


def _readers(tree):
    """Names of functions in the file whose body reads the environment with a parameter."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            text = ast.dump(node)
            if "environ" in text or "getenv" in text:
                out.add(node.name)
    return out


def _text(lines, node):
    end = getattr(node, "end_lineno", None) or node.lineno
    return "\n".join(lines[node.lineno - 1:end])


def _reads_in(node, readers, derived):
    found = []
    for sub in ast.walk(node):
        name = _env_name(sub, readers)
        if name:
            found.append((name, sub.lineno))
        elif isinstance(sub, ast.Name) and sub.id in derived:
            found.append(derived[sub.id])
    return found


def _throttle_parts(node):
    """In `REST_FRAMEWORK = {...}` only the THROTTLE entries' values count (an env read for
    PAGE_SIZE beside them is not a throttle switch); otherwise the whole statement."""
    parts = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            for key, value in zip(sub.keys, sub.values):
                if key is not None and "THROTTLE" in (settings_source.const_str(key) or ""):
                    parts.append(value)
    return parts or [node]


def switches():
    """[{variable, file, line}] of environment reads that decide a throttle setting: in the
    statement that sets it, in the `if` around it, or through a name assigned from one."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    out = []
    for path in settings_source.source_files(module):
        tree = settings_source.parse(path)
        if tree is None:
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
        readers = _readers(tree)
        derived = {}  # NAME = <expression reading an env var>
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                reads = _reads_in(node.value, readers, {})
                if reads:
                    derived[node.targets[0].id] = reads[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "THROTTLE" in "\n".join(_text(lines, b) for b in node.body + node.orelse):
                hits = _reads_in(node.test, readers, derived)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)) and "THROTTLE" in _text(lines, node):
                hits = [h for part in _throttle_parts(node) for h in _reads_in(part, readers, derived)]
            else:
                continue
            for name, line in hits:
                item = {"variable": name, "file": path, "line": line, "statement_line": node.lineno}
                if item not in out:
                    out.append(item)
    return out
