"""RFC 6750 §2.1 and §6.1.1: Bearer tokens issued by the token endpoint."""

from __future__ import annotations

import pytest

from conformance.checks import is_bearer_label, verify_success
from conformance.exchange import parse_json_object
from conformance.harness import CheckContext


@pytest.mark.requirement("RFC6750-2.1-b64token", "RFC6750-6.1.1-bearer-type")
def test_bearer_token_fits_authorization_header(cc: CheckContext) -> None:
    """Sends a valid request. A token meant for Bearer use MUST be labelled with the registered
    name 'Bearer' (RFC 6750 §6.1.1, any case), and the token MUST fit the b64token syntax of
    §2.1 so it can be sent as 'Authorization: Bearer <token>'. Other token types (DPoP, a URI)
    are not governed by RFC 6750: not applicable."""
    ex = cc.send(cc.token_request())
    obj, _, _ = parse_json_object(ex.response.body)
    ttype = (obj or {}).get("token_type")
    verify_success(cc.rec, ex, spec=cc.spec)
    if isinstance(ttype, str) and not is_bearer_label(ttype):
        cc.na(f"the server issues {ttype!r} tokens, not Bearer")
