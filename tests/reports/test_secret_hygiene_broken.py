"""The leak audit of broken runs: when a run breaks (the target dies mid-run, times out, resets
connections; a check raises with the credentials in its frame; a fixture breaks in setup or
teardown; a Hypothesis property raises; a hook raises an internal error), nothing the run
writes or prints carries a client secret (raw, form-urlencoded, percent-encoded, as a bytes repr
shows it, inside an HTTP Basic value either way) or an access token the target issued.

Three real runs against loopback servers (tests/hostile/server.py) started and stopped by the
fixture: the CLI (Allure results on, as always with a report folder) against a server that
resets every connection after 20 answers, and ``pytest --pyargs conformance.suite`` with the
options a vendor might add (``--alluredir``, ``--junitxml`` with captured output, ``--tb=long``,
``-l``, ``--full-trace``, ``-rA``, live and file logs) plus the breaking checks of
``tests/reports/breaking_checks.py``, against a server that goes silent after 20 answers (with
an internal error at the end) and one that always answers. Every file written and the console
are scanned, in their raw, HTML/XML-unescaped and JSON-unescaped forms. The last test shows the
scan is not vacuous: the frames held the secret, and the redacted tracebacks are there.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.demo import DEMO_ENV, JWT_PROFILE, REFERENCE_PROFILE, ROOT
from tests.hostile.conftest import FAST
from tests.hostile.server import HostileServer

from .conftest import CLIENT_IDS

BUDGET = "60"
VENDOR_OPTIONS = ["--tb=long", "-l", "--full-trace", "-rA", "-o", "junit_logging=all",
                  "--log-cli-level=INFO", "--log-file-level=DEBUG"]
CC_FAST = ["--cc-connect-timeout", "1", "--cc-read-timeout", "1", "--cc-request-timeout", "2"]
BREAKING = "tests/reports/breaking_checks.py"


@dataclass(frozen=True)
class BrokenRun:
    code: int
    stdout: str
    stderr: str
    out: Path  # everything the run wrote is under here
    tokens: list[str]  # every access token the target issued
    witness: str  # the unredacted traceback of the breaking call check ("" if it did not run)

    def texts(self) -> dict[str, str]:
        found = {str(p.relative_to(self.out)): p.read_bytes().decode("utf-8", errors="replace")
                 for p in sorted(self.out.rglob("*")) if p.is_file()}
        return {**found, "<stdout>": self.stdout, "<stderr>": self.stderr}

    def results(self) -> dict:  # type: ignore[type-arg]
        path = next(self.out.rglob("results.json"))
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def allure(self) -> list[dict]:  # type: ignore[type-arg]
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted(self.out.rglob("*-result.json"))]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, **DEMO_ENV, "CC_TEST_WITNESS": str(tmp / "witness.txt"), **extra}


def _finish(proc: subprocess.CompletedProcess[str], out: Path, tmp: Path,
            server: HostileServer) -> BrokenRun:
    witness = tmp / "witness.txt"
    return BrokenRun(proc.returncode, proc.stdout, proc.stderr, out, list(server.tokens),
                     witness.read_text(encoding="utf-8") if witness.exists() else "")


def cli_run(server: HostileServer, tmp: Path) -> BrokenRun:
    out = tmp / "out"
    cmd = [sys.executable, "-m", "conformance", "run", "--url", server.url, "--profile",
           str(REFERENCE_PROFILE), "--seed", "0", "--examples", "5", "--run-budget", BUDGET,
           *FAST, "--report-dir", str(out / "reports"), "--json", str(out / "results.json")]
    # The timeout is a safety net only; the run bounds itself by --run-budget.
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=300, cwd=ROOT, env=_env(tmp))
    return _finish(proc, out, tmp, server)


def pytest_run(server: HostileServer, tmp: Path, *, internal_error: bool = False) -> BrokenRun:
    out = tmp / "out"
    cmd = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", BREAKING,
           "-p", "tests.reports.breaking_checks", "-p", "no:cacheprovider",
           "--cc-url", server.url, "--cc-profile", str(REFERENCE_PROFILE), "--cc-seed", "0",
           "--cc-examples", "3", "--cc-token-count", "10", "--cc-run-budget", BUDGET, *CC_FAST,
           "--cc-report-dir", str(out / "reports"), "--cc-json", str(out / "results.json"),
           f"--alluredir={out / 'allure-results'}", f"--junitxml={out / 'junit.xml'}",
           f"--log-file={out / 'run.log'}", *VENDOR_OPTIONS]
    env = _env(tmp, CC_TEST_INTERNAL_ERROR="1" if internal_error else "0")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=300, cwd=ROOT, env=env)
    return _finish(proc, out, tmp, server)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, BrokenRun]]:
    servers = {"dies": HostileServer(mode="reset", normal_first=20),
               "silent": HostileServer(mode="silent", normal_first=20),
               "answers": HostileServer(mode="normal", normal_first=10**9)}
    try:
        for srv in servers.values():
            srv.start()
        yield {
            "cli, target dies mid-run (connection resets)":
                cli_run(servers["dies"], tmp_path_factory.mktemp("dies")),
            "pytest, target goes silent mid-run (timeouts), internal error":
                pytest_run(servers["silent"], tmp_path_factory.mktemp("silent"),
                           internal_error=True),
            "pytest, checks break while the target answers":
                pytest_run(servers["answers"], tmp_path_factory.mktemp("answers")),
        }
    finally:
        for srv in servers.values():
            srv.stop()


def forbidden(tokens: list[str]) -> dict[str, str]:
    """What must never be written: each demo secret in every encoding the suite produces, the
    Basic values of each client (form-encoded and raw id:secret), and every issued token."""
    out: dict[str, str] = {}
    for env, secret in DEMO_ENV.items():
        cid = CLIENT_IDS[env]
        out[f"{env} raw"] = secret
        out[f"{env} form-urlencoded"] = quote_plus(secret, safe="")
        out[f"{env} percent-encoded"] = quote(secret, safe="")
        out[f"{env} bytes repr"] = secret.encode().decode("ascii", errors="backslashreplace")
        for how, user, pw in (("raw", cid, secret),
                              ("form", quote_plus(cid, safe=""), quote_plus(secret, safe=""))):
            out[f"{env} Basic ({how})"] = base64.b64encode(f"{user}:{pw}".encode()).decode()
    for i, token in enumerate(tokens):
        out[f"access token #{i}"] = token
    return out


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([\"\\/])")


def views(text: str) -> list[str]:
    """The text as written and as a reader of XML/HTML or JSON would decode it (``&amp;``,
    ``\\u00f6``): a secret escaped by a writer is still a leak."""
    unjson = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2),
                              text)
    return [text, html.unescape(text), unjson, html.unescape(unjson)]


def leaks(run: BrokenRun) -> list[tuple[str, str]]:
    bad = forbidden(run.tokens)
    return [(what, where) for where, text in run.texts().items() for view in views(text)
            for what, value in bad.items() if value in view]


RUNS = ["cli, target dies mid-run (connection resets)",
        "pytest, target goes silent mid-run (timeouts), internal error",
        "pytest, checks break while the target answers"]


def test_the_audited_secrets_are_the_demos() -> None:
    """The audit scans for the secrets ``make demo`` (and ``make sweep``) export and the
    reference profiles read, and for the needs-encoding client every form it scans for is a
    distinct string (raw, form-urlencoded, percent-encoded, bytes repr)."""
    exported: dict[str, dict[str, str]] = {}
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(demo|sweep): export (\w+) = (.*)$", line)
        if m:
            exported.setdefault(m.group(1), {})[m.group(2)] = m.group(3).strip()
    assert exported == {"demo": DEMO_ENV, "sweep": DEMO_ENV}
    profiles = (REFERENCE_PROFILE.read_text(encoding="utf-8")
                + JWT_PROFILE.read_text(encoding="utf-8"))  # make demo's: every method
    assert all(f'secret_env = "{env}"' in profiles for env in DEMO_ENV)
    special = [v for k, v in forbidden([]).items() if k.startswith("CC_SPECIAL_CLIENT_SECRET")]
    assert len(set(special)) == len(special) == 6


@pytest.mark.parametrize("name", RUNS)
def test_no_secret_or_token_in_anything_a_broken_run_writes_or_prints(
        runs: dict[str, BrokenRun], name: str) -> None:
    run = runs[name]
    texts = run.texts()
    assert any(k.endswith("-result.json") for k in texts)  # Allure results were written
    assert sorted(set(leaks(run))) == []


def test_the_scan_is_not_vacuous(runs: dict[str, BrokenRun]) -> None:
    """The broken paths really broke with the credentials in their frames, and the tracebacks,
    messages, captured output, logs and warnings that reached the outputs are there, redacted."""
    secret = DEMO_ENV["CC_DEMO_CLIENT_SECRET"]
    locals_shown = re.compile(r"secret\s+= '\[REDACTED\]'")
    request_shown = re.compile(r"RawRequest\(POST, headers=\[Content-Type, "
                               r"Authorization=<redacted>, Accept\], body=<\d+ bytes redacted>\)")

    # 1. The target died mid-run, as in the report: tokens were issued, then connection errors
    #    tripped the breaker, and Allure has a broken result per check that met it.
    dies = runs[RUNS[0]]
    assert dies.code == 3 and len(dies.tokens) >= 10
    reasons = [f["reason"] for f in dies.results()["findings"] if f["verdict"] == "error"]
    assert any("stopped answering" in r for r in reasons)
    assert sum(r.get("status") == "broken" for r in dies.allure()) >= 5

    # 2. Silent target, then an internal error: the console shows the hook's frame, with its
    #    locals, redacted; the checks that met the silence are errors.
    silent = runs[RUNS[1]]
    console = silent.stdout + silent.stderr
    assert "INTERNALERROR>" in console and "hook broke on" in console
    assert re.search(r"INTERNALERROR> secret\s+= '\[REDACTED\]'", console)
    reasons = [f["reason"] for f in silent.results()["findings"] if f["verdict"] == "error"]
    assert any("read timeout" in r or "stopped answering" in r for r in reasons)

    # 3. Checks broke while the target answered (and issued tokens).
    answers = runs[RUNS[2]]
    assert len(answers.tokens) >= 50
    # The frame of the raising check held the secret, its Basic value and the form body: the
    # unredacted rendering of that very exception (written aside, not scanned) shows them.
    basic = base64.b64encode(f"cc-demo-client:{secret}".encode()).decode()
    assert secret in answers.witness and basic in answers.witness
    assert f"client_secret={secret}" in answers.witness
    texts = answers.texts()
    junit, log = texts["junit.xml"], texts["run.log"]
    console = answers.stdout + answers.stderr
    # the teardown error's full traceback, with locals, in the console, JUnit and Allure
    for where in (console, junit):
        assert locals_shown.search(where) and request_shown.search(html.unescape(where))
    traces = [r.get("statusDetails", {}).get("trace", "") for r in answers.allure()]
    assert any(locals_shown.search(t) and request_shown.search(t) for t in traces)
    # the exception messages (Allure takes them from the exception itself) and reasons
    messages = [r.get("statusDetails", {}).get("message", "") for r in answers.allure()]
    assert any("unexpected body grant_type=client_credentials" in m
               and "client_secret=[REDACTED]" in m for m in messages)
    reasons = [f["reason"] for f in answers.results()["findings"]]
    for broke in ("KeyError: 'unexpected body", "RuntimeError: setup broke on",
                  "ValueError: property broke on"):
        assert any(broke in r and "[REDACTED]" in r for r in reasons), broke
    # captured output, log records (live, file, captured) and the warning, redacted
    logged = "sending grant_type=client_credentials&client_id=cc-demo-client&client_secret=" \
             "[REDACTED] with Basic [REDACTED]"
    assert logged in console and logged in log and logged in html.unescape(junit)
    assert "about to break on grant_type=" in console
