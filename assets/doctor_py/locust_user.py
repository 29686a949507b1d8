"""Run one User class the way doctor needs it and put together what was learnt.

on_start runs `runs` times on fresh instances (each in its own rolled-back transaction) to
see how usernames are chosen; after the first on_start every task runs once, and once more
with the clock past the token lifetime when that lifetime is known.
"""
import inspect
import os

from doctor_py import locust_clock, locust_client, locust_learn, locust_offered, locust_runner

MAX_REQUESTS = 200


def _public(entry):
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def _problems(requests):
    out, seen = [], set()
    for r in requests:
        # A path Django redirects (APPEND_SLASH) is answered after all: not a problem.
        missing = (r.get("url_match") or {}).get("code") == "no_url_pattern" and not r.get("redirects")
        if missing and (r["method"], r["path"]) not in seen:
            seen.add((r["method"], r["path"]))
            out.append({"code": "no_url_pattern", "method": r["method"], "path": r["path"], "line": r["line"]})
    return out


def run_class(cls, opts, transport, env):
    guard = locust_runner.Guard(opts["task_timeout_s"], opts["locustfile"])
    kind = locust_runner.client_kind(cls)
    declared_host = cls.__dict__.get("host")
    if opts["host"]:
        cls.host = opts["host"]  # as `locust --host` does
    facts = {"class": cls.__name__, "file": os.path.abspath(getattr(inspect.getmodule(cls), "__file__", "") or ""),
             "line": locust_runner.def_line(cls), "client": kind, "host": cls.host,
             "declared_host": declared_host, "init_error": None, "on_start": None, "tasks": [],
             "requests": [], "login": None, "credentials": None, "token_refresh": None,
             "relogin_after_expiry": None, "problems": [], "offered": None}
    runs, all_requests, first = [], [], []
    for i in range(opts["runs"]):
        rec = locust_client.Recorder(keep=i == 0)
        locust_client.CURRENT["recorder"] = rec
        locust_clock.CALLS.clear()
        locust_clock.advance(0)
        transport.begin_run()
        try:
            user, init_error = locust_runner.instantiate(cls, env, kind, guard)
            started = guard.call(user.on_start)
            started.pop("value", None)
            username, line = locust_learn.username_of(rec.requests)
            runs.append({"username": username, "line": line, "calls": list(locust_clock.CALLS)})
            if i == 0:
                facts["init_error"] = init_error
                facts["on_start"] = started
                facts["token_refresh"] = locust_learn.deadline(user, locust_clock.now(), locust_clock.mono_now())
                rec.phase = "task"
                facts["tasks"] = locust_runner.run_tasks(cls, user, guard, rec)
                facts["relogin_after_expiry"] = _expired_run(cls, user, guard, rec, opts, facts["tasks"])
                facts["offered"] = locust_offered.describe(cls, user)
                facts["offered"]["random_fields"] = locust_offered.random_fields(
                    rec.requests, list(locust_clock.CALLS))
            all_requests.extend(rec.requests)
            if i == 0:
                first = rec.requests
                facts["requests"] = [_public(r) for r in first[:MAX_REQUESTS]]
        finally:
            locust_client.CURRENT["recorder"] = None
            transport.end_run()
            locust_clock.advance(0)
        if started["timed_out"] and i == 0:
            break  # an on_start that never ends would cost runs x timeout
    facts["login"] = locust_learn.login_facts(first)
    facts["credentials"] = {"passwords": locust_learn.passwords(all_requests),
                            "pool": locust_learn.pool(runs)}
    facts["problems"] = _problems(first)
    if facts["offered"] is not None:
        facts["offered"]["requests_per_task"] = locust_offered.requests_per_task(first)
    return facts


def _expired_run(cls, user, guard, rec, opts, tasks):
    """Run every task again with the clock past the token lifetime: is the login sent again?"""
    lifetime = opts.get("token_lifetime_s")
    if lifetime is None:
        return None
    login, _fields = locust_learn.login_request(rec.requests)
    before = len(rec.requests)
    locust_clock.advance(float(lifetime) + 1)
    rec.phase = "task_after_expiry"
    # Tasks that never ended the first time would only cost another timeout.
    endless = {t["name"] for t in tasks if t["timed_out"]}
    locust_runner.run_tasks(cls, user, guard, rec, skip=endless)
    if login is None:
        return False
    return any(r["method"] == login["method"] and r["path"] == login["path"]
               for r in rec.requests[before:])
