"""Fixtures of the hostile-target tests: hostile loopback servers (started and stopped here)
and a CLI runner that returns exit status, JSON results, console text and wall time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT

from .server import HostileServer

#: small transport limits for the hostile runs; every run is bounded by BUDGET
FAST = ["--connect-timeout", "1", "--read-timeout", "1", "--request-timeout", "2"]
BUDGET = 30.0
#: what must never reach the console: tracebacks, Python warnings, asyncio's leak reports
NOISE = re.compile(r"Traceback|\b\w*Warning\b|warnings summary|Exception ignored|"
                   r"Task was destroyed|never retrieved|Unclosed")
DURATIONS = Path(os.environ.get("CC_HOSTILE_DURATIONS", "/dev/null"))


def leaked_secrets(text: str) -> list[str]:
    """The demo secrets, in every encoding the suite sends them, found in ``text``."""
    import base64
    from urllib.parse import quote, quote_plus

    found = []
    for cid, var in (("cc-demo-client", "CC_DEMO_CLIENT_SECRET"),
                     ("cc:special client/ü", "CC_SPECIAL_CLIENT_SECRET"),
                     ("cc-code-only-client", "CC_CODE_ONLY_CLIENT_SECRET")):
        secret = DEMO_ENV[var]
        forms = {secret, quote_plus(secret, safe=""), quote(secret, safe="")}
        for user, pw in ((quote_plus(cid, safe=""), quote_plus(secret, safe="")), (cid, secret)):
            forms.add(base64.b64encode(f"{user}:{pw}".encode()).decode())
        found += [f for f in forms if f in text]
    return found


@dataclass
class Run:
    code: int
    doc: dict  # type: ignore[type-arg]
    console: str
    seconds: float

    def findings(self, verdict: str | None = None) -> list[dict]:  # type: ignore[type-arg]
        return [f for f in self.doc.get("findings", [])
                if verdict is None or f["verdict"] == verdict]

    def verdict(self, rid: str) -> str:
        return next(r["verdict"] for r in self.doc["requirements"] if r["id"] == rid)

    def reasons(self) -> list[str]:
        return [f["reason"] for f in self.findings() if f["verdict"] in ("error", "fail")]

    def assert_clean(self) -> None:
        """No traceback or warning on the console, no secret anywhere, one-line reasons."""
        noise = NOISE.findall(self.console)
        assert noise == [], f"console noise {noise}:\n{self.console[-3000:]}"
        raw = json.dumps(self.doc, ensure_ascii=False)
        assert leaked_secrets(self.console) == []
        assert leaked_secrets(raw) == []
        for f in self.findings():
            if f["verdict"] in ("error", "fail"):
                assert f["reason"] or f["observed"], f
                assert "\n" not in f["reason"], f["reason"]


def run_cli(target: str, *extra: str, budget: float = BUDGET, tmp: Path,
            profile: Path = REFERENCE_PROFILE) -> Run:
    out = tmp / f"results-{time.monotonic_ns()}.json"
    cmd = [sys.executable, "-m", "conformance", "run", "--url", target, "--profile", str(profile),
           "--seed", "0", "--examples", "5", "--json", str(out), "--run-budget", str(budget),
           *FAST, *extra]
    t0 = time.monotonic()
    # The timeout is a safety net only (a hang would fail here, not block CI); the run bounds
    # itself by --run-budget.
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=budget + 60, cwd=ROOT, env={**os.environ, **DEMO_ENV})
    seconds = time.monotonic() - t0
    doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    with DURATIONS.open("a") as fh:
        fh.write(f"{seconds:.2f}\t{' '.join(extra)}\t{target}\n")
    return Run(proc.returncode, doc, proc.stdout + proc.stderr, seconds)


Cli = Callable[..., Run]


@pytest.fixture
def hostile() -> Iterator[Callable[..., HostileServer]]:
    started: list[HostileServer] = []

    def make(mode: str, *, normal_first: int = 1, redirect_to: str = "") -> HostileServer:
        srv = HostileServer(mode=mode, normal_first=normal_first, redirect_to=redirect_to)
        started.append(srv.start())
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Run]:
    def go(target: str, *extra: str, budget: float = BUDGET) -> Run:
        return run_cli(target, *extra, budget=budget, tmp=tmp_path)

    return go
