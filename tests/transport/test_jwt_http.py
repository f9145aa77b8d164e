"""JWT client assertions over loopback HTTP (issue 12): the served reference accepts the
suite's private_key_jwt and client_secret_jwt assertions addressed to the URL it is served on
(the audience a real client would use), and refuses every broken one, as in-process."""

from __future__ import annotations

from conformance.exitstatus import ExitStatus
from conformance.results import Verdict
from conformance.runner import run_suite
from tests.demo import DEMO_ENV
from tests.machinery.test_jwt_runs import JWT_IDS, profile_with_first

from .conftest import Served


def test_jwt_methods_over_loopback_http(reference_server: Served, tmp_path: object) -> None:
    profile = profile_with_first("private_key_jwt", tmp_path)  # type: ignore[arg-type]
    res = run_suite(reference_server.token_url, profile, environ=DEMO_ENV, seed=5,
                    select_requirements=JWT_IDS)
    bad = {k: (v.verdict.value, v.reason) for k, v in res.requirements.items()
           if v.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)}
    assert res.exit_status == ExitStatus.OK, bad
    assert {rid: res.verdict(rid) for rid in JWT_IDS} == dict.fromkeys(JWT_IDS, Verdict.PASS)
    sent = [ex.request.url for f in res.findings for ex in f.exchanges]
    assert sent and all(u.startswith(reference_server.token_url) for u in sent)
