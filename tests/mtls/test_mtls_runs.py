"""The bundled reference passes the whole suite with mutual-TLS client authentication (issue
12, RFC 8705): in-process (the certificate reaches the app through the ASGI TLS extension) and
served over https with client certificates verified by the TLS layer, where a wrong
certificate is refused at the handshake and the suite records that refusal as the server's
answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.exitstatus import ExitStatus
from conformance.profile import load_profile
from conformance.results import RunResults, Verdict
from conformance.runner import run_suite
from tests.demo import DEMO_ENV, DEMO_TLS_DIR, ensure_demo_tls, served_reference

MTLS_IDS = ("RFC8705-2-valid-certificate", "RFC8705-2-certificate-required",
            "RFC8705-2.1-pki-subject", "RFC8705-2.2-self-signed-match",
            "RFC8705-2-invalid-client", "RFC8705-3.1-bound-token-thumbprint")


def _clean(res: RunResults) -> None:
    bad = {k: (v.verdict.value, v.reason) for k, v in res.requirements.items()
           if v.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)}
    assert res.exit_status == ExitStatus.OK, bad
    assert {rid: res.verdict(rid) for rid in MTLS_IDS} == dict.fromkeys(MTLS_IDS, Verdict.PASS)


def _mtls_exchanges(res: RunResults, rid: str) -> list[object]:
    return [ex for f in res.findings if f.requirement == rid for ex in f.exchanges]


def test_reference_passes_in_process_with_mtls_first() -> None:
    from reference_impl.asgi import create_app

    res = run_suite(create_app(), ensure_demo_tls(), environ=DEMO_ENV, examples=5, seed=6)
    _clean(res)
    # checks without a method of their own authenticated with tls_client_auth
    sent = [ex.request for f in res.findings if f.requirement == "RFC6749-5.1-access-token"
            for ex in f.exchanges]
    assert sum(1 for r in sent if r.client_cert is not None) >= 10
    # every mTLS pass shows the certificate it was about
    for rid in MTLS_IDS:
        for f in res.findings:
            if f.requirement == rid and f.verdict is Verdict.PASS:
                assert f.exchanges and all(ex.request.mtls for ex in f.exchanges), rid


@pytest.mark.parametrize("seed", [7, 8])
def test_reference_passes_over_https_with_client_certificates(seed: int) -> None:
    profile_path = ensure_demo_tls()
    with served_reference("--tls-dir", str(DEMO_TLS_DIR)) as base:
        assert base.startswith("https://")
        profile = load_profile(profile_path, environ=DEMO_ENV, overrides={
            "url": f"{base}/token", "ca_bundle": str(DEMO_TLS_DIR / "ca.pem")})
        res = run_suite(f"{base}/token", profile, environ=DEMO_ENV, examples=5, seed=seed)
    _clean(res)
    # the TLS layer refused the self-made certificates: recorded as refusals, with the
    # certificate, and the error-code rule not judged on them
    refused = [ex for rid in ("RFC8705-2.1-pki-subject", "RFC8705-2.2-self-signed-match")
               for ex in _mtls_exchanges(res, rid) if ex.tls_refused]
    assert len(refused) == 2, refused
    assert all(ex.response.status == 0 and ex.request.client_cert.generated for ex in refused)
    assert res.verdict("RFC6749-3.2-tls") is not Verdict.ERROR


def test_mtls_profile_needs_https(tmp_path: Path) -> None:
    from conformance.profile import ProfileError

    with pytest.raises(ProfileError, match="needs an https target"):
        load_profile(ensure_demo_tls(), environ=DEMO_ENV,
                     overrides={"url": "http://127.0.0.1:9/token"})
