"""The load a User class offers, read from the executed classes (not their text): its weight,
its wait_time and the tree of its tasks with their weights. Locust's wait_time helpers are
closures over their figures (between: min_wait/max_wait, constant: wait_time, ...), so the
figures are read from the closure; a custom function is measured by calling it.
"""
import inspect

from doctor_py import locust_runner

# Locust's helper -> (kind, closure variable -> answer key)
HELPERS = {
    "between": ("between", {"min_wait": "min_s", "max_wait": "max_s"}),
    "constant": ("constant", {"wait_time": "seconds"}),
    "constant_pacing": ("constant_pacing", {"wait_time": "seconds"}),
    # constant_throughput(n) returns constant_pacing(1/n): it reads as pacing of 1/n s.
    "constant_throughput": ("constant_throughput", {"task_runs_per_second": "per_second"}),
    "poisson": ("poisson", {"rate": "per_second"}),  # waits with mean 1/rate
}
CUSTOM_CALLS = 200


def _closure(fn):
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    if code is None:
        return {}
    out = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return out


def _helper_of(fn):
    """Which of locust.user.wait_time's helpers made `fn` (its qualname says so)."""
    module = getattr(fn, "__module__", "") or ""
    qualname = getattr(fn, "__qualname__", "") or ""
    if module != "locust.user.wait_time":
        return None
    return qualname.split(".<locals>")[0] if ".<locals>" in qualname else None


def wait_time(owner, instance):
    """{kind, figures..., line} of owner's wait_time; None when it has none of its own."""
    fn = owner.__dict__.get("wait_time")
    if fn is None:
        for base in owner.__mro__[1:]:
            if "wait_time" in base.__dict__:
                fn = base.__dict__["wait_time"]
                break
    if fn is None:
        return None
    fn = getattr(fn, "__func__", fn)
    helper = _helper_of(fn)
    if helper in HELPERS:
        kind, names = HELPERS[helper]
        cells = _closure(fn)
        out = {"kind": kind}
        for cell, key in names.items():
            value = cells.get(cell)
            out[key] = float(value) if isinstance(value, (int, float)) else None
        return out
    return _measured(fn, instance)


def _measured(fn, instance):
    """A custom wait_time: called CUSTOM_CALLS times on the user (the clock is doctor's)."""
    out = {"kind": "custom", "function": getattr(fn, "__qualname__", None),
           "line": locust_runner.def_line(fn), "mean_s": None, "min_s": None, "max_s": None}
    if instance is None:
        return out
    values = []
    try:
        for _ in range(CUSTOM_CALLS):
            value = fn(instance)
            if not isinstance(value, (int, float)):
                out["code"] = "not_a_number"
                return out
            values.append(float(value))
    except BaseException as exc:  # user code: any failure is a fact
        out["code"] = "call_failed"
        out["type"] = type(exc).__name__
        return out
    out.update(mean_s=sum(values) / len(values), min_s=min(values), max_s=max(values))
    return out


def _weights(owner):
    """Locust expands `tasks = {t: 3}` and @task(3) to repeats in owner.tasks: count them."""
    counts = {}
    for t in getattr(owner, "tasks", None) or []:
        t = t[0] if isinstance(t, tuple) else t
        counts[t] = counts.get(t, 0) + 1
    return counts


def task_tree(owner, instance=None, prefix="", depth=0):
    """[{name, weight, probability, kind, line, wait_time?, on_start?, tasks?}] in the names
    locust_runner gives the executed tasks ("Set.task" inside a TaskSet)."""
    from locust import TaskSet
    weights = _weights(owner)
    total = sum(weights.values()) or 1
    out = []
    for t, weight in weights.items():
        name = prefix + (t.__name__ if hasattr(t, "__name__") else repr(t))
        node = {"name": name, "weight": weight, "probability": weight / total,
                "line": locust_runner.def_line(t), "kind": "function"}
        if inspect.isclass(t) and issubclass(t, TaskSet):
            node["kind"] = "taskset"
            # A TaskSet uses the User's wait_time unless it defines its own.
            own = "wait_time" in t.__dict__
            node["wait_time"] = wait_time(t, None) if own else None
            node["has_on_start"] = "on_start" in t.__dict__
            node["tasks"] = task_tree(t, None, name + ".", depth + 1) if depth < 3 else []
        out.append(node)
    return out


def describe(cls, instance):
    return {
        "weight": getattr(cls, "weight", 1),
        "fixed_count": getattr(cls, "fixed_count", 0),
        "wait_time": wait_time(cls, instance),
        "has_on_start": "on_start" in cls.__dict__ or any(
            "on_start" in b.__dict__ for b in cls.__mro__[1:] if b.__module__.split(".")[0] != "locust"),
        "tasks": task_tree(cls, instance),
    }


def requests_per_task(requests):
    """{task name: [request label, ...]} of one run's task-phase requests, plus on_start's."""
    out = {"on_start": []}
    for r in requests:
        label = "%s %s" % (r["method"], r.get("name") or r["path"].split("?")[0])
        if r.get("phase") == "on_start":
            out["on_start"].append(label)
        elif r.get("phase") == "task" and r.get("task"):
            out.setdefault(r["task"], []).append(label)
    return out


def _mean_of(call):
    """The mean of what a random call returns, for the functions whose mean is known."""
    fn, args = call["fn"], call["args"]
    try:
        if fn in ("randint", "uniform", "triangular") and len(args) >= 2:
            return (float(args[0]) + float(args[1])) / 2
        if fn == "randrange" and args:
            lo, hi = (0, args[0]) if len(args) == 1 else (args[0], args[1])
            step = args[2] if len(args) > 2 else 1
            values = range(int(lo), int(hi), int(step))
            return sum(values) / len(values) if len(values) else None
        if fn == "choice" and args and all(isinstance(v, (int, float)) for v in args[0]):
            return sum(args[0]) / len(args[0]) if len(args[0]) else None
    except Exception:
        return None
    return None


def random_fields(requests, calls):
    """{label: {field: {fn, args, mean}}} for numeric body fields a random call produced
    just before the request (e.g. `"quantity": random.randint(1, 100)`, mean 50.5)."""
    out, before = {}, 0
    for r in requests:
        upto = r.get("_calls", before)
        window = calls[before:upto]
        before = upto
        body = r.get("_plain")
        if not isinstance(body, dict) or not window:
            continue
        label = "%s %s" % (r["method"], r.get("name") or r["path"].split("?")[0])
        for field, value in body.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            for call in reversed(window):
                if call.get("result") == value and _mean_of(call) is not None:
                    args = [a for a in call["args"] if isinstance(a, (int, float))][:3]
                    out.setdefault(label, {})[str(field)] = {"fn": call["fn"], "args": args,
                                                             "mean": _mean_of(call)}
                    break
    return out
