"""Talk to the app served for real (runner, gunicorn) over HTTP, the way another program would."""

import json
import time
import urllib.error
import urllib.request
import uuid


def request(url: str, body: bytes | None = None, content_type: str = "application/json", token: str | None = None):
    """Send a request (with an API token if given) and return (status, decoded JSON body)."""
    headers = {"Content-Type": content_type} if body else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, json.loads(response.read())


def api_token(base: str, username: str, password: str) -> str:
    """Trade a username and password for an API token, as a script does."""
    body = json.dumps({"username": username, "password": password, "name": "tests"}).encode()
    status, answer = request(f"{base}/api/tokens", body)
    assert status == 201, answer
    return answer["token"]


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode files as multipart parts named `file`; return (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
        for name, content in files
    )
    return parts + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def eventually(predicate, timeout: float, what: str):
    """Poll until the predicate returns something truthy (connection errors count as not yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")
