"""Run one User class the way doctor needs it and put together what was learnt.

on_start runs `runs` times on fresh instances (each in its own rolled-back transaction) to
see how usernames are chosen (with the tasks too when the login is made from a task); after
the first on_start every task runs once, and once more with the clock past the token lifetime
when that lifetime is known. In mode "django" the first run is an account that exists.
"""
import inspect
import os

from doctor_py import (locust_accounts, locust_clock, locust_client, locust_learn, locust_offered,
                       locust_runner)

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
             "relogin_after_expiry": None, "problems": [], "executed_as": None, "offered": None}
    first = _one_run(cls, opts, transport, env, guard, kind, full=True)
    # A login made from a task (or a TaskSet), maybe only some of the time: every run then
    # runs the tasks too, so the pool is learnt from every login seen, not only on_start's.
    lazy = not first["on_start_login"]
    skip = {t["name"] for t in first["tasks"] if t["timed_out"]}
    runs, all_requests = [first["pool_run"]], list(first["requests"])
    for _ in range(1, opts["runs"] if not first["on_start"]["timed_out"] else 1):
        # An on_start that never ends would cost runs x timeout.
        other = _one_run(cls, opts, transport, env, guard, kind, full=False, tasks=lazy, skip=skip)
        runs.append(other["pool_run"])
        all_requests.extend(other["requests"])
    pool = locust_learn.pool(runs)
    if transport.mode == "django":
        first, facts["executed_as"] = _as_existing_account(cls, opts, transport, env, guard, kind, first, pool)
    for key in ("init_error", "on_start", "token_refresh", "tasks", "relogin_after_expiry", "offered"):
        facts[key] = first[key]
    facts["requests"] = [_public(r) for r in first["requests"][:MAX_REQUESTS]]
    facts["login"] = locust_learn.login_facts(first["requests"]) or locust_learn.login_facts(all_requests)
    facts["credentials"] = {"passwords": locust_learn.passwords(all_requests), "pool": pool}
    facts["problems"] = _problems(first["requests"])
    if facts["offered"] is not None:
        facts["offered"]["requests_per_task"] = locust_offered.requests_per_task(first["requests"])
    return facts


def _one_run(cls, opts, transport, env, guard, kind, full, tasks=False, skip=()):
    """One fresh user in its own rolled-back transaction: on_start, and the tasks when `full`
    or `tasks`; `full` also tests the token deadline and the re-login after expiry."""
    rec = locust_client.Recorder(keep=full)
    locust_client.CURRENT["recorder"] = rec
    locust_clock.CALLS.clear()
    locust_clock.advance(0)
    transport.begin_run()
    out = {"tasks": [], "token_refresh": None, "relogin_after_expiry": None, "offered": None}
    try:
        user, out["init_error"] = locust_runner.instantiate(cls, env, kind, guard)
        started = guard.call(user.on_start)
        started.pop("value", None)
        out["on_start"] = started
        out["on_start_login"] = locust_learn.login_request(rec.requests)[0] is not None
        if full:
            out["token_refresh"] = locust_learn.deadline(user, locust_clock.now(), locust_clock.mono_now())
        if full or tasks:
            rec.phase = "task"
            out["tasks"] = locust_runner.run_tasks(cls, user, guard, rec, skip=skip)
        username, line = locust_learn.username_of(rec.requests)
        out["pool_run"] = {"username": username, "line": line, "calls": list(locust_clock.CALLS)}
        if full:
            if out["token_refresh"] is None:  # a lazy login sets its deadline in a task
                out["token_refresh"] = locust_learn.deadline(user, locust_clock.now(), locust_clock.mono_now())
            out["relogin_after_expiry"] = _expired_run(cls, user, guard, rec, opts, out["tasks"])
            # The load this class offers (wait_time, task weights), for the forecast.
            out["offered"] = locust_offered.describe(cls, user)
            out["offered"]["random_fields"] = locust_offered.random_fields(
                rec.requests, list(locust_clock.CALLS))
        out["requests"] = rec.requests
    finally:
        locust_client.CURRENT["recorder"] = None
        transport.end_run()
        locust_clock.advance(0)
    return out


def _as_existing_account(cls, opts, transport, env, guard, kind, first, pool):
    """(the full run, executed_as): the full run again as an account that exists when the
    first one logged in as an account that does not, and the pool has some that do."""
    username = first["pool_run"]["username"]
    if username is None:
        return first, None
    candidates = locust_accounts.names(pool) or [username]
    if username not in candidates:
        candidates.append(username)
    try:
        existing = locust_accounts.existing(candidates)
    except Exception as exc:
        return first, {"username": username, "exists": None, "existing": None,
                       "pool_size": len(candidates), "steered": False,
                       "error": {"type": type(exc).__name__, "message": str(exc)[:500]}}
    # One that exists, for the login test when the pick cannot be steered (a queue, a file).
    an_existing = next((n for n in candidates if n in existing), None)
    facts = {"username": username, "exists": username in existing, "existing": len(existing),
             "pool_size": len(candidates), "steered": False, "an_existing": an_existing}
    steer = None if facts["exists"] else locust_accounts.steer(pool or {}, existing)
    if steer is None:
        return first, facts
    locust_clock.STEER["call"] = steer
    try:
        again = _one_run(cls, opts, transport, env, guard, kind, full=True)
    finally:
        locust_clock.STEER["call"] = None
    chosen = again["pool_run"]["username"]
    if chosen not in existing:
        return first, facts
    return again, dict(facts, username=chosen, exists=True, steered=True, instead_of=username)


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
