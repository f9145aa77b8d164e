"""RFC 6749 §5.2: error responses — status, JSON shape, character sets, 401 challenge."""

from __future__ import annotations

import pytest

from conformance.checks import issued_token, verify_error
from conformance.harness import CheckContext
from conformance.suite._common import BASIC, need_method, scheme_of


@pytest.mark.parametrize("situation", ["missing grant_type", "unsupported grant_type",
                                       "wrong secret", "unknown scope"])
@pytest.mark.requirement("RFC6749-5.2-status", "RFC6749-5.2-error-json",
                         "RFC6749-5.2-error-charset", "RFC6749-3.2-response-no-repeated-params",
                         "RFC6749-5.2-invalid-request", "RFC6749-5.2-unsupported-grant-type",
                         "RFC6749-5.2-invalid-client", "RFC6749-5.2-invalid-scope",
                         "RFC6749-5.2-error-uri", "RFC6749-5.2-error-code-registered",
                         "RFC9110-15.5.2-www-authenticate", "RFC9110-11.2-auth-param-syntax")
def test_error_response_shape(cc: CheckContext, situation: str) -> None:
    """Provokes a typical error. §5.2: HTTP 400 (401 for invalid_client, required when the
    client used the Authorization header), a JSON object (RFC 8259: no NaN or Infinity) with
    the expected error code, itself one of §5.2's or registered for the token endpoint,
    error/error_description/error_uri in the permitted characters (an empty one counts as
    absent), error_uri a URI-reference, no repeated members. RFC 9110 §15.5.2: a 401 carries a
    WWW-Authenticate challenge, whose parameters follow §11.2.

    The wrong secret is sent with the profile's default authentication method. An unknown scope
    only provokes an error on servers that refuse it: §3.3 lets a server ignore requested
    scopes and issue a narrowed token instead (that policy is judged in test_3_3_scope), so a
    token issued here makes this shape check not applicable rather than a failure."""
    c = cc.profile.confidential
    scheme: str | None = scheme_of(cc.default_method)
    if situation == "missing grant_type":
        b, codes, rid = cc.token_request(grant_type=None), ["invalid_request"], \
            "RFC6749-5.2-invalid-request"
    elif situation == "unsupported grant_type":
        b, codes, rid = cc.token_request(grant_type="urn:cc-conformance:nope"), \
            ["unsupported_grant_type"], "RFC6749-5.2-unsupported-grant-type"
    elif situation == "wrong secret":
        b = cc.grant_request()
        wrong = "definitely-wrong-secret"
        b = b.basic(c.client_id, wrong) if cc.default_method == BASIC else \
            b.post_credentials(c.client_id, wrong)
        codes, rid = ["invalid_client"], "RFC6749-5.2-invalid-client"
    else:
        if not cc.profile.scopes.unknown:
            cc.na("the profile declares no unknown scopes (scopes.unknown)")
        b = cc.token_request(scope=[cc.profile.scopes.unknown[0]])
        codes, rid = ["invalid_scope"], "RFC6749-5.2-invalid-scope"
    b.label = f"{situation} ({cc.default_method})" if situation == "wrong secret" else situation
    ex = cc.send(b)
    if situation == "unknown scope" and issued_token(ex):
        cc.na("the server issued a token for an unknown scope (RFC 6749 §3.3 allows ignoring "
              "requested scopes; whether it was dropped is judged by the §3.3 scope tests), so "
              "this request provokes no error whose shape could be checked")
    verify_error(cc.rec, ex, codes=codes, code_ids=[rid], auth_scheme=scheme)


@pytest.mark.requirement("RFC6749-5.2-invalid-client-401", "RFC6749-5.2-status",
                         "RFC7617-2-realm", "RFC7617-2.1-charset-utf8",
                         "RFC9110-15.5.2-www-authenticate", "RFC9110-11.2-auth-param-syntax")
def test_invalid_client_via_basic_is_401_with_challenge(cc: CheckContext) -> None:
    """Sends wrong credentials in HTTP Basic. §5.2: when the client authenticated via the
    Authorization header, invalid_client MUST be a 401 with WWW-Authenticate: Basic. RFC 7617
    §2: that Basic challenge MUST carry realm; §2.1: a charset parameter, if sent, is UTF-8.
    RFC 9110 §15.5.2: the 401 carries a challenge; §11.2: each parameter value is a token or a
    quoted-string (realm=x and realm="x" both parse; realm=a b does not)."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    ex = cc.send(cc.grant_request(label="bad basic")
                 .basic(c.client_id, "definitely-wrong-secret"))
    verify_error(cc.rec, ex, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                 auth_scheme="Basic")
