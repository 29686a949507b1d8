"""Import the locustfile like Locust does and run its users' code once (or `runs` times).

Every call into user code is guarded: a deadline (SIGALRM) stops endless loops, Locust's
control-flow exceptions are noted as such, anything else is reported with the user's frames.
"""
import importlib.util
import inspect
import os
import sys

from doctor_py import locust_clock, locust_client, locust_util

CONTROL = ("StopUser", "RescheduleTask", "RescheduleTaskImmediately", "InterruptTaskSet",
           "StopTest", "GreenletExit")


def import_locustfile(path, timeout):
    """(module, import_error)."""
    name = os.path.splitext(os.path.basename(path))[0]
    if name == "locust":
        name = "locustfile"  # as Locust does, so the file cannot shadow the package
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with locust_clock.deadline(timeout), locust_clock.sleep_budget(timeout):
            spec.loader.exec_module(module)
        return module, None
    except locust_clock.TimedOut as exc:
        # Where the import was when time ran out: the line of the loop.
        return None, {"code": "timed_out", "seconds": timeout,
                      **locust_util.error(exc, locust_util.ROOTS, path)}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included
        return None, {"code": "import_failed", **locust_util.error(exc, locust_util.ROOTS, path)}


def user_classes(module):
    from locust import User
    found = []
    for value in list(vars(module).values()):
        if (inspect.isclass(value) and issubclass(value, User) and value is not User
                and not getattr(value, "abstract", False) and value not in found):
            found.append(value)
    return found


def install_clients():
    """Make HttpUser/FastHttpUser.__init__ build our recording clients."""
    import locust.contrib.fasthttp as fasthttp
    import locust.user.users as users
    users.HttpSession = locust_client.HttpSession
    fasthttp.FastHttpSession = locust_client.FastHttpSession


def client_kind(cls):
    from locust import FastHttpUser, HttpUser
    if issubclass(cls, FastHttpUser):
        return "FastHttpSession"
    if issubclass(cls, HttpUser):
        return "HttpSession"
    return None


def def_line(obj):
    try:
        lines, start = inspect.getsourcelines(obj)
    except Exception:
        return getattr(getattr(obj, "__code__", None), "co_firstlineno", None)
    for offset, text in enumerate(lines):
        if text.lstrip().startswith(("def ", "async def ", "class ")):
            return start + offset
    return start


class Guard:
    """Runs user code with a deadline; remembers how it ended."""

    def __init__(self, timeout, locustfile):
        self.timeout = timeout
        self.locustfile = locustfile

    def call(self, fn, *args):
        outcome = {"error": None, "timed_out": False, "control": None}
        locust_clock.STATE["recording"] = True
        try:
            with locust_clock.deadline(self.timeout):
                outcome["value"] = fn(*args)
        except locust_clock.TimedOut:
            outcome["timed_out"] = True
        except BaseException as exc:
            if type(exc).__name__ in CONTROL:
                outcome["control"] = type(exc).__name__
            else:
                outcome["error"] = locust_util.error(exc, locust_util.ROOTS, self.locustfile)
        finally:
            locust_clock.STATE["recording"] = False
        return outcome


def task_list(owner):
    tasks = getattr(owner, "tasks", None) or []
    if isinstance(tasks, dict):
        tasks = list(tasks)
    out = []
    for t in tasks:
        t = t[0] if isinstance(t, tuple) else t
        if t not in out:
            out.append(t)
    return out


def run_tasks(owner_cls, parent, guard, rec, prefix="", depth=0, skip=()):
    """Each task once (but those in `skip`); TaskSets get their own on_start and tasks."""
    from locust import TaskSet
    out = []
    for t in task_list(owner_cls):
        is_set = inspect.isclass(t) and issubclass(t, TaskSet)
        name = prefix + (t.__name__ if hasattr(t, "__name__") else repr(t))
        if name in skip:
            continue
        rec.task = name
        fact = {"name": name, "line": def_line(t), "kind": "taskset" if is_set else "function"}
        if is_set:
            made = guard.call(t, parent)
            instance = made.pop("value", None)
            if instance is not None:
                started = guard.call(instance.on_start)
                started.pop("value", None)
                fact.update(started)
                out.append(fact)
                if depth < 3 and not started["error"] and not started["timed_out"]:
                    out.extend(run_tasks(t, instance, guard, rec, name + ".", depth + 1, skip))
                continue
            fact.update(made)
        else:
            before = len(rec.requests)
            done = guard.call(t, parent)
            done.pop("value", None)
            fact.update(done)
            if done["error"] and done["error"].get("line"):
                from doctor_py import locust_chain
                sent = {r["line"] for r in rec.requests[before:]}
                fact["not_reached"] = locust_chain.not_reached(t, done["error"]["line"], sent)
        out.append(fact)
    rec.task = None
    return out


def instantiate(cls, env, kind, guard):
    """A user as Locust builds it; if its __init__ fails, a bare instance with our client."""
    made = guard.call(cls, env)
    user = made.pop("value", None)
    if user is not None:
        return user, None
    user = cls.__new__(cls)
    user.environment = env
    if kind == "FastHttpSession":
        user.client = locust_client.FastHttpSession(base_url=cls.host or "")
    elif kind == "HttpSession":
        user.client = locust_client.HttpSession(base_url=cls.host or "")
    return user, made


def fire_start_events(env, opts, transport):
    """Fire `init` and `test_start` as Locust does before users start (listeners often fill
    account queues or log in there). Their requests are recorded and rolled back too."""
    guard = Guard(opts["task_timeout_s"], opts["locustfile"])
    rec = locust_client.Recorder(keep=True)
    rec.phase = "test_start"
    locust_client.CURRENT["recorder"] = rec
    transport.begin_run()
    try:
        init = guard.call(lambda: env.events.init.fire(environment=env, runner=None, web_ui=None))
        start = guard.call(lambda: env.events.test_start.fire(environment=env))
    finally:
        transport.end_run()
        locust_client.CURRENT["recorder"] = None
    for outcome in (init, start):
        outcome.pop("value", None)
    requests = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rec.requests[:50]]
    return {"init": init, "test_start": start, "requests": requests}
