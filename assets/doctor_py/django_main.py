"""doctor's Django probe: answers questions about a Django project as one JSON line.

Run by doctor with the project's own Python, cwd = the directory holding manage.py:

    echo '{"questions": ["env", "settings"], "password_to_hash": null}' | python django_main.py

The answer is the last stdout line, `DOCTOR_PROBE_JSON: {...}` (protocol.py). The probe exits 0
even when django.setup() fails: setup_error says why and where (diagnose.py). Standard library
plus Django only; syntax that runs on Python 3.6+ so old projects can be probed too.
"""
import os
import sys

# Run as a file, this script's own folder is sys.path[0]: its modules (stock.py, reserve.py, ...)
# must never shadow the project's, so the folder gives way to its parent (import doctor_py.x)
# and the project folder (cwd), where manage.py would find the project's modules.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE or p == ""]
sys.path.insert(0, os.path.dirname(_HERE))
if os.getcwd() not in sys.path:
    sys.path.insert(0, os.getcwd())

from doctor_py import (database, env_info, packages, passwords, protocol, reserve,  # noqa: E402
                       settings_choice, settings_facts, settings_source, simplejwt, startup,
                       static_settings, stock, system_check, throttles, url_list, user_model)

QUESTIONS = {
    "env": env_info.answer,
    "settings": settings_facts.answer,
    "database": database.answer,
    "user_model": user_model.answer,
    "urls": url_list.answer,
    "simplejwt": simplejwt.answer,
    "stock": stock.answer,
    "static_settings": static_settings.answer,
    "system_check": system_check.answer,
    "throttles": throttles.answer,  # the requests to ask about: request["throttle_requests"]
}
# Questions answerable without a working django.setup().
NO_DJANGO_NEEDED = {"env", "static_settings"}


def _ask(handler, *args):
    try:
        return {"ok": handler(*args)}
    except BaseException as exc:
        return {"error": protocol.error_dict(exc)}


def _versions(result):
    for key, dist, module in (("django", "Django", "django"),
                              ("drf", "djangorestframework", "rest_framework"),
                              ("simplejwt", "djangorestframework-simplejwt",
                               "rest_framework_simplejwt")):
        result[key] = packages.distribution_version(dist) or packages.module_version(module)


def run():
    request, request_error = protocol.read_request()
    questions = request.get("questions")
    throttles.REQUESTS[:] = request.get("throttle_requests") or []
    if not isinstance(questions, list):
        questions = list(protocol.ALL_QUESTIONS)
    result = {
        "protocol": protocol.PROTOCOL,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "settings_module": None,
        "settings_file": None,
        "setup_error": None,
        "answers": {},
    }
    if request_error:
        result["request_error"] = request_error

    ok = startup.setup(result)
    result["settings_file"] = settings_source.settings_file(result["settings_module"])
    try:
        result["settings_choice"] = settings_choice.answer(result["settings_module"])
    except Exception:  # a fact left out, never a failed probe
        result["settings_choice"] = None
    _versions(result)

    answers = result["answers"]
    for question in questions:
        question = str(question)
        handler = QUESTIONS.get(question)
        if handler is None:
            answers[question] = {"error": {"type": "UnknownQuestion",
                                           "message": "no such question: " + question}}
        elif not ok and question not in NO_DJANGO_NEEDED:
            answers[question] = protocol.setup_failed()
        else:
            answers[question] = _ask(handler)

    params = request.get("reserve")
    if isinstance(params, dict):
        answers["reserve"] = _ask(reserve.answer, params) if ok else protocol.setup_failed()

    secret = request.get("password_to_hash")
    if secret is not None:
        answers["password_hash"] = (_ask(passwords.answer, str(secret)) if ok
                                    else protocol.setup_failed())
    return result


def main():
    def produce():
        try:
            return run()
        except BaseException as exc:  # the probe itself must never crash
            import traceback

            return {"protocol": protocol.PROTOCOL, "probe_error": protocol.error_dict(exc),
                    "traceback": traceback.format_exc(), "answers": {}}

    protocol.answer_with(produce)


if __name__ == "__main__":
    main()
