"""RFC 6749 §7.1: the access token type."""

from __future__ import annotations

import pytest

from conformance.checks import verify_success
from conformance.harness import CheckContext


@pytest.mark.requirement("RFC6749-7.1-token-type", "RFC6749-5.1-token-type")
def test_token_type_is_registered(cc: CheckContext) -> None:
    """Sends a valid request. §7.1/§5.1: token_type names a registered type (e.g. Bearer,
    case-insensitive) or an absolute URI, since clients must not use tokens of unknown type."""
    ex = cc.send(cc.token_request())
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-4.4.3-token-issued"])
