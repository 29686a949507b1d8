"""doctor's listener, loaded by Locust beside the project's locustfile:

    locust -f locustfile.py,doctor_listener.py ...

It defines no users. It counts every request Locust records, per second and endpoint (count,
failures, response-time histogram), counts requests in flight, and serves the counts uncached
at /doctor/live on Locust's web UI (which caches /stats/requests for 2 s). In distributed mode
the master adds up its workers' counts from Locust's own reports (every 3 s), so a worker on
another host needs only the project's locustfile; what each worker reported (endpoints, User
classes) is served at /doctor/workers.
"""

import logging
import os
import signal
import threading
import time

from locust import events

_lock = threading.Lock()
# second (epoch, int) -> {(method, name): [requests, failures, sum_ms, {bucket_ms: count}]}
_seconds = {}
_in_flight = 0
_last_answer = 0.0
# The master's view of each worker's in-flight count and last answer.
_workers = {}
# What each worker reported so far (master only): requests per "METHOD name", its User
# classes and users — to tell a worker running another locustfile.
_worker_seen = {}


def _bucket(ms):
    """Locust's own rounding of response times, so percentiles agree with its tables."""
    ms = int(round(ms))
    if ms < 100:
        return ms
    if ms < 1000:
        return int(round(ms, -1))
    if ms < 10000:
        return int(round(ms, -2))
    return int(round(ms, -3))


def _add(table, second, key, requests, failures, sum_ms, hist):
    row = table.setdefault(second, {}).setdefault(key, [0, 0, 0.0, {}])
    row[0] += requests
    row[1] += failures
    row[2] += sum_ms
    for bucket, count in hist.items():
        row[3][bucket] = row[3].get(bucket, 0) + count


@events.request.add_listener
def _on_request(request_type, name, response_time, exception=None, **_kw):
    global _last_answer
    now = time.time()
    second = int(now)
    key = (request_type or "", name or "")
    hist = {_bucket(response_time or 0): 1}
    failed = 1 if exception else 0
    with _lock:
        _last_answer = now
        _add(_seconds, second, key, 1, failed, float(response_time or 0), hist)


def _count_in_flight(cls):
    """Wrap a client's `request` so requests waiting for an answer can be counted."""
    original = getattr(cls, "request", None)
    if original is None or getattr(original, "_doctor_wrapped", False):
        return

    def request(self, *args, **kwargs):
        global _in_flight
        with _lock:
            _in_flight += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            with _lock:
                _in_flight -= 1

    request._doctor_wrapped = True
    cls.request = request


try:
    from locust.clients import HttpSession

    _count_in_flight(HttpSession)
except Exception:  # an older or newer Locust: in-flight is then unknown
    pass
try:
    from locust.contrib.fasthttp import FastHttpSession

    _count_in_flight(FastHttpSession)
except Exception:
    pass


@events.report_to_master.add_listener
def _on_report_to_master(client_id, data, **_kw):
    # Only what Locust's own report lacks: requests in flight (when this worker loaded the
    # listener). The counts travel in Locust's own stats, read by the master below.
    with _lock:
        data["doctor_live"] = {"in_flight": _in_flight, "last_answer": _last_answer}


@events.worker_report.add_listener
def _on_worker_report(client_id, data, **_kw):
    """The master adds up its workers from Locust's own report (every 3 s): per entry, the
    requests and failures of each second exactly, and the report's response times in its
    last second. Workers need not load this listener for their counts to arrive."""
    last_answer = 0.0
    with _lock:
        for entry in data.get("stats") or []:
            key = (entry.get("method") or "", entry.get("name") or "")
            per_second = entry.get("num_reqs_per_sec") or {}
            failed = entry.get("num_fail_per_sec") or {}
            seconds = sorted(int(float(t)) for t in per_second)
            for second in seconds:
                count = per_second.get(second, per_second.get(str(second), 0))
                fails = failed.get(second, failed.get(str(second), 0))
                _add(_seconds, second, key, count, fails, 0.0, {})
            hist = {int(float(b)): c for b, c in (entry.get("response_times") or {}).items()}
            if seconds and hist:
                _add(_seconds, seconds[-1], key, 0, 0, float(entry.get("total_response_time") or 0), hist)
            last_answer = max(last_answer, float(entry.get("last_request_timestamp") or 0))
            seen = _worker_seen.setdefault(client_id, {"endpoints": {}, "user_classes": [], "users": 0})
            endpoint = key[0] + " " + key[1]
            seen["endpoints"][endpoint] = seen["endpoints"].get(endpoint, 0) + int(
                entry.get("num_requests") or 0
            )
        seen = _worker_seen.setdefault(client_id, {"endpoints": {}, "user_classes": [], "users": 0})
        if data.get("user_classes_count"):
            seen["user_classes"] = sorted(data["user_classes_count"])
        seen["users"] = int(data.get("user_count") or 0)
        live = data.get("doctor_live") or {}
        _workers[client_id] = (live.get("in_flight"), max(last_answer, live.get("last_answer") or 0))


def _snapshot(after):
    with _lock:
        seconds = [
            {
                "t": second,
                "endpoints": [
                    {
                        "method": method,
                        "name": name,
                        "requests": r,
                        "failures": f,
                        "sum_ms": s,
                        "hist": {str(b): c for b, c in h.items()},
                    }
                    for (method, name), (r, f, s, h) in rows.items()
                ],
            }
            for second, rows in sorted(_seconds.items())
            if second > after
        ]
        known = [v[0] for v in _workers.values()]
        # None when a worker did not load the listener: its requests in flight are unknown.
        in_flight = None if None in known else _in_flight + sum(known)
        last_answer = max([_last_answer] + [v[1] for v in _workers.values()])
    return {
        "now": time.time(),
        "seconds": seconds,
        "in_flight": in_flight,
        "last_answer": last_answer or None,
        "worker_requests": {
            worker: sum(seen["endpoints"].values()) for worker, seen in _worker_seen.items()
        },
    }


def _watch_lifeline(environment):
    """doctor holds the other end of this pipe: end-of-file means doctor is gone (killed,
    crashed), and load must never outlive its controller. Stop the users, then the process."""
    fd = os.environ.get("DOCTOR_LIFELINE_FD", "")
    if not fd.isdigit():
        return
    fd = int(fd)
    import gevent
    from gevent.socket import wait_read

    def watch():
        try:
            while True:
                wait_read(fd)
                if not os.read(fd, 64):
                    break
        except OSError:
            return  # not a pipe we were given: nothing to watch
        logging.warning("doctor is gone (its lifeline closed): stopping the load")
        # Locust's own SIGTERM path: users stopped, its JSON written, the process exits.
        os.kill(os.getpid(), signal.SIGTERM)
        gevent.spawn_later(10, os._exit, 0)

    gevent.spawn(watch)


@events.init.add_listener
def _on_init(environment, **_kw):
    _watch_lifeline(environment)
    web_ui = getattr(environment, "web_ui", None)
    if web_ui is None:
        return

    @web_ui.app.route("/doctor/live")
    def doctor_live():
        from flask import jsonify, request

        after = request.args.get("after", default=0, type=int)
        answer = _snapshot(after)
        runner = environment.runner
        answer["users"] = getattr(runner, "user_count", 0) if runner else 0
        answer["state"] = str(getattr(runner, "state", "")) if runner else ""
        return jsonify(answer)

    @web_ui.app.route("/doctor/workers")
    def doctor_workers():
        from flask import jsonify

        with _lock:
            workers = {k: dict(v, endpoints=dict(v["endpoints"])) for k, v in _worker_seen.items()}
        classes = sorted(c.__name__ for c in (environment.user_classes or []))
        return jsonify({"master_user_classes": classes, "workers": workers})
