"""What doctor learns from the recorded runs: the login request, the credentials pool and
the token deadline. Pure functions over recorded data (no user code runs here)."""
import datetime
import re

from doctor_py import locust_util

USERNAME_KEYS = ("username", "email", "user", "login", "user_name", "userid", "user_id",
                 "phone", "account", "name", "id")
WEEK = 7 * 24 * 3600


def _fields(body):
    """(username_field, password_field) of a login body, or None."""
    if not isinstance(body, dict):
        return None
    passwords = [k for k in body if locust_util.is_password_key(k)]
    if not passwords:
        return None
    others = [k for k in body if k not in passwords]
    lowered = {str(k).lower(): k for k in others}
    for key in USERNAME_KEYS:
        if key in lowered:
            return lowered[key], passwords[0]
    strings = [k for k in others if isinstance(body[k], str)]
    return (strings[0] if strings else None), passwords[0]


def login_request(requests):
    for entry in requests:
        fields = _fields(entry.get("_plain"))
        if fields:
            return entry, fields
    return None, None


def login_facts(requests):
    entry, fields = login_request(requests)
    if entry is None:
        return None
    return {"method": entry["method"], "path": entry["path"], "body_kind": entry["body_kind"],
            "username_field": fields[0], "password_field": fields[1], "line": entry["line"],
            "file": entry["file"], "status": entry["status"], "token_path": entry.get("token_path"),
            "reads": entry.get("reads") or []}


def _template(username, number):
    """The username with `number` replaced by {} (or {:0Nd} when zero-padded), else None."""
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    found = None
    for m in re.finditer(r"\d+", username):
        if int(m.group()) == number:
            run = m.group()
            hole = "{}" if len(run) == len(str(number)) else "{:0%dd}" % len(run)
            found = username[:m.start()] + hole + username[m.end():]
    return found


def _arg(call, index, key, default=None):
    if len(call["args"]) > index:
        return call["args"][index]
    return call["kwargs"].get(key, default)


def _field_of(row, username):
    """(field, getter) when one field of a chosen row (tuple, dict, object) is the username."""
    if isinstance(row, dict):
        for k, v in row.items():
            if v == username:
                return k, (lambda r, k=k: r.get(k) if isinstance(r, dict) else None)
    elif isinstance(row, (tuple, list)):
        for i, v in enumerate(row):
            if v == username:
                return i, (lambda r, i=i: r[i] if len(r) > i else None)
    elif hasattr(row, "__dict__"):
        for k, v in vars(row).items():
            if v == username:
                return k, (lambda r, k=k: getattr(r, k, None))
    return None, None


def _from_sequence(seq, result, username, line):
    """Explanations of `username` by `result` picked from `seq` (choice/sample/choices)."""
    if isinstance(seq, range):
        template = _template(username, result)
        if template and seq.step == 1:
            return {"kind": "choice", "template": template, "low": seq.start, "high": seq.stop - 1, "line": line}
        return None
    seq = list(seq) if isinstance(seq, (list, tuple)) else None
    if seq is None:
        return None
    if isinstance(result, str) and result == username:
        return {"kind": "choice", "names": [str(x) for x in seq], "line": line}
    template = _template(username, result)
    if template:
        ints = all(isinstance(x, int) and not isinstance(x, bool) for x in seq)
        return {"kind": "choice", "template": template, "names": [str(x) for x in seq],
                "low": min(seq) if ints and seq else None, "high": max(seq) if ints and seq else None,
                "line": line}
    field, get = _field_of(result, username)
    if get is not None:
        names = []
        for row in seq:
            try:
                names.append(str(get(row)))
            except Exception:
                pass
        return {"kind": "choice", "field": field, "names": names, "line": line}
    return None


def explain(call, username):
    """How one random call could have produced `username`, or None."""
    fn, result, line = call["fn"], call["result"], call["line"]
    if fn == "randint":
        template = _template(username, result)
        if template:
            return {"kind": "randint", "template": template, "low": _arg(call, 0, "a"),
                    "high": _arg(call, 1, "b"), "line": line}
    elif fn == "randrange":
        template = _template(username, result)
        if template:
            if len(call["args"]) + len(call["kwargs"]) == 1:
                low, stop = 0, _arg(call, 0, "start")
            else:
                low, stop = _arg(call, 0, "start"), _arg(call, 1, "stop")
            step = _arg(call, 2, "step", 1)
            high = stop - 1 if isinstance(stop, int) else None
            out = {"kind": "randrange", "template": template, "low": low, "high": high, "line": line}
            if step not in (1, None):
                out["step"] = step
            return out
    elif fn == "choice":
        return _from_sequence(_arg(call, 0, "seq"), result, username, line)
    elif fn in ("sample", "choices"):
        for item in result if isinstance(result, list) else []:
            found = _from_sequence(_arg(call, 0, "population"), item, username, line)
            if found:
                return found
    return None


def _signature(e):
    names = e.get("names")
    return (e["kind"], e.get("template"), e.get("low"), e.get("high"), e.get("field"),
            len(names) if names is not None else None, tuple(names[:3]) if names else None)


def pool(runs):
    """runs: [{"username": str|None, "calls": [...], "line": int}] -> pool facts or None."""
    named = [r for r in runs if isinstance(r.get("username"), str)]
    if not named:
        return None
    seen = []
    for r in named:
        if r["username"] not in seen:
            seen.append(r["username"])
    tally = {}
    for r in named:
        mine = set()
        for call in r["calls"]:
            e = explain(call, r["username"])
            if e is not None and _signature(e) not in mine:
                mine.add(_signature(e))
                tally.setdefault(_signature(e), [0, e])[0] += 1
    best = [v for v in tally.values() if v[0] == len(named)]
    if best:
        # Several calls may explain every run by chance (a quantity of 2 in "user2"): the
        # widest range is the pool.
        best.sort(key=lambda v: -((v[1].get("high") or 0) - (v[1].get("low") or 0) + len(v[1].get("names") or [])))
        out = dict(best[0][1])
    else:
        out = {"kind": "single" if len(seen) == 1 else "distinct", "names": seen,
               "line": named[0].get("line")}
    out.setdefault("template", None)
    out.setdefault("low", None)
    out.setdefault("high", None)
    out.setdefault("names", None)
    if out["names"] is not None:
        out["names"] = out["names"][:100000]
    out["runs"] = len(named)
    out["distinct_seen"] = len(seen)
    return out


def username_of(requests):
    entry, fields = login_request(requests)
    if entry is None or fields[0] is None:
        return None, None
    value = entry["_plain"].get(fields[0])
    return (value if isinstance(value, str) else str(value)), entry["line"]


def passwords(requests):
    out = []
    for entry in requests:
        body = entry.get("_plain")
        if isinstance(body, dict):
            for k, v in body.items():
                if locust_util.is_password_key(k) and isinstance(v, str) and v not in out:
                    out.append(v)
    return out


# Set by locust.User.__init__ itself (perf_counter readings among them): never a token deadline.
LOCUST_ATTRS = {"_cp_last_run", "_cp_last_wait_time", "_state", "_greenlet", "_group",
                "_taskset_instance", "environment", "client"}
HINTS = ("exp", "token", "refresh", "deadline", "valid", "until", "renew")


def _candidate(name, value, now, mono_now):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and now < value <= now + WEEK:
        return {"attribute": name, "seconds": round(value - now, 3), "clock": "time"}
    if isinstance(value, float) and mono_now < value <= mono_now + WEEK:
        return {"attribute": name, "seconds": round(value - mono_now, 3), "clock": "monotonic"}
    if isinstance(value, datetime.datetime):
        current = datetime.datetime.fromtimestamp(now, value.tzinfo)
        seconds = (value - current).total_seconds()
        if 0 < seconds <= WEEK:
            return {"attribute": name, "seconds": round(seconds, 3), "clock": "datetime"}
    return None


def deadline(user, now, mono_now):
    """An instance attribute holding a token deadline: {attribute, seconds, clock} or None;
    a name that sounds like a deadline wins over one that merely holds a plausible number."""
    try:
        attrs = [(k, v) for k, v in vars(user).items() if k not in LOCUST_ATTRS]
    except TypeError:
        return None
    found = [c for c in (_candidate(k, v, now, mono_now) for k, v in attrs) if c]
    found.sort(key=lambda c: not any(h in c["attribute"].lower() for h in HINTS))
    return found[0] if found else None
