"""Load on ``concord serve``: start it on loopback, drive it with concurrent clients, stop it.

Clients only ever talk to 127.0.0.1, each request loop is bounded in count and time, and
the server is a child process this module started and stops by its own pid.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from measure import concord_command, percentile

_URL = re.compile(r"serving .* on (http://127\.0\.0\.1:(\d+))/")


class Server:
    """A ``concord serve`` child process on a free loopback port."""

    def __init__(self, index: Path, *, workers: int = 8, log: Path, timeout: float = 60,
                 extra_args: Sequence[str] = ()):
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [*concord_command(), "serve", "--index", str(index), "--host", "127.0.0.1",
             "--port", "0", "--workers", str(workers), *extra_args],
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        self.port = 0
        while time.monotonic() < deadline:
            match = _URL.search(log.read_text("utf-8", errors="replace"))
            if match:
                self.port = int(match[2])
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.port:
            self.stop()
            raise RuntimeError(f"concord serve did not start: {log.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def get(self, path: str, timeout: float = 60) -> tuple[int, float, int]:
        """GET ``path``: (status, seconds, body bytes)."""
        return get(self.port, path, timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def get(port: int, path: str, timeout: float = 60) -> tuple[int, float, int]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, len(body)
    finally:
        conn.close()


def kwic_path(query: str) -> str:
    return "/kwic?" + urllib.parse.urlencode({"q": query})


def whole_corpus_years(n: int) -> str:
    """A year filter that keeps every document but differs for each request number."""
    return f"&year={1000 + n % 500}-{2100 + n // 500}"


@dataclass(frozen=True)
class LoadResult:
    """Latencies of a load run."""

    requests: int
    errors: int
    seconds: float
    latencies: tuple[float, ...]
    error_samples: tuple[str, ...]

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    @property
    def worst(self) -> float:
        return max(self.latencies) if self.latencies else float("nan")


def load(port: int, paths: Sequence[str], *, clients: int = 8, seconds: float = 20,
         until: Callable[[], bool] | None = None, max_requests: int = 20_000,
         vary: Callable[[int], str] | None = None) -> LoadResult:
    """Run ``clients`` closed-loop clients over ``paths`` for ``seconds`` (or until ``until()``).

    ``vary(n)`` is appended to the n-th request's path: a parameter that changes the
    question but not the work (such as a year range covering the whole corpus) defeats the
    server's result cache. Every non-200 answer and every failed connection is an error.
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    budget = [max_requests]

    def done() -> bool:
        if time.monotonic() > stop_at:
            return True
        return until is not None and until()

    def client(number: int) -> None:
        i = number
        while not done():
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                number = budget[0]
            path = paths[i % len(paths)]
            i += 1
            if vary is not None:
                path += vary(number)
            try:
                status, took, _size = get(port, path)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(took)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, stop_at - time.monotonic()) + 120)
    return LoadResult(requests=len(latencies) + sum(1 for e in errors if "HTTP" not in e),
                      errors=len(errors), seconds=time.monotonic() - started,
                      latencies=tuple(latencies), error_samples=tuple(errors[:5]))
