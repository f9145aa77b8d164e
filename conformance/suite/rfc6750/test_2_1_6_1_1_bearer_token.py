"""RFC 6750 §2.1 and §6.1.1: Bearer tokens issued by the token endpoint."""

from __future__ import annotations

import pytest

from conformance.checks import verify_success
from conformance.exchange import parse_json_object
from conformance.harness import CC


@pytest.mark.requirement("RFC6750-2.1-b64token", "RFC6750-6.1.1-bearer-type")
def test_bearer_token_fits_authorization_header(cc: CC) -> None:
    """Sends a valid request. If token_type is Bearer (RFC 6750 §6.1.1, any case), the token
    MUST fit the b64token syntax of §2.1 so it can be sent as 'Authorization: Bearer <token>'."""
    ex = cc.send(cc.token_request())
    obj, _, _ = parse_json_object(ex.response.body)
    ttype = (obj or {}).get("token_type")
    if isinstance(ttype, str) and ttype.lower() != "bearer":
        verify_success(cc.rec, ex, spec=cc.spec)
        cc.na(f"the server issues {ttype!r} tokens, not Bearer")
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6750-6.1.1-bearer-type"])
