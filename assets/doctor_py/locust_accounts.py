"""Which accounts of the learnt pool exist, and how to make the locustfile pick one of them.

A pool of 3,000 names of which 50 exist would make doctor execute the locustfile as an account
that does not exist: the login answers 401 and nothing after it is learnt. doctor asks Django
which names exist and answers the one random call that picks the account with a value that
gives an existing name. Facts only.
"""

MAX_NAMES = 100000


def names(pool):
    """Every account name the pool can produce (at most MAX_NAMES), or None."""
    if not pool:
        return None
    template = pool.get("template")
    listed = pool.get("names")
    if template and listed:
        return [_fill(template, x) for x in listed[:MAX_NAMES]]
    if listed:
        return list(listed[:MAX_NAMES])
    low, high = pool.get("low"), pool.get("high")
    if template and isinstance(low, int) and isinstance(high, int) and high >= low:
        step = pool.get("step") or 1
        return [template.format(n) for n in range(low, min(high, low + MAX_NAMES * step - 1) + 1, step)]
    return None


def _fill(template, value):
    try:
        return template.format(int(value))
    except (TypeError, ValueError):
        return template.format(value)


def name_of(pool, result):
    """The account name a random call's result stands for under this pool, or None."""
    template = pool.get("template")
    if template and isinstance(result, int) and not isinstance(result, bool):
        return template.format(result)
    if isinstance(result, str):
        return _fill(template, result) if template else result
    field = pool.get("field")
    if field is None:
        return None
    try:
        if isinstance(result, dict):
            return str(result.get(field))
        if isinstance(result, (tuple, list)):
            return str(result[field])
        return str(getattr(result, field))
    except Exception:
        return None


def _candidates(fn, args, kwargs):
    def arg(i, key):
        return args[i] if len(args) > i else kwargs.get(key)

    if fn == "randint":
        return range(arg(0, "a"), arg(1, "b") + 1)
    if fn == "randrange":
        if len(args) + len(kwargs) == 1:
            return range(arg(0, "start"))
        step = arg(2, "step") or 1
        return range(arg(0, "start"), arg(1, "stop"), step)
    if fn == "choice":
        return arg(0, "seq")
    return ()


def steer(pool, existing):
    """The STEER entry (see locust_clock) that picks an existing account, or None."""
    fn = pool.get("kind")
    if fn not in ("randint", "randrange", "choice") or not pool.get("line") or not existing:
        return None

    def pick(args, kwargs):
        try:
            for candidate in _candidates(fn, args, kwargs):
                if name_of(pool, candidate) in existing:
                    return True, candidate
        except Exception:
            pass
        return False, None

    return {"fn": fn, "line": pool["line"], "pick": pick}


def existing(candidates):
    """The names among `candidates` that are accounts in Django's user table (USERNAME_FIELD);
    only in mode "django"."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    field = model.USERNAME_FIELD
    found = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start:start + 500]
        rows = model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, flat=True)
        found.update(str(r) for r in rows)
    return found
