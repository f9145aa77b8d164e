"""The suite against hostile targets: every behaviour ends as a clear per-check ``error`` or
``fail`` (or exit 3 when the target is gone), within the run budget, with no traceback, no
Python warning and no secret on the console or in the JSON results.

Each test runs the real CLI in a subprocess against a loopback server from
``tests.hostile.server`` with 1 s connect/read timeouts, a 2 s request deadline and a 30 s run
budget. Wall times are appended to $CC_HOSTILE_DURATIONS when set (the closing note's numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import Run
from .server import HostileServer

Make = Callable[..., HostileServer]
Cli = Callable[..., Run]
UNREACHABLE, FAILED = 3, 1


def errors_all_say(run: Run, text: str) -> None:
    errors = run.findings("error")
    assert errors, "expected per-check errors"
    assert all(text in f["reason"] for f in errors), {f["reason"] for f in errors}


def test_trickling_server_hits_the_request_deadline(hostile: Make, cli: Cli) -> None:
    """One byte every 0.2 s never trips the 1 s read timeout; the 2 s deadline does, and three
    in a row mean the target stopped answering: the rest fail fast."""
    srv = hostile("trickle")
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == UNREACHABLE
    reasons = set(run.reasons())
    assert any("within the 2s request timeout" in r for r in reasons)
    assert any(r.startswith("target error: target stopped answering") for r in reasons)
    assert any("stopped answering" in n for n in run.doc["run"]["notes"])


@pytest.mark.parametrize(("mode", "reason"), [
    ("endless_chunked", "response body exceeds the 4 MiB cap; stopped reading"),
    ("huge", "response body exceeds the 4 MiB cap; stopped reading"),
    ("huge_declared", "response declares Content-Length 1073741824, over the 4 MiB cap"),
    ("gzip_bomb", "gzip-encoded response body expands past the 4 MiB cap"),
])
def test_oversized_bodies_are_capped(hostile: Make, cli: Cli, mode: str, reason: str) -> None:
    """An endless chunked body, 6 MiB read-to-close, a declared 1 GiB and 64 MiB of gzip'd
    zeros: each stops at the 4 MiB cap, and every check that met it is an error saying so."""
    srv = hostile(mode)
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == FAILED
    errors_all_say(run, reason)
    assert run.verdict("RFC6749-5.1-status-200") == "error"


def test_malformed_json_echoing_credentials_fails_without_leaking(hostile: Make,
                                                                   cli: Cli) -> None:
    """200 application/json whose body is broken JSON quoting the request (Authorization
    header and form body included): §5.1 JSON fails; the echoed secret is never shown."""
    srv = hostile("malformed_json")
    run = cli(srv.url)
    run.assert_clean()  # includes: no secret in console or JSON
    assert run.code == FAILED
    assert run.verdict("RFC6749-5.1-json") == "fail"
    echoed = [f["exchanges"][-1]["response"]["body"] for f in run.findings("fail")
              if f["exchanges"]]
    assert any("Authorization: Basic [REDACTED]" in body for body in echoed), \
        "the echo reached the results, so redaction was really exercised"


def test_wrong_content_type_fails(hostile: Make, cli: Cli) -> None:
    srv = hostile("wrong_content_type")
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == FAILED
    assert run.verdict("RFC6749-5.1-json") == "fail"
    json_fails = [f for f in run.findings("fail") if f["requirement"] == "RFC6749-5.1-json"]
    assert any("text/html" in f["observed"] for f in json_fails)


def test_redirect_is_a_finding_and_credentials_stay_put(hostile: Make, cli: Cli) -> None:
    """Every token request after the preflight gets 307 to another loopback server. The suite
    does not follow: that server records no request at all (so no credential reached it)."""
    elsewhere = hostile("normal", normal_first=10**9)
    srv = hostile("redirect", redirect_to=elsewhere.url)
    run = cli(srv.url)
    run.assert_clean()
    assert elsewhere.requests == []
    assert run.code == FAILED
    assert run.verdict("RFC6749-5.1-no-redirect") == "warn"
    assert run.verdict("RFC6749-4.4.3-token-issued") == "fail"
    finding = next(f for f in run.findings("warn") if f["requirement"] == "RFC6749-5.1-no-redirect")
    assert "not followed" in finding["observed"] and elsewhere.url in finding["observed"]


def test_non_http_peer_is_unreachable(hostile: Make, cli: Cli) -> None:
    """Random bytes instead of HTTP, from the first request: the preflight says so, exit 3."""
    srv = hostile("non_http", normal_first=0)
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == UNREACHABLE
    errors_all_say(run, "did not answer with valid HTTP")
    assert len(srv.requests) == 1  # nothing after the failed preflight


def test_connection_reset(hostile: Make, cli: Cli) -> None:
    """RST right after reading each request: connection errors, then stopped answering."""
    srv = hostile("reset")
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == UNREACHABLE
    reasons = set(run.reasons())
    assert any("connection to http://127.0.0.1" in r and "failed" in r for r in reasons)
    assert any("stopped answering" in r for r in reasons)


def test_accept_then_silence_is_a_read_timeout(hostile: Make, cli: Cli) -> None:
    srv = hostile("silent")
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == UNREACHABLE
    assert any("read timeout (1s) waiting for data" in r for r in run.reasons())


def test_server_that_stops_answering_mid_run(hostile: Make, cli: Cli) -> None:
    """Answers 20 requests, then accepts and never answers: the early checks have verdicts,
    the later ones are errors saying the target stopped answering, exit 3."""
    srv = hostile("silent", normal_first=20)
    run = cli(srv.url)
    run.assert_clean()
    assert run.code == UNREACHABLE
    judged = {f["verdict"] for f in run.findings()} - {"error", "not_applicable"}
    assert judged, "checks before the stop were judged"
    assert any(r.startswith("target error: target stopped answering") for r in run.reasons())


def test_run_budget_ends_a_slow_run(hostile: Make, cli: Cli) -> None:
    """Correct answers, 0.1 s each (~17 s for the suite), with a 4 s budget: the run stops,
    what ran is judged, the rest are 'run budget exhausted' errors, exit 3."""
    srv = hostile("slow", normal_first=0)
    run = cli(srv.url, budget=4)
    run.assert_clean()
    # The fake server is not conformant, so the checks that ran found real failures: a fail
    # outranks the cut-short run (exit 1); with no fail it would be exit 3.
    assert run.code == FAILED
    assert any(f["verdict"] == "fail" for f in run.findings())
    judged = {f["verdict"] for f in run.findings()} - {"error", "not_applicable"}
    assert judged, "the checks that ran before the budget ran out were judged"
    budget = [f for f in run.findings("error") if "run budget exhausted" in f["reason"]]
    assert budget
    assert any(n.startswith("run budget exhausted") for n in run.doc["run"]["notes"])
    outcomes = {t["outcome"] for t in run.doc["tests"]}
    assert "failed" in outcomes  # budget errors are reported per test, nothing silently dropped
