"""RFC 9700 (OAuth 2.0 Security BCP) advisories that apply to client credentials."""

from __future__ import annotations

import pytest

from conformance.checks import verify_success
from conformance.harness import CC
from conformance.results import Verdict


@pytest.mark.requirement("RFC9700-2.3-least-privilege")
def test_narrow_request_gets_narrow_token(cc: CC) -> None:
    """Requests a single allowed scope. RFC 9700 §2.3: tokens SHOULD be restricted to the
    minimum privilege; a broader grant than requested is a warning."""
    allowed = cc.profile.scopes.allowed
    if not allowed:
        cc.na("the profile declares no allowed scopes (scopes.allowed)")
    ex = cc.send(cc.token_request(scope=[allowed[0]]))
    verify_success(cc.rec, ex, spec=cc.spec, requested_scope=[allowed[0]],
                   allowed_scopes=list(allowed))


@pytest.mark.requirement("RFC9700-2.5-client-authentication")
def test_client_authentication_methods(cc: CC) -> None:
    """Reports the client authentication methods in use. RFC 9700 §2.5 recommends asymmetric
    methods (mTLS, private_key_jwt); shared-secret methods are reported as information."""
    methods = ", ".join(cc.profile.auth_methods)
    cc.rec.record("RFC9700-2.5-client-authentication", Verdict.INFO,
                  expected="asymmetric client authentication (mTLS or private_key_jwt)",
                  observed=f"shared-secret methods: {methods}",
                  reason="the suite only exercises shared-secret methods; consider asymmetric "
                         "client authentication")
