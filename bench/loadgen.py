"""Bounded HTTP load: exactly ``requests`` token requests at ``concurrency`` connections.

Two generators, the same request (``POST`` with HTTP Basic, a form body, keep-alive):

- ``hey`` (Go, Debian package ``hey``) when it is on ``PATH``: it uses its own cores' worth of
  goroutines, so on a small machine it costs the server far less CPU than a Python client;
- otherwise :func:`raw_load`, an asyncio HTTP/1.1 keep-alive client on raw sockets (no HTTP
  library: one pre-built request, the response framed by ``Content-Length``).

Both stop by themselves after the fixed count; latency is per request, send to last byte.
"""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlsplit


@dataclass
class LoadResult:
    generator: str
    requests: int
    concurrency: int
    wall_s: float
    statuses: Counter[int] = field(default_factory=Counter)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.statuses.get(200, 0) == self.requests


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: form-encode both parts, then RFC 7617 Basic."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def hey_path() -> str | None:
    return shutil.which("hey")


def hey_version() -> str:
    """hey has no --version; the Debian package version if dpkg knows it."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "hey"],  # noqa: S607
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


_HEY_STATUS = re.compile(r"^\s*\[(\d{3})\]\s+(\d+) responses", re.M)
_HEY_PCT = re.compile(r"^\s*(\d+)%+ in ([\d.]+) secs", re.M)
_HEY_TOTAL = re.compile(r"^\s*Total:\s+([\d.]+) secs", re.M)
_HEY_SLOWEST = re.compile(r"^\s*Slowest:\s+([\d.]+) secs", re.M)
_HEY_ERRORS = re.compile(r"^\s*\[(\d+)\]\s+", re.M)


def hey_load(url: str, auth: str, body: bytes, requests: int, concurrency: int,
             timeout_s: int = 30) -> LoadResult:
    """Run ``hey -n requests -c concurrency`` (keep-alive) and parse its summary."""
    exe = hey_path()
    if exe is None:
        raise RuntimeError("hey is not installed")
    cmd = [exe, "-n", str(requests), "-c", str(concurrency), "-t", str(timeout_s),
           "-m", "POST", "-T", "application/x-www-form-urlencoded", "-H",
           f"Authorization: {auth}", "-d", body.decode("ascii"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False,  # noqa: S603
                         timeout=600).stdout
    statuses: Counter[int] = Counter({int(c): int(n) for c, n in _HEY_STATUS.findall(out)})
    pct = {int(p): float(s) * 1000 for p, s in _HEY_PCT.findall(out)}
    total = _HEY_TOTAL.search(out)
    slowest = _HEY_SLOWEST.search(out)
    if 99 not in pct and slowest is not None:
        pct[99] = float(slowest.group(1)) * 1000  # hey omits p99 for tiny runs: the maximum
    if total is None or 50 not in pct or 99 not in pct:
        raise RuntimeError(f"cannot parse hey's output:\n{out[-1500:]}")
    errors_section = out.split("Error distribution:", 1)
    errors = sum(int(n) for n in _HEY_ERRORS.findall(errors_section[1])) \
        if len(errors_section) == 2 else 0
    return LoadResult("hey", requests, concurrency, float(total.group(1)), statuses,
                      pct[50], pct[99], errors)


def _request_bytes(url: str, auth: str, body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return host, port, head.encode("latin-1") + body


async def _raw_worker(host: str, port: int, payload: bytes, budget: list[int],
                      latencies: list[float], statuses: Counter[int]) -> int:
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget[0] > 0:
            budget[0] -= 1
            t0 = time.perf_counter()
            try:
                writer.write(payload)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[status] += 1
    finally:
        writer.close()
    return errors


async def _raw_load(url: str, auth: str, body: bytes, requests: int,
                    concurrency: int) -> LoadResult:
    host, port, payload = _request_bytes(url, auth, body)
    budget = [requests]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    t0 = time.perf_counter()
    errors = await asyncio.gather(*(_raw_worker(host, port, payload, budget, latencies, statuses)
                                    for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return LoadResult("python-raw-asyncio", requests, concurrency, wall, statuses,
                      q[49] * 1000, q[98] * 1000, sum(errors))


def raw_load(url: str, auth: str, body: bytes, requests: int, concurrency: int) -> LoadResult:
    """The fallback generator: asyncio raw-socket HTTP/1.1 keep-alive client."""
    return asyncio.run(_raw_load(url, auth, body, requests, concurrency))


def load(url: str, auth: str, body: bytes, requests: int, concurrency: int,
         generator: str = "auto") -> LoadResult:
    """``generator``: ``hey``, ``raw`` or ``auto`` (hey when installed)."""
    if generator == "hey" or (generator == "auto" and hey_path() is not None):
        return hey_load(url, auth, body, requests, concurrency)
    return raw_load(url, auth, body, requests, concurrency)
