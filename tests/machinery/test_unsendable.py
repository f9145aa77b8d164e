"""A request the suite cannot put on the wire is the suite's problem, never the target's.

Inside a Hypothesis property it is rejected (another example is drawn, no verdict); outside one
it is a test error labelled "suite limitation", never "target error", never counted by the
"stopped answering" breaker, never quoting the refused value. And the default suite's
generators do not draw such requests at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

import conformance.harness as harness
from conformance.harness import CheckContext, ConformanceSession, PropertyViolation
from conformance.options import RunOptions
from conformance.profile import load_profile
from conformance.redact import Redactor
from conformance.request import RawRequest, UnsendableRequest, unsendable_reason
from conformance.results import Verdict
from conformance.runner import run_suite
from conformance.targets import TargetSpec
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

SECRETISH = "s3cr3t-looking-value"


@dataclass
class _Item:
    nodeid: str = "tests/machinery/test_unsendable.py::property"


@pytest.fixture
def session() -> Iterator[ConformanceSession]:
    profile = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV,
                           overrides={"app": "injected:target"})
    s = ConformanceSession(RunOptions(target=TargetSpec("app", create_app()), profile=profile,
                                      seed=0, examples=20))
    s.start()
    try:
        yield s
    finally:
        s.close()


def test_unsendable_examples_of_a_property_are_rejected(session: ConformanceSession) -> None:
    cc = CheckContext(session, _Item(), ["RFC6749-3.2.1-client-auth-required"])  # type: ignore[arg-type]

    @harness.hypothesis_settings(cc.examples)
    @given(auth=st.sampled_from(["Basic ", f"Basic {SECRETISH} ", "Basic Og==", "Basic x"]))
    def prop(auth: str) -> None:
        ex = cc.send(RawRequest(headers=(("Authorization", auth),),
                                body=b"grant_type=client_credentials"))
        rec = cc.example_recorder()
        rec.check("RFC6749-3.2.1-client-auth-required", 400 <= ex.response.status < 500,
                  expected="4xx", observed=str(ex.response.status), reason="not refused",
                  exchanges=[ex])
        if rec.failed:
            raise PropertyViolation(rec)

    cc.run_property(prop, passed="refused")
    assert session.unsendable_rejected > 0  # the unsendable draws were rejected ...
    verdicts = {f.verdict for f in cc.rec.findings}
    assert verdicts == {Verdict.PASS}, cc.rec.findings  # ... and judged nothing
    assert session.stopped_answering is None


def test_unsendable_request_outside_a_property_raises(session: ConformanceSession) -> None:
    cc = CheckContext(session, _Item(), [])  # type: ignore[arg-type]
    for _ in range(harness.STOPPED_AFTER + 1):
        with pytest.raises(UnsendableRequest) as info:
            cc.send(RawRequest(headers=(("Authorization", f"Basic {SECRETISH} "),)))
        assert SECRETISH not in str(info.value)
        assert str(info.value).startswith("suite limitation:")
    assert session.stopped_answering is None  # never the breaker's business
    assert cc.send(RawRequest(body=b"grant_type=client_credentials")).response.status == 400


def test_fixed_unsendable_request_is_a_suite_limitation(monkeypatch: pytest.MonkeyPatch,
                                                        pytestconfig: pytest.Config) -> None:
    """A fixed request of a suite test that HTTP/1.1 cannot carry: its requirement is an error
    labelled "suite limitation" (not "target error"), the run goes on (no "stopped answering"),
    and the refused value appears nowhere."""
    # The suite module carries the suite's marker; the run below reuses this module object.
    pytestconfig.addinivalue_line("markers", "requirement(*ids): requirement IDs a test checks")
    import conformance.suite.rfc6749.test_3_1_3_2_token_endpoint as mod

    monkeypatch.setattr(mod, "basic_header", lambda cid, secret: ("Authorization",
                                                                   f"Basic {SECRETISH} "))
    res = run_suite(create_app(), REFERENCE_PROFILE, environ=DEMO_ENV, seed=0, examples=3,
                    select_requirements=["RFC6749-3.2-post-only", "RFC6749-4.4.3-token-issued"])
    post_only = res.requirements["RFC6749-3.2-post-only"]
    assert post_only.verdict == Verdict.ERROR
    assert post_only.reason.startswith("suite limitation:"), post_only.reason
    assert "target error" not in post_only.reason
    assert "header 'Authorization'" in post_only.reason
    assert res.verdict("RFC6749-4.4.3-token-issued") == Verdict.PASS  # the run went on
    assert not any("stopped answering" in n for n in res.notes)
    assert SECRETISH not in json.dumps(res.to_dict(Redactor()))


def test_default_suite_generates_no_unsendable_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request the default suite sends, generated ones included, is sendable as built:
    the harness's own check never refuses one (so no example is silently rejected). Seed 1 drew
    "Basic " + base64(b"") before the generator was fixed."""
    refused: list[str] = []
    real = harness.check_sendable

    def spy(raw: RawRequest) -> None:
        reason = unsendable_reason(raw)
        if reason is not None:
            refused.append(reason)
        real(raw)

    monkeypatch.setattr(harness, "check_sendable", spy)
    for seed in (1, 5):
        res = run_suite(create_app(), REFERENCE_PROFILE, environ=DEMO_ENV, seed=seed)
        assert res.exit_status == 0, {r: v.reason for r, v in res.requirements.items()
                                      if v.verdict in (Verdict.FAIL, Verdict.ERROR)}
    assert refused == []
