"""Stand-ins for Locust's HttpSession and FastHttpSession that record every request.

They mimic the real clients closely enough that the user's code behaves as under Locust:
FastHttpSession has no `headers` (guide section 1 must fail the same way), HttpSession merges
its `headers` into every request like requests.Session. Each request is handed to the
current transport (in-process Django or canned answers) and logged in the current Recorder.
"""
import base64
import json as jsonlib
from urllib.parse import parse_qsl, urlencode, urlsplit

from doctor_py import locust_util

CURRENT = {"recorder": None, "transport": None}


class Recorder:
    """What one user run sent: requests plus the phase/task being run."""

    def __init__(self, keep):
        self.keep = keep  # only the first run's on_start requests are reported
        self.phase = "on_start"
        self.task = None
        self.requests = []


class Headers(dict):
    """Case-insensitive lookups, like requests' CaseInsensitiveDict."""

    def _key(self, key):
        for k in self.keys():
            if str(k).lower() == str(key).lower():
                return k
        return key

    def __getitem__(self, key):
        return dict.__getitem__(self, self._key(key))

    def __contains__(self, key):
        return any(str(k).lower() == str(key).lower() for k in self.keys())

    def get(self, key, default=None):
        return dict.get(self, self._key(key), default)


class Response:
    """requests.Response / FastResponse look-alike; also the catch_response context manager."""

    def __init__(self, status, headers, content, url, entry):
        self.status_code = status
        self.headers = Headers(headers or {})
        self.content = content or b""
        self.url = url
        self.reason = "OK" if status < 400 else "Error"
        self.encoding = "utf-8"
        self.history = []
        self.cookies = {}
        self.elapsed = __import__("datetime").timedelta(0)
        self.error = None if status < 400 else _http_error(status, url)
        self._entry = entry
        self.requests_style = False

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self):
        return self.status_code < 400

    def json(self, **kwargs):
        try:
            from doctor_py import locust_reads
            return locust_reads.wrap(jsonlib.loads(self.text, **kwargs), self._entry.setdefault("reads", []))
        except jsonlib.JSONDecodeError as exc:
            if self.requests_style:  # requests raises its own subclass; user code may catch it
                import requests
                raise requests.exceptions.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None
            raise

    def raise_for_status(self):
        if self._entry.get("catch") == "success":
            return
        if self.status_code >= 400:
            raise _http_error(self.status_code, self.url)

    def success(self):
        self._entry["catch"] = "success"
        self._entry["failure_message"] = None

    def failure(self, exc):
        self._entry["catch"] = "failure"
        self._entry["failure_message"] = locust_util.jsonable(str(exc))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, _tb):
        if exc is not None and _is_response_error(exc):
            self.failure(exc)  # Locust marks the sample failed and swallows these
            return True
        return False


def _auth_value(headers):
    """"bearer_none" when the Authorization header carries no token (`Bearer None`)."""
    value = str(headers.get("Authorization") or "")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return "bearer_none" if token.strip() in ("None", "null", "undefined", "") else "set"


def _http_error(status, url):
    message = f"{status} Error for url: {url}"
    try:
        import requests
        return requests.exceptions.HTTPError(message)
    except Exception:
        return Exception(message)


def _is_response_error(exc):
    try:
        from locust.exception import CatchResponseError, ResponseError
        return isinstance(exc, (CatchResponseError, ResponseError))
    except Exception:
        return False


def _body(json, data, files, headers):
    """(body_kind, shown body, raw bytes, content type)."""
    if json is not None:
        return "json", json, jsonlib.dumps(json).encode(), "application/json"
    if isinstance(data, (dict, list, tuple)):
        pairs = data.items() if isinstance(data, dict) else data
        return "form", dict(data) if isinstance(data, dict) else list(data), \
            urlencode(list(pairs), doseq=True).encode(), "application/x-www-form-urlencoded"
    if data is not None:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        try:  # a JSON document sent as a string is still a JSON body
            return "json", jsonlib.loads(raw), raw, headers.get("Content-Type") or "application/json"
        except Exception:
            pass
        text = raw.decode("utf-8", "replace")
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and "form-urlencoded" in str(headers.get("Content-Type") or "form-urlencoded"):
            # "username=u&password=p" sent as a string is a form login too (and gets masked)
            return "form", dict(pairs), raw, "application/x-www-form-urlencoded"
        return "raw", text[:300], raw, headers.get("Content-Type") or "application/octet-stream"
    if files:
        return "multipart", sorted(files) if isinstance(files, dict) else None, b"", "multipart/form-data"
    return "none", None, b"", None


class _Session:
    """What both clients share: build, send and record a request."""

    def __init__(self, base_url="", *args, **kwargs):
        self.base_url = base_url or ""
        self.session_headers = Headers()
        self.django_client = None  # set by the Django transport (it keeps the cookies)

    def _path(self, url, params):
        full = url if "://" in str(url) else f"{self.base_url}{url}"
        parts = urlsplit(full)
        path = parts.path or "/"
        query = parts.query
        if params:
            extra = urlencode(list(params.items()) if isinstance(params, dict) else list(params), doseq=True)
            query = f"{query}&{extra}" if query else extra
        return path + (f"?{query}" if query else "")

    def request(self, method, url, name=None, catch_response=False, headers=None, json=None,
                data=None, params=None, files=None, auth=None, **kwargs):
        merged = Headers(self.session_headers)
        for k, v in (headers or {}).items():
            merged[merged._key(k)] = v
        if auth and isinstance(auth, (tuple, list)) and len(auth) == 2:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            merged["Authorization"] = f"Basic {token}"
        kind, shown, raw, ctype = _body(json, data, files, merged)
        if ctype and "Content-Type" not in merged:
            merged["Content-Type"] = ctype
        path = self._path(url, params)
        rec = CURRENT["recorder"]
        file, line = locust_util.caller(locust_util.ROOTS)
        entry = {
            "phase": rec.phase if rec else None, "task": rec.task if rec else None,
            "method": method.upper(), "path": path, "name": name, "body_kind": kind,
            "body": locust_util.jsonable(shown, mask=True), "header_names": sorted(merged.keys()),
            "line": line, "file": file, "status": None, "json_excerpt": None, "catch": None,
            "failure_message": None, "exception": None, "url_match": None, "side_effects": [],
            "redirects": [], "reads": [], "auth": _auth_value(merged),
            "_plain": shown, "_headers": merged,
        }
        if rec is not None:
            rec.requests.append(entry)
        from doctor_py import locust_clock
        entry["_calls"] = len(locust_clock.CALLS)  # the random calls made before it (body values)
        recording = locust_clock.STATE["recording"]
        locust_clock.STATE["recording"] = False  # the server's own random calls are not the user's
        try:
            status, resp_headers, content = CURRENT["transport"].send(self, entry, raw)
            if kwargs.get("allow_redirects", True):
                status, resp_headers, content = self._follow(entry, raw, status, resp_headers, content)
        finally:
            locust_clock.STATE["recording"] = recording
        entry["status"] = status
        if "json" in str(resp_headers.get("Content-Type", "")).lower() or content[:1] in (b"{", b"["):
            entry["json_excerpt"] = content[:300].decode("utf-8", "replace")
            if isinstance(shown, dict) and any(locust_util.is_password_key(k) for k in shown):
                from doctor_py import locust_reads
                try:  # where a login answer keeps its token ("access", "token.access")
                    entry["token_path"] = locust_reads.token_path(jsonlib.loads(content))
                except Exception:
                    entry["token_path"] = None
        response = Response(status, resp_headers, content, self.base_url + path, entry)
        response.requests_style = isinstance(self, HttpSession)
        return response

    def _follow(self, entry, raw, status, headers, content):
        """Follow local redirects like requests and geventhttpclient do (POST->GET on 301-303)."""
        current = entry
        while status in (301, 302, 303, 307, 308) and len(entry["redirects"]) < 5:
            location = Headers(headers).get("Location")
            target = urlsplit(str(location or ""))
            if not location or (target.netloc and target.netloc != urlsplit(self.base_url).netloc):
                break
            current = dict(current, side_effects=[], exception=None,
                           path=(target.path or "/") + (f"?{target.query}" if target.query else ""))
            if status in (301, 302, 303) and current["method"] != "HEAD":
                current["method"], raw = "GET", b""
                current["_headers"] = Headers({k: v for k, v in current["_headers"].items()
                                               if str(k).lower() != "content-type"})
            entry["redirects"].append({"status": status, "method": current["method"], "path": current["path"]})
            status, headers, content = CURRENT["transport"].send(self, current, raw)
            entry["exception"] = current["exception"]
            entry["side_effects"] = entry["side_effects"] + current["side_effects"]
        return status, headers, content

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data=None, json=None, **kwargs):
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url, data=None, **kwargs):
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)

    def head(self, url, **kwargs):
        return self.request("HEAD", url, **kwargs)

    def options(self, url, **kwargs):
        return self.request("OPTIONS", url, **kwargs)


class HttpSession(_Session):
    """Locust's requests-based client: session-wide `headers` and `cookies`."""

    def __init__(self, base_url="", *args, **kwargs):
        super().__init__(base_url)
        self.trust_env = False
        self.verify = True
        self.auth = None

    @property
    def headers(self):
        return self.session_headers

    @headers.setter
    def headers(self, value):
        self.session_headers = Headers(value or {})

    @property
    def cookies(self):
        client = self.django_client
        return {k: m.value for k, m in client.cookies.items()} if client is not None else {}

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("auth") is None and self.auth is not None:
            kwargs["auth"] = self.auth
        return super().request(method, url, *args, **kwargs)


class FastHttpSession(_Session):
    """Locust's geventhttpclient client: no `headers` attribute (default headers only via the
    constructor), so `self.client.headers.update(...)` fails exactly as under Locust."""

    def __init__(self, base_url="", *args, headers=None, **kwargs):
        _Session.__init__(self, base_url)
        self.session_headers = Headers(headers or {})
