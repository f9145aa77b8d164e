"""RFC 6749 §5.1: the successful token response, judged rule by rule."""

from __future__ import annotations

import pytest

from conformance.checks import verify_success
from conformance.harness import CheckContext
from conformance.results import Verdict
from conformance.suite._common import METHODS, need_method


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("with_scope", [False, True], ids=["no-scope", "scope"])
@pytest.mark.requirement("RFC6749-5.1-status-200", "RFC6749-5.1-json", "RFC6749-5.1-no-store",
                         "RFC6749-5.1-pragma", "RFC6749-5.1-access-token",
                         "RFC6749-5.1-token-type", "RFC6749-5.1-expires-in",
                         "RFC6749-5.1-expires-in-numeric", "RFC6749-5.1-scope",
                         "RFC6749-3.2-response-no-repeated-params", "RFC6749-3.3-scope-syntax",
                         "OAUTH21-3.2.3-scope-returned")
def test_successful_response(cc: CheckContext, method: str, with_scope: bool) -> None:
    """Sends a valid request (with an allowed scope, and without one unless the server needs
    one). §5.1: status 200, JSON
    object as application/json, Cache-Control: no-store, Pragma: no-cache (RFC 6749 only),
    access_token, token_type, numeric expires_in, scope when it differs from the request
    (OAuth 2.1 §3.2.3: scope SHOULD be returned even when it equals the request)."""
    need_method(cc, method)
    scope = cc.usual_scope()  # "no-scope": the usual request (omitted unless the server
    if with_scope:            # needs one, scopes.omitted_policy)
        if not cc.profile.scopes.allowed:
            cc.na("the profile declares no allowed scopes (scopes.allowed)")
        scope = [cc.profile.scopes.allowed[0]]
    ex = cc.send(cc.token_request(method=method, scope=scope))
    verify_success(cc.rec, ex, spec=cc.spec, requested_scope=scope,
                   also=["RFC6749-4.4.3-token-issued"])


@pytest.mark.requirement("RFC6749-5.1-no-redirect")
def test_token_request_not_redirected(cc: CheckContext) -> None:
    """Sends a valid request and an unauthenticated one. §5.1/§5.2 name the statuses of a token
    response (200; 400/401); a 3xx hands the request to another location, and a client that
    follows a 307/308 re-posts its secret there. The suite never follows it (SHOULD: warning)."""
    valid = cc.send(cc.token_request(label="valid request"))
    anonymous = cc.send(cc.token_request(method="none", label="no client authentication"))
    redirected = [ex for ex in (valid, anonymous) if 300 <= ex.response.status < 400]
    if not redirected:
        cc.rec.record("RFC6749-5.1-no-redirect", Verdict.PASS,
                      expected="no 3xx from the token endpoint",
                      observed=f"HTTP {valid.response.status} and HTTP {anonymous.response.status}",
                      exchanges=[valid, anonymous])
        return
    ex = redirected[0]
    cc.rec.check("RFC6749-5.1-no-redirect", False,
                 expected="the endpoint answers itself (200, 400 or 401)",
                 observed=f"HTTP {ex.response.status} to "
                          f"{ex.response.header('location') or '(no Location)'}; not followed",
                 reason="the token endpoint redirects token requests; clients that follow "
                        "would re-send their credentials elsewhere", exchanges=[ex])
