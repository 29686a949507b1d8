"""Keep the project's views from calling outside services while doctor runs the locustfile.

A view that calls a payment API (requests, httpx, urllib: all end in `socket`) would charge,
mail or book for real. While a request of the locustfile is in flight, a connection to a host
that is not this machine is refused before any byte leaves, and noted (host, port).
"""
import ipaddress
import socket

STATE = {"active": False, "calls": []}
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_REAL_GETADDRINFO = socket.getaddrinfo
_REAL_CREATE_CONNECTION = socket.create_connection


class KeptFromSending(ConnectionRefusedError):
    """Raised inside the view instead of connecting to an outside host."""


def _local(host):
    host = str(host or "").strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(host, port):
    if not any(c["host"] == str(host) and c["port"] == port for c in STATE["calls"]):
        STATE["calls"].append({"host": str(host), "port": port})
    raise KeptFromSending(f"doctor kept this connection to {host}:{port} from being made")


def _getaddrinfo(host, port, *args, **kwargs):
    if STATE["active"] and host is not None and not _local(host):
        _refuse(host, port)
    return _REAL_GETADDRINFO(host, port, *args, **kwargs)


def _create_connection(address, *args, **kwargs):
    host, port = address[0], address[1]
    if STATE["active"] and not _local(host):
        _refuse(host, port)
    return _REAL_CREATE_CONNECTION(address, *args, **kwargs)


def install():
    socket.getaddrinfo = _getaddrinfo
    socket.create_connection = _create_connection


class guard:
    """`with guard() as calls:` outside connections refused inside; `calls` lists them."""

    def __enter__(self):
        STATE["active"] = True
        STATE["calls"] = []
        return STATE["calls"]

    def __exit__(self, *_exc):
        STATE["active"] = False
        return False
