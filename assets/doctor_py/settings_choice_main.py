"""`doctor config`'s question: which module the settings package runs, asked by importing the
settings (not django.setup()) with the server's environment. One answer line (protocol.py):
{"module", "choice" (settings_choice.answer), "error"}."""
import importlib
import os
import sys

# As in django_main.py: this folder gives way to its parent and the project folder (cwd).
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE or p == ""]
sys.path.insert(0, os.path.dirname(_HERE))
if os.getcwd() not in sys.path:
    sys.path.insert(0, os.getcwd())

from doctor_py import protocol, settings_choice, startup  # noqa: E402


def run():
    module, _ = startup.settings_module()
    result = {"module": module, "choice": None, "error": None}
    if not module:
        return result
    try:
        importlib.import_module(module)
    except BaseException as exc:  # the settings may fail; what was loaded still answers
        result["error"] = protocol.error_dict(exc)
    result["choice"] = settings_choice.answer(module)
    return result


if __name__ == "__main__":
    protocol.answer_with(run)
