"""Plain JSON values from Django's: lists of strings, seconds, dotted names."""


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
