"""Issue 3: the whole suite passes against the reference over loopback HTTP (uvicorn, started
and stopped by a fixture), and the app target drives a WSGI app as well as an ASGI one.

(A URL where nothing listens -> exit status 3 is already covered by
tests/machinery/test_runs.py::test_unreachable_url_exits_3.)
"""

from __future__ import annotations

from functools import cache

import pytest

from conformance.exitstatus import ExitStatus
from conformance.results import RunResults, Verdict
from conformance.runner import run_suite
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

from .conftest import Served
from .wsgi_reference import ReferenceWSGI

BAD = (Verdict.FAIL, Verdict.ERROR)


@cache
def in_process_run() -> RunResults:
    return run_suite(create_app(), REFERENCE_PROFILE, environ=DEMO_ENV, seed=0)


def test_full_suite_passes_over_loopback_http(reference_server: Served) -> None:
    res = run_suite(reference_server.token_url, REFERENCE_PROFILE, environ=DEMO_ENV, seed=0)
    bad = {rid: (r.verdict.value, r.reason) for rid, r in res.requirements.items()
           if r.verdict in (*BAD, Verdict.WARN)}
    assert res.exit_status == ExitStatus.OK, bad
    assert not bad
    assert res.target_kind == "url" and res.target_location == reference_server.token_url
    assert res.selected_requirements is None
    # The exchanges really crossed HTTP to this uvicorn: URL and uvicorn's own headers.
    exchanges = [ex for f in res.findings for ex in f.exchanges]
    assert len(exchanges) > 50
    # every exchange went to this server: its token endpoint, or its RFC 8414 metadata
    assert all(ex.request.url.startswith(reference_server.base_url + "/") for ex in exchanges)
    assert any(ex.request.url.startswith(reference_server.token_url) for ex in exchanges)
    assert all(ex.response.header("server") == "uvicorn" for ex in exchanges)
    # Loopback plain HTTP: TLS cannot be judged, so it is not_applicable, never a pass.
    assert res.verdict("RFC6749-3.2-tls") == Verdict.NOT_APPLICABLE
    # Transport-independent verdicts: whatever passes in-process passes over HTTP too.
    ref = in_process_run()
    assert ref.exit_status == ExitStatus.OK
    passed_in_process = {rid for rid, r in ref.requirements.items() if r.verdict == Verdict.PASS}
    passed_http = {rid for rid, r in res.requirements.items() if r.verdict == Verdict.PASS}
    assert passed_in_process and passed_in_process <= passed_http, \
        passed_in_process - passed_http


WSGI_SELECTION = [
    "RFC6749-4.4.3-token-issued", "RFC6749-5.1-no-store", "RFC6749-5.1-pragma",
    "RFC6749-5.2-invalid-client-401", "RFC6749-2.3.1-basic-form-encoding",
    "RFC6749-3.2-no-repeated-params", "RFC6749-3.2-post-only",
]


def test_app_target_drives_a_wsgi_app() -> None:
    app = ReferenceWSGI()
    res = run_suite(app, REFERENCE_PROFILE, select_requirements=WSGI_SELECTION,
                    environ=DEMO_ENV, seed=0)
    assert res.exit_status == ExitStatus.OK, res.failed()
    assert res.target_kind == "app"
    for rid in WSGI_SELECTION:
        assert res.verdict(rid) == Verdict.PASS, (rid, res.requirements[rid].reason)
    sent = {id(ex) for f in res.findings for ex in f.exchanges}
    assert app.calls >= len(sent) > 0  # every judged exchange went through the WSGI callable


@pytest.mark.parametrize("header, rid", [("Cache-Control", "RFC6749-5.1-no-store"),
                                         ("Pragma", "RFC6749-5.1-pragma")])
def test_wsgi_verdicts_come_from_the_wsgi_responses(header: str, rid: str) -> None:
    app = ReferenceWSGI(drop_headers=[header])
    res = run_suite(app, REFERENCE_PROFILE, select_requirements=[rid], environ=DEMO_ENV, seed=0)
    assert app.calls > 0
    assert res.verdict(rid) == Verdict.FAIL
    assert res.exit_status == ExitStatus.FAILED
