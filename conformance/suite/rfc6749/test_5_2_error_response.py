"""RFC 6749 §5.2: error responses — status, JSON shape, character sets, 401 challenge."""

from __future__ import annotations

import pytest

from conformance.checks import verify_error
from conformance.harness import CC
from conformance.request import RequestBuilder
from conformance.suite._common import BASIC, need_method

req = pytest.mark.requirement

SHAPE = ("RFC6749-5.2-status", "RFC6749-5.2-error-json", "RFC6749-5.2-error-charset",
         "RFC6749-3.2-response-no-repeated-params")


@pytest.mark.parametrize("situation", ["missing grant_type", "unsupported grant_type",
                                       "wrong secret (body)", "unknown scope"])
@req(*SHAPE, "RFC6749-5.2-invalid-request", "RFC6749-5.2-unsupported-grant-type",
     "RFC6749-5.2-invalid-client", "RFC6749-5.2-invalid-scope")
def test_error_response_shape(cc: CC, situation: str) -> None:
    """Provokes a typical error. §5.2: HTTP 400 (401 allowed for invalid_client), a JSON object
    with a registered error code, error/error_description/error_uri in the permitted characters,
    no repeated members."""
    c = cc.profile.confidential
    if situation == "missing grant_type":
        b, codes, rid = cc.token_request(grant_type=None), ["invalid_request"], \
            "RFC6749-5.2-invalid-request"
    elif situation == "unsupported grant_type":
        b, codes, rid = cc.token_request(grant_type="urn:cc-conformance:nope"), \
            ["unsupported_grant_type"], "RFC6749-5.2-unsupported-grant-type"
    elif situation == "wrong secret (body)":
        b = RequestBuilder().param("grant_type", "client_credentials").post_credentials(
            c.client_id, "definitely-wrong-secret")
        codes, rid = ["invalid_client"], "RFC6749-5.2-invalid-client"
    else:
        if not cc.profile.scopes.unknown:
            cc.na("the profile declares no unknown scopes (scopes.unknown)")
        b = cc.token_request(scope=[cc.profile.scopes.unknown[0]])
        codes, rid = ["invalid_scope"], "RFC6749-5.2-invalid-scope"
    b.label = situation
    ex = cc.send(b)
    scheme = "Basic" if any(k.lower() == "authorization" for k, _ in b.headers) else None
    verify_error(cc.rec, ex, codes=codes, code_ids=[rid], auth_scheme=scheme)


@req("RFC6749-5.2-invalid-client-401", "RFC6749-5.2-status")
def test_invalid_client_via_basic_is_401_with_challenge(cc: CC) -> None:
    """Sends wrong credentials in HTTP Basic. §5.2: when the client authenticated via the
    Authorization header, invalid_client MUST be a 401 with WWW-Authenticate: Basic."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    ex = cc.send(RequestBuilder(label="bad basic").param("grant_type", "client_credentials")
                 .basic(c.client_id, "definitely-wrong-secret"))
    verify_error(cc.rec, ex, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                 auth_scheme="Basic")
