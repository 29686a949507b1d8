"""Question `urls`: every URL pattern with its view, as paths doctor can request."""
import re

from doctor_py.convert import qualified_name

MAX_URLS = 500
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


def answer():
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
