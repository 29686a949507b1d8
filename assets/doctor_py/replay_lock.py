"""One in-process replay at a time per project, across doctor processes.

Each replay runs inside a transaction that is rolled back at its end. Two doctors replaying
at once (two terminals, a TUI and a `--check`) would make each other's writes fail: "database
is locked" on SQLite, lock waits on PostgreSQL. That reads as a bug in the project's code, so
replays take an exclusive flock on `<project>/.doctor/replay.lock` first. The kernel releases
it when the process ends, killed or not: no stale lock survives its holder.
"""
import fcntl
import os
import time

WAIT_S = 15.0
# The real clock, taken at import: the locustfile runner imports this module before it freezes
# `time` for the locustfile (locust_clock), whose sleeps then return at once.
_monotonic = time.monotonic
_sleep = time.sleep
# The moment (see now()) by which a waiter gives up whatever WAIT_S says: the caller's own deadline
# minus time to answer (the locustfile runner is killed by doctor after its timeout).
_state = {"fd": None, "give_up_at": None}


def now():
    return _monotonic()


def give_up_at(monotonic_deadline):
    _state["give_up_at"] = monotonic_deadline


class Busy(Exception):
    """Another doctor held the lock for WAIT_S seconds."""

    def __init__(self, holder, waited_s):
        super().__init__("replay_busy")
        self.holder = holder
        self.waited_s = waited_s

    def facts(self):
        return {"code": "replay_busy", "holder": self.holder, "waited_s": round(self.waited_s, 1)}


def _open(project_dir):
    folder = os.path.join(project_dir, ".doctor")
    try:
        os.makedirs(folder, exist_ok=True)
        return os.open(os.path.join(folder, "replay.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None  # `.doctor` is a file or the folder is read-only: no one to serialize with


def _holder(fd):
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


def acquire(project_dir):
    """Take the lock (waiting up to WAIT_S), or raise Busy naming the holder's pid."""
    if _state["fd"] is not None:
        return
    fd = _open(project_dir)
    if fd is None:
        return
    started = _monotonic()
    give_up = started + WAIT_S
    if _state["give_up_at"] is not None:
        give_up = min(give_up, _state["give_up_at"])
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            waited = _monotonic() - started
            if _monotonic() >= give_up:
                holder = _holder(fd)
                os.close(fd)
                raise Busy(holder, waited)
            _sleep(0.05)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _state["fd"] = fd


def release():
    fd = _state["fd"]
    if fd is None:
        return
    _state["fd"] = None
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
