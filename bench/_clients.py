"""Concurrent HTTP clients: each thread keeps one keep-alive connection and records latencies."""

import http.client
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Request:
    """One HTTP request to send."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Measurement:
    """Latencies of one path under load."""

    latencies_ms: list[float]
    seconds: float
    errors: int
    statuses: dict[int, int]

    @property
    def p50(self) -> float:
        """Return the median latency in ms."""
        return _percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        """Return the 95th percentile latency in ms."""
        return _percentile(self.latencies_ms, 95)

    @property
    def throughput(self) -> float:
        """Return completed requests per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def multipart(field_name: str, filename: str, content: bytes) -> Request:
    """Build the body and headers of a one-file multipart upload."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field_name}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return Request("POST", "", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class _Client:
    def __init__(self, base: str):
        parts = urlsplit(base)
        self._host, self._port = parts.hostname, parts.port
        self._connection: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> tuple[int, float]:
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=120)
            started = time.perf_counter()
            try:
                self._connection.request(request.method, request.path, request.body, request.headers)
                response = self._connection.getresponse()
                response.read()
                return response.status, (time.perf_counter() - started) * 1000
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                # gunicorn closes idle keep-alive connections; reconnect once, then give up.
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def measure(base: str, next_request: Callable[[int], Request], clients: int, count: int,
            warmup: int = 0, time_limit: float = 120.0) -> Measurement:
    """Send `count` requests (plus `warmup` unrecorded ones) from `clients` threads; return the latencies."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    window = [float("inf"), 0.0]  # when the first recorded request started and the last one ended
    deadline = time.monotonic() + time_limit

    def take() -> int | None:
        with lock:
            if issued[0] >= warmup + count or time.monotonic() > deadline:
                return None
            issued[0] += 1
            return issued[0] - 1

    def run() -> None:
        client = _Client(base)
        try:
            while (number := take()) is not None:
                request = next_request(number)
                began = time.perf_counter()
                try:
                    status, elapsed = client.send(request)
                except OSError:
                    with lock:
                        errors[0] += 1
                    continue
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if number >= warmup:
                        latencies.append(elapsed)
                        window[0] = min(window[0], began)
                        window[1] = max(window[1], time.perf_counter())
                    if status >= 400:
                        errors[0] += 1
        finally:
            client.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Measurement(latencies, max(window[1] - window[0], 0.0), errors[0], statuses)
