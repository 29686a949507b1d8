"""What each replayed request costs the server: wall and thread-CPU time, SQL queries per
database alias, statements repeated with other parameters (N+1) and the project frame that
issued them, and whether a password was checked. Facts only; the forecast weighs them.

The replay skips password hashing (locust_django patches it out), so a login's hash is counted
here and its cost measured once with the project's own hasher (`hasher()`).
"""
import os
import re
import statistics
import sys
import time
from contextlib import ExitStack, contextmanager

from doctor_py import frames

REPEATED_AT = 5
SHAPE_CHARS = 160
_perf = time.perf_counter
_thread_cpu = time.thread_time
# label -> list of samples (one per replayed request, redirect hops added to their request)
SAMPLES = {}
ORDER = []
STATE = {"password_checks": 0, "stop_code": None}

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_LIST = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_SPACE = re.compile(r"\s+")


def shape(sql):
    """The statement with its parameters stripped: literals and IN lists made uniform."""
    text = _STRING.sub("?", str(sql))
    text = _NUMBER.sub("?", text).replace("%s", "?")
    text = _LIST.sub("(?, …)", text)
    return _SPACE.sub(" ", text).strip()


_PROJECT_FILE = {}  # filename -> is the project's (asked once per file: sysconfig is slow)


def _is_project(path, root):
    known = _PROJECT_FILE.get(path)
    if known is None:
        known = _PROJECT_FILE[path] = frames.is_project_file(path, root)
    return known


def _project_frame():
    """The innermost frame of the project's own code between the query and the replay's
    `send` (the locustfile's frames lie outside it and are not the server's)."""
    f = sys._getframe(2)
    root = os.getcwd()
    while f is not None and f.f_code is not STATE["stop_code"]:
        path = f.f_code.co_filename
        if _is_project(path, root):
            return {"file": os.path.relpath(os.path.abspath(path), root), "line": f.f_lineno,
                    "function": f.f_code.co_name}
        f = f.f_back
    return None


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Queries:
    def __init__(self, alias):
        self.alias = alias
        self.count = 0
        self.seconds = 0.0
        self.shapes = {}
        # The project's own transactions (savepoints inside the replay's): time from a read
        # to the end of a transaction that then wrote. SQLite's DEFERRED transactions refuse
        # that write at once while another connection writes.
        self.depth = 0
        self.read_at = None
        self.wrote = False
        self.read_write_seconds = 0.0

    def _transaction(self, sql, now):
        verb = str(sql).lstrip().split(None, 1)[0].upper() if str(sql).strip() else ""
        if verb == "SAVEPOINT":
            self.depth += 1
        elif verb == "RELEASE" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                if self.wrote and self.read_at is not None:
                    self.read_write_seconds += now - self.read_at
                self.read_at, self.wrote = None, False
        elif self.depth and verb == "SELECT" and self.read_at is None:
            self.read_at = now
        elif self.depth and verb in _WRITES and self.read_at is not None:
            self.wrote = True

    def __call__(self, execute, sql, params, many, context):
        started = _perf()
        self._transaction(sql, started)
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += _perf() - started
            self.count += 1
            key = shape(sql)
            seen = self.shapes.get(key)
            if seen is None:
                self.shapes[key] = seen = {"count": 0, "frame": _project_frame()}
            seen["count"] += 1


@contextmanager
def measure(aliases, stop_code):
    """Around one request: yields a dict filled in when the block ends."""
    from django.db import connections
    STATE["stop_code"] = stop_code
    cost = {}
    watchers = [_Queries(a) for a in aliases]
    checks_before = STATE["password_checks"]
    with ExitStack() as stack:
        for w in watchers:
            stack.enter_context(connections[w.alias].execute_wrapper(w))
        wall, cpu = _perf(), _thread_cpu()
        try:
            yield cost
        finally:
            cost.update(_summary(_perf() - wall, _thread_cpu() - cpu, watchers,
                                 STATE["password_checks"] - checks_before))


def _summary(wall, cpu, watchers, password_checks):
    repeated = []
    for w in watchers:
        for key, seen in w.shapes.items():
            if seen["count"] >= REPEATED_AT:
                repeated.append({"alias": w.alias, "count": seen["count"],
                                 "shape": key[:SHAPE_CHARS], "frame": seen["frame"]})
    repeated.sort(key=lambda r: -r["count"])
    return {"wall_ms": round(wall * 1000, 3), "cpu_ms": round(cpu * 1000, 3),
            "sql_queries": sum(w.count for w in watchers),
            "sql_ms": round(sum(w.seconds for w in watchers) * 1000, 3),
            "read_write_ms": round(sum(w.read_write_seconds for w in watchers) * 1000, 3),
            "sql_by_alias": {w.alias: w.count for w in watchers if w.count},
            "repeated_sql": repeated[:5], "password_checks": password_checks}


def label(entry):
    return "%s %s" % (entry["method"], entry.get("name") or entry["path"].split("?")[0])


def record(entry, cost, hop):
    """One sample per request; a redirect hop's cost is added to its request's sample."""
    key = label(entry)
    samples = SAMPLES.setdefault(key, [])
    if key not in ORDER:
        ORDER.append(key)
    if hop and samples:
        last = samples[-1]
        for field in ("wall_ms", "cpu_ms", "sql_queries", "sql_ms", "password_checks",
                      "read_write_ms"):
            last[field] += cost[field]
        last["repeated_sql"] = last["repeated_sql"] + cost["repeated_sql"]
    else:
        samples.append(dict(cost))


def first_sample(entry):
    return len(SAMPLES.get(label(entry), ())) == 1


def password_checked():
    STATE["password_checks"] += 1


def summary():
    """Per distinct request (Locust's name for it): the median sample, and how many there were.
    The first sample of a label is a cold start (imports, caches): it is left out when there
    is another (the transport measures each request once more, warm)."""
    out = []
    for key in ORDER:
        samples = SAMPLES[key]
        used = samples[1:] if len(samples) > 1 else samples
        method, _, name = key.partition(" ")
        row = {"request": key, "method": method, "name": name, "samples": len(samples)}
        for field in ("wall_ms", "cpu_ms", "sql_ms", "read_write_ms"):
            row[field] = round(statistics.median(s[field] for s in used), 3)
        for field in ("sql_queries", "password_checks"):
            row[field] = int(statistics.median(s[field] for s in used))
        worst = max(used, key=lambda s: s["sql_queries"])
        row["repeated_sql"] = worst["repeated_sql"]
        row["sql_by_alias"] = worst["sql_by_alias"]
        out.append(row)
    return out


def hasher(parallelism=False):
    """The project's preferred hasher and what one hash costs here, measured (only when a
    replayed request checked a password). PBKDF2-style hashers are timed at 1/20 of their
    iterations (for the forecast, the fastest of three) and scaled (linear in iterations):
    doctor spends tens of milliseconds, not a third of a second per hash."""
    if not any(s["password_checks"] for samples in SAMPLES.values() for s in samples):
        return None
    try:
        from django.contrib.auth.hashers import get_hasher
        h = get_hasher("default")
    except Exception as exc:
        return {"code": "no_hasher", "type": type(exc).__name__, "message": str(exc)[:300]}
    iterations = getattr(h, "iterations", None)
    out = {"algorithm": getattr(h, "algorithm", None),
           "class": type(h).__module__ + "." + type(h).__name__,
           "iterations": iterations, "cpu_ms": None, "wall_ms": None, "scaled_from": None}
    try:
        salt = h.salt()
        scaled = isinstance(iterations, int) and iterations >= 1000
        run = max(1, iterations // 20) if scaled else None
        # For the forecast, the fastest of three: one short burst from an idle core (clock
        # ramping up, caches, another process's slice) read up to twice the steady cost. The
        # checks show it as evidence only, and one burst costs them less time.
        best = None
        for _ in range(3 if scaled and parallelism else 1):
            wall, cpu = _perf(), _thread_cpu()
            if scaled:
                h.encode("doctor-measures", salt, run)
            else:
                h.encode("doctor-measures", salt)
            wall, cpu = _perf() - wall, _thread_cpu() - cpu
            if best is None or cpu < best[1]:
                best = (wall, cpu)
        wall, cpu = best
        factor = iterations / run if scaled else 1.0
        out.update(cpu_ms=round(cpu * 1000 * factor, 3), wall_ms=round(wall * 1000 * factor, 3),
                   scaled_from=run)
        if scaled and parallelism:
            # Parallel hashing at 1/10 of the iterations: a burst much shorter than that reads
            # the cores' start-up (thread start, clock ramp), not their steady share.
            longer = max(1, iterations // 10)
            out.update(_parallel(lambda: h.encode("doctor-measures", salt, longer),
                                 lambda: h.encode("doctor-measures", salt, longer)))
    except Exception as exc:
        out["code"] = "not_measured"
        out["type"] = type(exc).__name__
    return out


def _real_threads():
    """(start_new_thread, allocate_lock) of the OS: Locust's gevent patches threading."""
    if "gevent" in sys.modules:
        from gevent import monkey
        return (monkey.get_original("_thread", "start_new_thread"),
                monkey.get_original("_thread", "allocate_lock"))
    import _thread
    return _thread.start_new_thread, _thread.allocate_lock


def _parallel(work, again):
    """How many hashes run at once on this machine's cores: the hash alone, then on one OS
    thread per core (hashlib's PBKDF2 releases the GIL, but cores may be hyperthreads or busy
    with other work). The fastest of three of each: other work only ever slows a run down."""
    threads = max(1, min(os.cpu_count() or 1, 8))
    start, allocate = _real_threads()
    single, together = None, None
    for _ in range(3):
        began = _perf()
        again()
        took = _perf() - began
        single = took if single is None else min(single, took)
        locks = []
        began = _perf()
        for _ in range(threads):
            lock = allocate()
            lock.acquire()
            locks.append(lock)

            def run(lock=lock):
                try:
                    work()
                finally:
                    lock.release()
            start(run, ())
        for lock in locks:
            lock.acquire()
        took = _perf() - began
        together = took if together is None else min(together, took)
    speedup = threads * single / together if together else None
    return {"threads": threads,
            "parallel_speedup": round(min(speedup, threads), 2) if speedup else None}
