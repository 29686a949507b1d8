"""Canned answers when no Django is available (mode "record").

A login (a body with a password-like field) gets a syntactically valid unsigned JWT that
expires 300 s after the frozen now, so token-caching code takes its normal path; other GETs
get `[]`, everything else `{}`.
"""
import base64
import json

from doctor_py import locust_clock, locust_util


def _b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fake_jwt():
    now = int(locust_clock.now())
    header = _b64({"alg": "none", "typ": "JWT"})
    payload = _b64({"token_type": "access", "exp": now + 300, "iat": now, "jti": "doctor", "user_id": 1})
    return f"{header}.{payload}."


def is_login(entry):
    body = entry.get("_plain")
    return isinstance(body, dict) and any(locust_util.is_password_key(k) for k in body)


class RecordTransport:
    mode = "record"

    def send(self, session, entry, raw):
        if entry["method"] == "POST" and is_login(entry):
            token = fake_jwt()
            body = {"access": token, "refresh": token, "token": token}
        elif entry["method"] == "GET":
            body = []
        else:
            body = {}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def begin_run(self):
        pass

    def end_run(self):
        pass
