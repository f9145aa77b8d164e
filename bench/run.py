"""``make bench``: measure and write ``docs/benchmarks.md``.

    python -m bench.run [--quick] [--out FILE] [--requests N] [--concurrency C]

1. in-process cost of one successful token request, per server (``bench.inprocess``);
2. HTTP throughput and p50/p99 latency of each server under uvicorn on 127.0.0.1, with a fixed
   request count and concurrency after an excluded warm-up (``bench.serve``, ``bench.loadgen``);
3. the suite's own speed and overhead ratio (``bench.suite``);
4. what the installed but inactive pytest plugin costs an unrelated pytest run
   (``bench.plugin_import``).

Peers whose library is not installed are listed as skipped, never a failure. ``--quick`` uses
tiny counts and a two-requirement suite run (a smoke run; its numbers mean nothing) and writes
``reports/benchmarks-quick.md`` unless ``--out`` is given. Every server is started and stopped
here (``interop.servers.running``); nothing is left running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench import loadgen
from bench.inprocess import Timing, measure
from bench.peers import CLIENT_ID, PEERS, TOKEN_BODY, by_name
from bench.plugin_import import measure as plugin_cost
from bench.serve import UVICORN_SETTINGS, served
from bench.suite import APP, SuiteRun, run_suite, single_request_ms
from conformance.targets import TargetSpec
from interop.run import secret_env
from interop.servers import ROOT, ServerError, ServerSpec

FAST_APP = "bench.fast_reference:app"


@dataclass
class Settings:
    quick: bool
    requests: int
    concurrency: int
    warmup_requests: int
    inproc_n: int
    inproc_repeats: int
    single_n: int
    generator: str


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(int(line.split()[1]) for line in
                       Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal:"))
        mem = f"{mem_kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
                                cwd=ROOT, capture_output=True, text=True, check=False,
                                timeout=10).stdout.strip()
    except OSError:
        commit = "unknown"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "memory": mem,
            "os": platform.platform(), "python": platform.python_version(),
            "commit": commit or "unknown"}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def versions() -> dict[str, str]:
    out = {d: _version(d) for d in ("cc-conformance", "oauthlib", "Authlib", "Flask",
                                    "aioauth", "uvicorn", "h11", "httpx", "pytest",
                                    "hypothesis")}
    out["hey"] = loadgen.hey_version() if loadgen.hey_path() else "not installed"
    return out


def inprocess_rows(s: Settings, auth: str) -> list[tuple[ServerSpec, dict[str, Timing | None]]]:
    rows = []
    for peer in PEERS:
        if not peer.available():
            rows.append((peer, {"endpoint": None, "app": None}))
            log(f"in-process: {peer.label} not installed, skipped")
            continue
        got: dict[str, Timing | None] = {}
        for level in ("endpoint", "app"):
            got[level] = measure(peer, level, auth, n=s.inproc_n, repeats=s.inproc_repeats,
                                 warmup=min(200, s.inproc_n))
            log(f"in-process: {peer.label} {level}: {got[level].us_per_request:.1f} us")
        rows.append((peer, got))
    return rows


def http_rows(s: Settings, auth: str,
              env: dict[str, str]) -> list[tuple[ServerSpec, loadgen.LoadResult | None, str]]:
    rows: list[tuple[ServerSpec, loadgen.LoadResult | None, str]] = []
    for peer in PEERS:
        if not peer.available():
            rows.append((peer, None, "not installed, skipped"))
            continue
        try:
            with served(peer, env) as url:
                loadgen.load(url, auth, TOKEN_BODY, s.warmup_requests, s.concurrency,
                             s.generator)
                result = loadgen.load(url, auth, TOKEN_BODY, s.requests, s.concurrency,
                                      s.generator)
        except (ServerError, RuntimeError) as exc:
            rows.append((peer, None, f"failed: {str(exc)[:200]}"))
            log(f"http: {peer.label}: {exc}")
            continue
        note = "" if result.ok else f"not all 200: {dict(result.statuses)}, errors {result.errors}"
        rows.append((peer, result, note))
        log(f"http: {peer.label}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms {note}")
    return rows


#: (label, reports written, cheap-hash reference)
SUITE_VARIANTS = ((" (default: reports written)", True, False), (", --no-reports", False, False),
                  (", --no-reports, PBKDF2-10 registry", False, True))


def suite_rows(s: Settings, auth: str, env: dict[str, str]) -> list[SuiteRun]:
    runs = []
    for label, reports, fast in SUITE_VARIANTS:
        app = FAST_APP if fast else APP
        run = run_suite("in-process" + label, ["--app", app], env, quick=s.quick,
                        reports=reports)
        run.single_ms = single_request_ms(TargetSpec("app", app), auth, n=s.single_n)
        runs.append(run)
        log(f"suite {run.kind}: {run.wall_s:.2f} s, {run.requests} requests")
    for label, reports, fast in SUITE_VARIANTS:
        name = "reference-fasthash" if fast else "reference"
        with served(by_name(name), env) as url:
            run = run_suite("loopback HTTP" + label, ["--url", url], env, quick=s.quick,
                            reports=reports)
            run.command = run.command.replace(url, "http://127.0.0.1:PORT/token")
            run.single_ms = single_request_ms(TargetSpec("url", url), auth, n=s.single_n)
        runs.append(run)
        log(f"suite {run.kind}: {run.wall_s:.2f} s, {run.requests} requests")
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny counts (smoke run)")
    p.add_argument("--out", help="Markdown output (default docs/benchmarks.md; "
                   "reports/benchmarks-quick.md with --quick)")
    p.add_argument("--requests", type=int, help="HTTP requests per server (default 20000)")
    p.add_argument("--concurrency", type=int, help="concurrent connections (default 50)")
    p.add_argument("--generator", choices=["auto", "hey", "raw"], default="auto",
                   help="load generator (auto: hey when installed, else the raw asyncio one)")
    args = p.parse_args(argv)
    q = args.quick
    s = Settings(quick=q, requests=args.requests or (300 if q else 20_000),
                 concurrency=args.concurrency or (10 if q else 50),
                 warmup_requests=50 if q else 2_000, inproc_n=50 if q else 2_000,
                 inproc_repeats=3 if q else 7, single_n=20 if q else 200,
                 generator=args.generator)
    out = Path(args.out) if args.out else ROOT / ("reports/benchmarks-quick.md" if q
                                                  else "docs/benchmarks.md")
    env = secret_env()
    os.environ.update(env)  # the in-process peers read the fixture secrets from here
    auth = loadgen.basic_auth(CLIENT_ID, env["CC_DEMO_CLIENT_SECRET"])
    started = dt.datetime.now(dt.UTC)
    load_before = load_average()
    t0 = time.monotonic()
    inproc = inprocess_rows(s, auth)
    http = http_rows(s, auth, env)
    suite = suite_rows(s, auth, env)
    log("the inactive plugin's cost (bench.plugin_import)")
    plugin = plugin_cost(runs=3 if q else 15)
    elapsed = time.monotonic() - t0
    from bench.report import render

    text = render(settings=s, machine=machine(), versions=versions(), started=started,
                  load_before=load_before, load_after=load_average(), elapsed_s=elapsed,
                  inproc=inproc, http=http, suite=suite, uvicorn=UVICORN_SETTINGS,
                  generator=http_generator(http), plugin=plugin)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"wrote {out} in {elapsed:.0f} s")
    return 0


def http_generator(rows: list[tuple[ServerSpec, loadgen.LoadResult | None, str]]) -> str:
    for _, result, _ in rows:
        if result is not None:
            return result.generator
    return "none"


if __name__ == "__main__":
    sys.exit(main())
