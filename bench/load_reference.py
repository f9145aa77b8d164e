"""Bounded load on the reference implementation over loopback.

Serves the reference as every benchmarked server is (``bench.serve``: uvicorn on 127.0.0.1, an
ephemeral port, its own process),
sends N token requests at C concurrent with the demo client's Basic credentials, stops the
server and prints: status counts, 5xx, duplicate tokens, server RSS before/after (from
/proc/<pid>/status), requests/s, p50/p99 latency. Bounded: it sends exactly N requests and
stops by itself. The secret is printed nowhere.

    .venv/bin/python -m bench.load_reference [--requests 20000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.peers import REFERENCE
from bench.serve import served_process
from interop.run import secret_env

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "cc-demo-client"
SECRET = "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw"  # noqa: S105 - the README's public demo fixture


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


async def load(url: str, n: int, concurrency: int) -> tuple[Counter[int], list[float],
                                                              list[str], float]:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    tokens: list[str] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits, auth=(CLIENT_ID, SECRET)) as client:

        async def worker() -> None:
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.post(url, data={"grant_type": "client_credentials"})
                except httpx.HTTPError as exc:
                    statuses[-1] += 1
                    print(f"transport error: {type(exc).__name__}", file=sys.stderr)
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    tokens.append(r.json()["access_token"])

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return statuses, latencies, tokens, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    with served_process(REFERENCE, secret_env()) as (url, proc):
        # warm-up: the first request pays the scrypt verification; the registry caches it
        asyncio.run(load(url, 50, 5))
        rss_before = rss_kib(proc.pid)
        statuses, lat, tokens, wall = asyncio.run(load(url, args.requests, args.concurrency))
        rss_after = rss_kib(proc.pid)
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    five = sum(v for k, v in statuses.items() if 500 <= k < 600)
    dups = len(tokens) - len(set(tokens))
    rows = [
        ("requests", f"{args.requests}"),
        ("concurrency", f"{args.concurrency}"),
        ("statuses", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))),
        ("5xx", f"{five}"),
        ("tokens issued / duplicates", f"{len(tokens)} / {dups}"),
        ("wall time", f"{wall:.2f} s"),
        ("requests/s", f"{args.requests / wall:.0f}"),
        ("latency p50 / p99", f"{q[49] * 1000:.1f} ms / {q[98] * 1000:.1f} ms"),
        ("server RSS before / after", f"{rss_before / 1024:.1f} MiB / {rss_after / 1024:.1f} MiB"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0 if five == 0 and dups == 0 and statuses.get(200) == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
