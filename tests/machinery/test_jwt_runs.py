"""The bundled reference passes the whole suite with every client authentication method it
serves (issue 12): the JWT profile as written, and with private_key_jwt or client_secret_jwt as
the method every other check authenticates with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.exitstatus import ExitStatus
from conformance.results import Verdict
from conformance.runner import run_suite
from tests.demo import DEMO_ENV, DEMO_JWT_KEY, ensure_demo_jwt_key

METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"]
JWT_IDS = ("RFC7523-2.2-valid-assertion", "RFC7521-4.2-assertion-type", "RFC7523-3-iss-sub",
           "RFC7523-3-audience", "RFC7523-3-expiry", "RFC7523-3-not-before",
           "RFC7523-3-signature", "RFC7523-3-jti-replay", "RFC7521-4.2-client-id",
           "RFC7521-4.2.1-invalid-client", "RFC9700-2.5-client-authentication")


def profile_with_first(method: str | None, tmp_path: Path) -> Path:
    text = ensure_demo_jwt_key().read_text(encoding="utf-8")
    text = text.replace('"../reports/demo-jwt-key.pem"', f'"{DEMO_JWT_KEY}"')
    if method is not None:
        order = [method] + [m for m in METHODS if m != method]
        text = re.sub(r"auth_methods = \[[^\]]*\]",
                      "auth_methods = [" + ", ".join(f'"{m}"' for m in order) + "]", text)
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("first", [None, "private_key_jwt", "client_secret_jwt"])
def test_reference_passes_with_every_method(first: str | None, tmp_path: Path) -> None:
    from reference_impl.asgi import create_app

    res = run_suite(create_app(), profile_with_first(first, tmp_path), environ=DEMO_ENV,
                    examples=5, seed=4)
    bad = {k: (v.verdict.value, v.reason) for k, v in res.requirements.items()
           if v.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)}
    assert res.exit_status == ExitStatus.OK, bad
    assert {rid: res.verdict(rid) for rid in JWT_IDS} == dict.fromkeys(JWT_IDS, Verdict.PASS)
    if first is not None:  # checks without a method of their own authenticated with it
        sent = [ex.request for f in res.findings for ex in f.exchanges
                if f.requirement == "RFC6749-5.1-access-token"]
        with_assertion = [r for r in sent if b"client_assertion=" in (r.body or b"")]
        assert len(with_assertion) >= 10, (len(with_assertion), len(sent))
