"""The guide's step 3 of "JWT authentication failure": log one test user in.

    python locust_test/test_auth.py [--host http://127.0.0.1:8000] [--username user1]

Exit code 0 when a token came back, 1 otherwise. Standard library only.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("TARGET_HOST", "http://127.0.0.1:8000"))
    parser.add_argument("--username", default="user1")
    parser.add_argument("--password", default="testpass123")
    args = parser.parse_args()

    url = args.host.rstrip("/") + "/api/token/"
    body = json.dumps({"username": args.username, "password": args.password}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    # Loopback targets must not go through an HTTP proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")[:300]
        print(f"FAIL: {url} answered {exc.code}: {text}")
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"FAIL: cannot reach {url}: {getattr(exc, 'reason', exc)}")
        return 1
    except ValueError:
        print(f"FAIL: {url} did not answer JSON")
        return 1
    if not isinstance(payload, dict) or "access" not in payload:
        print(f"FAIL: {url} answered without an access token: {str(payload)[:300]}")
        return 1
    print(f"OK: {args.username} logged in at {url} (access token {len(payload['access'])} chars)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
