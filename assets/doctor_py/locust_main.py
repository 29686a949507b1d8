"""doctor's locustfile runner: execute a locustfile's users once and report what they do.

    cd <django project> && <project python> .../doctor_py/locust_main.py < request.json

The answer is the last stdout line, `DOCTOR_LOCUST_JSON: {...}`; everything else (the
project's and the locustfile's output) goes to stderr. Facts and codes only, no prose.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# `import doctor_py.x` from the assets dir; not doctor_py itself first on the path.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.insert(0, os.path.dirname(HERE))
# The project (cwd) importable, as manage.py makes it.
if os.getcwd() not in sys.path:
    sys.path.insert(0, os.getcwd())

MARKER = "DOCTOR_LOCUST_JSON: "


def _options(raw):
    opts = json.loads(raw or "{}")
    lifetime = opts.get("token_lifetime_s")
    return {
        "locustfile": os.path.abspath(opts["locustfile"]),
        "host": opts.get("host") or None,
        "mode": opts.get("mode") or "django",
        "runs": max(1, int(opts.get("runs") or 30)),
        "task_timeout_s": float(opts.get("task_timeout_s") or 3.0),
        "token_lifetime_s": float(lifetime) if lifetime is not None else None,
        "locust_env": opts.get("locust_env") or {},
        "hash_parallelism": bool(opts.get("hash_parallelism")),
        "timeout_s": float(opts.get("timeout_s") or 25.0),
    }


def run(answer, opts):
    from doctor_py import locust_util
    project = os.getcwd()
    roots = [project]
    if os.path.dirname(opts["locustfile"]) not in roots:
        roots.append(os.path.dirname(opts["locustfile"]))
    locust_util.ROOTS[:] = roots
    try:
        import locust  # gevent's monkey patching happens here, before Django
        from locust.env import Environment
    except BaseException as exc:
        answer["import_error"] = {"code": "locust_missing", "type": type(exc).__name__,
                                  "message": str(exc)[:2000], "frames": [], "line": None}
        return
    from doctor_py import locust_clock, locust_client, locust_django, locust_record
    from doctor_py import locust_runner, locust_user

    transport = None
    if opts["mode"] == "django":
        transport, reason, facts = locust_django.prepare(project)
        answer["django"] = facts
        answer["mode_reason"] = reason
        # No lifetime given: the project's own (simplejwt's setting) for the re-login test.
        if opts["token_lifetime_s"] is None and facts and facts.get("token_lifetime_s"):
            opts["token_lifetime_s"] = float(facts["token_lifetime_s"])
    if transport is None:
        transport = locust_record.RecordTransport()
    answer["mode"] = transport.mode
    locust_client.CURRENT["transport"] = transport

    # The locustfile runs in Locust's process, started from the user's shell: it sees that
    # shell's variables (a password from os.environ), while Django above kept the server's.
    for name, value in opts["locust_env"].items():
        os.environ.setdefault(name, value)
    locust_clock.freeze()
    locust_clock.observe_random()
    locust_runner.install_clients()
    module, error = locust_runner.import_locustfile(opts["locustfile"], max(10.0, 5 * opts["task_timeout_s"]))
    if error is not None:
        answer["import_error"] = error
        return

    locust_clock.freeze_datetime(module)
    classes = locust_runner.user_classes(module)
    # Locust's own event hooks (the global `events`, where locustfiles register listeners).
    env = Environment(user_classes=classes, host=opts["host"], events=locust.events)
    answer["events"] = locust_runner.fire_start_events(env, opts, transport)
    for cls in classes:
        answer["users"].append(locust_user.run_class(cls, opts, transport, env))
    if transport.mode == "django":
        from doctor_py import request_cost
        answer["costs"] = request_cost.summary()
        answer["password_hasher"] = request_cost.hasher(opts["hash_parallelism"])


def main():
    started = time.perf_counter()
    real_stdout = os.dup(1)
    os.dup2(2, 1)  # anything written to fd 1 (print, C code, children) lands on stderr
    sys.stdout = sys.stderr
    answer = {"protocol": 1, "mode": None, "mode_reason": None, "import_error": None,
              "events": None, "users": [], "django": None, "costs": None, "password_hasher": None,
              "internal_error": None, "elapsed_ms": 0}
    from doctor_py import replay_lock
    try:
        opts = _options(sys.stdin.read())
        answer["mode"] = opts["mode"]
        # Waiting for another doctor's replay must leave time to answer before doctor's timeout.
        replay_lock.give_up_at(replay_lock.now() + opts["timeout_s"] - 4.0)
        run(answer, opts)
    except replay_lock.Busy as busy:  # another doctor's replays: not the project's fault
        answer["internal_error"] = busy.facts()
    except BaseException as exc:  # doctor's own failure: still answer
        answer["internal_error"] = {"code": "helper_failed", "type": type(exc).__name__,
                                    "message": str(exc)[:2000]}
        import traceback
        traceback.print_exc()
    answer["elapsed_ms"] = int((time.perf_counter() - started) * 1000)
    try:
        line = MARKER + json.dumps(answer, ensure_ascii=False, default=repr)
    except Exception as exc:
        line = MARKER + json.dumps({"protocol": 1, "internal_error": {
            "code": "answer_not_json", "type": type(exc).__name__, "message": str(exc)[:500]}})
    os.write(real_stdout, (line + "\n").encode("utf-8"))
    sys.stderr.flush()
    os._exit(0)  # no atexit handlers or leftover threads of the locustfile can hang or exit != 0


if __name__ == "__main__":
    main()
