"""The bundled reference passes the whole suite with mutual-TLS client authentication (issue
12, RFC 8705): in-process (the certificate reaches the app through the ASGI TLS extension) and
served over https with client certificates verified by the TLS layer, where a wrong
certificate is refused at the handshake and the suite records that refusal as the server's
answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.exitstatus import ExitStatus
from conformance.profile import load_profile
from conformance.results import RunResults, Verdict
from conformance.runner import run_suite
from tests.demo import DEMO_ENV, DEMO_TLS_DIR, ROOT, ensure_demo_tls, served_reference

MTLS_IDS = ("RFC8705-2-valid-certificate", "RFC8705-2-certificate-required",
            "RFC8705-2.1-pki-subject", "RFC8705-2.2-self-signed-match",
            "RFC8705-2-invalid-client", "RFC8705-3.1-bound-token-thumbprint")


def mtls_first(tmp_path: Path) -> Path:
    """The demo profile with tls_client_auth first: every check without a method of its own
    authenticates with mutual TLS (paths made absolute for the copy)."""
    text = ensure_demo_tls().read_text(encoding="utf-8")
    text = text.replace('"../reports/', f'"{ROOT}/reports/')
    text = re.sub(r'auth_methods = \[[^\]]*\]', 'auth_methods = ["tls_client_auth", '
                  '"self_signed_tls_client_auth", "client_secret_basic", "client_secret_post", '
                  '"private_key_jwt", "client_secret_jwt"]', text)
    path = tmp_path / "mtls-first.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _clean(res: RunResults) -> None:
    bad = {k: (v.verdict.value, v.reason) for k, v in res.requirements.items()
           if v.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)}
    assert res.exit_status == ExitStatus.OK, bad
    assert {rid: res.verdict(rid) for rid in MTLS_IDS} == dict.fromkeys(MTLS_IDS, Verdict.PASS)


def _mtls_exchanges(res: RunResults, rid: str) -> list[object]:
    return [ex for f in res.findings if f.requirement == rid for ex in f.exchanges]


@pytest.mark.parametrize("first", [False, True])
def test_reference_passes_in_process(first: bool, tmp_path: Path) -> None:
    from reference_impl.asgi import create_app

    profile = mtls_first(tmp_path) if first else ensure_demo_tls()
    res = run_suite(create_app(), profile, environ=DEMO_ENV, examples=5, seed=6)
    _clean(res)
    # with tls_client_auth first, checks without a method of their own authenticated with it
    sent = [ex.request for f in res.findings if f.requirement == "RFC6749-5.1-access-token"
            and "rfc8705" not in f.test for ex in f.exchanges]
    with_cert = sum(1 for r in sent if r.client_cert is not None)
    assert with_cert >= 10 if first else with_cert == 0, with_cert
    # every mTLS pass shows the certificate it was about
    for rid in MTLS_IDS:
        for f in res.findings:
            if f.requirement == rid and f.verdict is Verdict.PASS:
                assert f.exchanges and all(ex.request.mtls for ex in f.exchanges), rid


@pytest.mark.parametrize("seed", [7, 8])
def test_reference_passes_over_https_with_client_certificates(seed: int,
                                                               tmp_path: Path) -> None:
    profile_path = mtls_first(tmp_path) if seed % 2 else ensure_demo_tls()
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
