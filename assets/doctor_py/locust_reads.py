"""What the locustfile reads from an answer's JSON, and whether it was there.

`response.json()` hands the user's code a dict that notes each key read (`[...]`, `.get`,
`in`) with the locustfile line, and whether the answer had it. A login read as
`.get("access")` from `{"token": {"access": ...}}` is then a fact with a line, not a guess.
"""
from doctor_py import locust_util

MAX_READS = 20


class ReadDict(dict):
    """A dict (isinstance and json.dumps still work) that records the keys read from it."""

    def __init__(self, data, reads, prefix):
        super().__init__(data)
        self._reads = reads
        self._prefix = prefix

    def _note(self, key, found):
        if len(self._reads) < MAX_READS:
            _file, line = locust_util.caller(locust_util.ROOTS)
            self._reads.append({"key": f"{self._prefix}{key}", "found": found, "line": line})

    def _wrap(self, key, value):
        return wrap(value, self._reads, f"{self._prefix}{key}.")

    def __getitem__(self, key):
        found = dict.__contains__(self, key)
        self._note(key, found)
        return self._wrap(key, dict.__getitem__(self, key))

    def get(self, key, default=None):
        found = dict.__contains__(self, key)
        self._note(key, found)
        return self._wrap(key, dict.__getitem__(self, key)) if found else default

    def __contains__(self, key):
        found = dict.__contains__(self, key)
        self._note(key, found)
        return found


def wrap(value, reads, prefix=""):
    return ReadDict(value, reads, prefix) if type(value) is dict else value


def token_path(value, prefix=""):
    """The dotted path of the first JWT-looking string in a login answer ("token.access")."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0] != "access")
        for key, inner in items:
            if isinstance(inner, str) and inner.count(".") == 2 and len(inner) > 40:
                return f"{prefix}{key}"
        for key, inner in items:
            found = token_path(inner, f"{prefix}{key}.")
            if found:
                return found
    return None
