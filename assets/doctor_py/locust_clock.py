"""The user's view of time and chance while doctor runs its code.

The clock stands still (so deadlines computed by the locustfile are exact and comparable),
sleeping costs nothing, and every call to the module-level `random` functions made by user
code is remembered, so doctor can tell how a username was picked.
"""
import datetime as _dt
import random
import signal
import time
import types

from doctor_py import locust_util

REAL_TIME = time.time
REAL_MONOTONIC = time.monotonic
REAL_SLEEP = time.sleep
FROZEN = {"time": REAL_TIME(), "monotonic": REAL_MONOTONIC(), "offset": 0.0}
OBSERVED = ("randint", "randrange", "choice", "sample", "choices")
CALLS = []  # random calls of the current run: {fn, args, kwargs, result, file, line}
STATE = {"recording": False}
# One random call of the user's code answered by doctor: {"fn", "line", "pick": args, kwargs ->
# (True, value) | (False, None)}. Used to run the locustfile as an account that exists.
STEER = {"call": None}


def now():
    return FROZEN["time"] + FROZEN["offset"]


def mono_now():
    return FROZEN["monotonic"] + FROZEN["offset"]


def advance(seconds):
    """Move the frozen clock forward (token expiry check)."""
    FROZEN["offset"] = float(seconds)


def _noop_sleep(*args, **kwargs):
    # While the locustfile imports, its sleeps count against the import's deadline: an import
    # that would wait longer than doctor waits is a timeout, never a quick pass.
    budget = STATE.get("import_sleep_left")
    if budget is not None:
        seconds = args[0] if args else kwargs.get("seconds", 0)
        try:
            seconds = float(seconds or 0)
        except (TypeError, ValueError):
            seconds = 0.0
        STATE["import_sleep_left"] = budget - max(0.0, seconds)
        if STATE["import_sleep_left"] < 0:
            raise TimedOut()
    return None


class sleep_budget:
    """`with sleep_budget(seconds):` the frozen sleeps inside may add up to `seconds`."""

    def __init__(self, seconds):
        self.seconds = float(seconds)

    def __enter__(self):
        STATE["import_sleep_left"] = self.seconds
        return self

    def __exit__(self, *_exc):
        STATE["import_sleep_left"] = None
        return False


def freeze():
    time.time = now
    time.monotonic = mono_now
    time.sleep = _noop_sleep
    try:  # locust imports gevent; its sleep must not wait either
        import gevent
        gevent.sleep = _noop_sleep
    except Exception:
        pass
    try:
        import locust.user.users as users
        import locust.user.task as task
        # Locust's own waiting between tasks (wait_time) is never called.
        users.User.wait = lambda self: None
        task.TaskSet.wait = lambda self: None
    except Exception:
        pass


class real_clock:
    """`with real_clock():` the project's own code (a view replayed in-process) runs on the
    real clock: its sleeps and timeouts cost what they cost under load. Only the locustfile's
    code sees the frozen one."""

    def __enter__(self):
        self.saved = (time.time, time.monotonic, time.sleep)
        time.time, time.monotonic, time.sleep = REAL_TIME, REAL_MONOTONIC, REAL_SLEEP
        return self

    def __exit__(self, *_exc):
        time.time, time.monotonic, time.sleep = self.saved
        return False


def _copy(value):
    # Sequences are copied at call time: a queue or list may change afterwards.
    if isinstance(value, range):
        return value
    if isinstance(value, (list, tuple)) or hasattr(value, "__getitem__") and hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict)):
        try:
            return list(value)[:100001]
        except Exception:
            return value
    return value


def _wrap(name, real):
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if STATE["recording"]:
            file, line = locust_util.caller(locust_util.ROOTS)
            steer = STEER["call"]
            if steer is not None and steer["fn"] == name and steer["line"] == line:
                found, value = steer["pick"](args, kwargs)
                if found:
                    result = value
            if file is not None:
                CALLS.append({"fn": name, "args": [_copy(a) for a in args],
                              "kwargs": {k: _copy(v) for k, v in kwargs.items()},
                              "result": result, "file": file, "line": line})
        return result
    wrapper.__name__ = name
    wrapper.__doc__ = real.__doc__
    return wrapper


def observe_random():
    """Wrap random's module functions; call before the locustfile is imported."""
    for name in OBSERVED:
        setattr(random, name, _wrap(name, getattr(random, name)))


class FrozenDateTime(_dt.datetime):
    """datetime whose now() is the frozen clock."""

    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(now(), tz)

    @classmethod
    def utcnow(cls):
        return cls.fromtimestamp(now(), _dt.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.fromtimestamp(now())


def freeze_datetime(module):
    """The locustfile's own `datetime` names see the frozen clock; Django keeps the real one
    (its token expiry must stay real)."""
    proxy = types.ModuleType("datetime")
    proxy.__dict__.update(vars(_dt))
    proxy.datetime = FrozenDateTime
    for name, value in list(vars(module).items()):
        if value is _dt.datetime:
            setattr(module, name, FrozenDateTime)
        elif value is _dt:
            setattr(module, name, proxy)


class TimedOut(BaseException):
    """Raised by SIGALRM in the user's code; BaseException so `except Exception` lets it pass."""


def _alarm(_signum, _frame):
    raise TimedOut()


class deadline:
    """`with deadline(seconds):` raises TimedOut in the running code after `seconds`."""

    def __init__(self, seconds):
        self.seconds = max(0.01, float(seconds or 0.01))

    def __enter__(self):
        self.previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *_exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)
        return False
