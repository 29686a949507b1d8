"""Question `env`: where the probe runs."""
import os

from doctor_py import settings_source


def answer():
    return {"cwd": os.getcwd(), "manage_py": settings_source.manage_py_path()}
