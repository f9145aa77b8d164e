"""RFC 6749 §3.2 (with Appendix B): classic malformed request parameters, each probed
deterministically: an empty value for every parameter, and bytes that are not UTF-8 in the form
body. Random garbage is covered by the property in test_3_1_3_2_token_endpoint; these cases are
too important to leave to the seed."""

from __future__ import annotations

import pytest

from conformance.checks import verify_error, verify_success
from conformance.harness import CheckContext
from conformance.request import RawRequest
from conformance.suite._common import BASIC, need_method, scheme_of


@pytest.mark.parametrize("param", ["client_id", "x_cc_conformance_probe", "scope"])
@pytest.mark.requirement("RFC6749-3.2-empty-params-omitted")
def test_empty_optional_parameter_is_omitted(cc: CheckContext, param: str) -> None:
    """Sends a valid Basic-authenticated request plus one optional parameter with an empty value
    (client_id=, an extension parameter, scope=). §3.2: a parameter without a value MUST be
    treated as omitted, so the request stays valid and gets a token."""
    need_method(cc, BASIC)
    scope = cc.usual_scope()
    if param == "scope" and scope is not None:
        cc.na("the server may refuse a request without scope (scopes.omitted_policy), so an "
              "empty scope cannot be expected to get a token; test_empty_scope_is_omitted "
              "compares it with an omitted one instead")
    ex = cc.send(cc.token_request(method=BASIC, extra=[(param, "")], label=f"empty {param}"))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-3.2-empty-params-omitted"])


#: Form bodies with bytes that are not UTF-8 (Appendix B: names and values are UTF-8 octets,
#: percent-encoded or raw): an invalid grant_type value either way.
NON_UTF8_BODIES = {
    "percent-encoded": b"grant_type=client_credentials%FF%FE",
    "raw bytes": b"grant_type=client_credentials\xff\xfe",
}


@pytest.mark.parametrize("case", list(NON_UTF8_BODIES))
@pytest.mark.requirement("RFC6749-4.4.2-grant-type", "RFC6749-5.2-status")
def test_non_utf8_grant_type_refused(cc: CheckContext, case: str) -> None:
    """Sends valid client credentials with a grant_type whose value ends in bytes that are not
    UTF-8 (percent-encoded or raw). §4.4.2: the value is not client_credentials, so no token;
    §5.2: an error response (invalid_request or unsupported_grant_type), never a 5xx."""
    request = cc.token_request(grant_type=None, label=f"non-UTF-8 grant_type ({case})").build()
    extra = request.body
    body = NON_UTF8_BODIES[case] + (b"&" + extra if extra else b"")
    ex = cc.send(RawRequest(method="POST", headers=request.headers, body=body,
                            label=request.label))
    verify_error(cc.rec, ex, codes=["invalid_request", "unsupported_grant_type"],
                 also=["RFC6749-4.4.2-grant-type"], auth_scheme=scheme_of(cc.default_method))
