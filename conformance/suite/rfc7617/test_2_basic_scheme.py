"""RFC 7617 §2 (with RFC 9110 §11.1): the Basic scheme name is case-insensitive."""

from __future__ import annotations

import pytest

from conformance.checks import verify_success
from conformance.harness import CheckContext
from conformance.suite._common import BASIC, need_method


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
@pytest.mark.requirement("RFC7617-2-scheme-case-insensitive")
def test_basic_scheme_name_any_case(cc: CheckContext, scheme: str) -> None:
    """Sends valid Basic credentials with the scheme name in another case. RFC 7617 §2: the
    scheme is matched case-insensitively, so a token is issued."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    ex = cc.send(cc.grant_request(label=f"scheme {scheme}")
                 .basic(c.client_id, c.require_secret, scheme=scheme))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC7617-2-scheme-case-insensitive"])
