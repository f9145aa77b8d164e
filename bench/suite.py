"""The suite's own speed: the default run (``cc-conformance run``, seed 0, its report folder
written to a temporary directory; and with ``--no-reports``)
against the reference in-process and over loopback HTTP, the number of HTTP exchanges it makes
(counted in the transport by ``bench.suite_counted``), and its overhead ratio
``wall / (requests x median single-request latency)``.

The single-request latency is measured through the suite's own transport (``make_target`` and
``send``, the path every check takes): sequential successful token requests after a warm-up,
median of ``Exchange.elapsed_ms``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.peers import TOKEN_BODY
from conformance.request import RawRequest
from conformance.resultdoc import read_results
from conformance.targets import TargetSpec, make_target

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "examples" / "reference.toml"
APP = "reference_impl.asgi:app"
#: --quick runs only these requirements (a smoke run, not a measurement of the suite).
QUICK_REQUIREMENTS = ("RFC6749-2.3.1-basic-supported", "RFC6749-3.2-post-only")


@dataclass
class SuiteRun:
    kind: str  # "in-process" or "loopback HTTP"
    command: str
    exit_status: int
    wall_s: float  # the whole process: interpreter, pytest start-up, collection, run
    run_s: float  # the run as the results record it (duration_s)
    requests: int
    exchange_ms: list[float] = field(default_factory=list, repr=False)
    single_ms: float = 0.0  # median single successful request through the suite transport

    @property
    def exchange_total_s(self) -> float:
        return sum(self.exchange_ms) / 1000

    @property
    def overhead_ratio(self) -> float:
        ideal = self.requests * self.single_ms / 1000
        return self.wall_s / ideal if ideal > 0 else float("nan")


def single_request_ms(spec: TargetSpec, auth: str, n: int = 200, warmup: int = 20) -> float:
    """Median ms of one successful token request through the suite's transport."""
    request = RawRequest(headers=(("Authorization", auth),
                                  ("Content-Type", "application/x-www-form-urlencoded")),
                         body=TOKEN_BODY, label="bench")

    async def go() -> list[float]:
        target = make_target(spec)
        try:
            out = []
            for i in range(warmup + n):
                exchange = await target.send(request)
                if exchange.response.status != 200:
                    raise RuntimeError(f"token request answered {exchange.response.status}")
                if i >= warmup:
                    out.append(exchange.elapsed_ms)
            return out
        finally:
            await target.aclose()

    return statistics.median(asyncio.run(go()))


_PYTEST_SUMMARY = re.compile(r" in ([\d.]+)s\b")


def run_suite(kind: str, target_args: list[str], env: dict[str, str], *, quick: bool = False,
              reports: bool = True) -> SuiteRun:
    """One ``cc-conformance run`` in a fresh interpreter, timed from spawn to exit.

    ``reports``: the default run, writing its report folder (HTML, JSON with curl replays,
    JUnit, Allure, manifest) into a temporary directory; else ``--no-reports`` (and no
    ``--json``), and the run's duration is read from pytest's summary line."""
    with tempfile.TemporaryDirectory() as tmp:
        counts, report_dir = Path(tmp) / "counts.json", Path(tmp) / "reports"
        args = ["run", *target_args, "--profile", str(PROFILE.relative_to(ROOT)),
                "--seed", "0"]
        args += ["--report-dir", str(report_dir)] if reports else ["--no-reports"]
        for rid in QUICK_REQUIREMENTS if quick else ():
            args += ["--requirement", rid]
        cmd = [sys.executable, "-m", "bench.suite_counted", *args]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900,  # noqa: S603
                              env={**os.environ, **env, "CC_BENCH_COUNT_FILE": str(counts)},
                              check=False)
        wall = time.perf_counter() - t0
        console = proc.stdout + proc.stderr
        results = report_dir / "results.json"
        if not counts.exists() or (reports and not results.exists()):
            raise RuntimeError(f"suite run failed (exit {proc.returncode}):\n{console[-2000:]}")
        count = json.loads(counts.read_text(encoding="utf-8"))
        if reports:
            run_s = read_results(results).run.duration_s
        else:
            found = _PYTEST_SUMMARY.findall(console)
            run_s = float(found[-1]) if found else float("nan")
    shown = ["cc-conformance", *args]
    if reports:
        shown[shown.index("--report-dir") + 1] = "TMP"
    return SuiteRun(kind, " ".join(shown), proc.returncode, wall, run_s, int(count["requests"]),
                    [float(x) for x in count["elapsed_ms"]])
