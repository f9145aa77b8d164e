"""RFC 6749 §4.4, §4.4.2, §4.4.3: the client credentials grant itself."""

from __future__ import annotations

import re

import pytest

from conformance.checks import verify_error, verify_success
from conformance.harness import CheckContext
from conformance.suite._common import METHODS, need_method, scheme_of

#: RFC 6749 Appendix A.10: grant-name = 1*name-char; name-char = "-" / "." / "_" / DIGIT / ALPHA
GRANT_NAME_RE = re.compile(r"^[-._0-9A-Za-z]+$")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.requirement("RFC6749-4.4.3-token-issued", "RFC6749-4.4.3-no-refresh-token")
def test_valid_request_gets_token(cc: CheckContext, method: str) -> None:
    """Sends grant_type=client_credentials with the confidential client's credentials.
    §4.4.3: an access token response per §5.1; a refresh token SHOULD NOT be included."""
    need_method(cc, method)
    ex = cc.send(cc.token_request(method=method))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-4.4.3-token-issued"])


@pytest.mark.parametrize("how", ["body client_id", "basic empty password"])
@pytest.mark.requirement("RFC6749-4.4-confidential-only", "RFC6749-5.2-error-json",
                         "RFC6749-5.2-error-code-registered")
def test_public_client_refused(cc: CheckContext, how: str) -> None:
    """Sends grant_type=client_credentials as the public client (its id, no secret).
    §4.4: the grant MUST only be used by confidential clients: no token (invalid_client or
    unauthorized_client). §5.2: the refusal is a JSON error object whose code is one of §5.2's
    or registered for the token endpoint (a private code is a warning)."""
    client = cc.client("public")
    b = cc.grant_request(label=f"public client ({how})")
    if how == "body client_id":
        b.param("client_id", client.client_id)
        scheme = None
    else:
        b.basic(client.client_id, "")
        scheme = "Basic"
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=["invalid_client", "unauthorized_client"],
                 also=["RFC6749-4.4-confidential-only"], auth_scheme=scheme)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.requirement("RFC6749-5.2-unauthorized-client")
def test_client_not_allowed_this_grant(cc: CheckContext, method: str) -> None:
    """Sends a valid client credentials request from an authenticated client whose registration
    does not allow this grant. §5.2: unauthorized_client."""
    need_method(cc, method)
    client = cc.client("not_allowed_grant")
    ex = cc.send(cc.token_request(client, method))
    verify_error(cc.rec, ex, codes=["unauthorized_client"],
                 code_ids=["RFC6749-5.2-unauthorized-client"], auth_scheme=scheme_of(method))


@pytest.mark.parametrize("value", ["Client_Credentials", "CLIENT_CREDENTIALS",
                                   "client_credentials ", "urn:cc-conformance:no-such-grant"])
@pytest.mark.requirement("RFC6749-4.4.2-grant-type", "RFC6749-5.2-unsupported-grant-type")
def test_other_grant_type_values_unsupported(cc: CheckContext, value: str) -> None:
    """Sends valid credentials with a grant_type that is not exactly 'client_credentials'.
    §4.4.2: the value MUST be client_credentials (protocol values are case-sensitive);
    §5.2: unsupported_grant_type (or invalid_request for a value that is not a grant-name)."""
    ex = cc.send(cc.token_request(grant_type=value, label=f"grant_type={value!r}"))
    # A value that is not even a grant-name or URI (Appendix A.10: the trailing space) is a
    # malformed parameter as much as an unsupported grant: invalid_request fits as well.
    codes = ["unsupported_grant_type"] if GRANT_NAME_RE.match(value) or ":" in value else \
        ["unsupported_grant_type", "invalid_request"]
    verify_error(cc.rec, ex, codes=codes,
                 code_ids=["RFC6749-5.2-unsupported-grant-type"],
                 also=["RFC6749-4.4.2-grant-type"], auth_scheme=scheme_of(cc.default_method))


@pytest.mark.requirement("RFC6749-4.4.2-grant-type", "RFC6749-5.2-invalid-request")
def test_missing_grant_type(cc: CheckContext) -> None:
    """Sends valid credentials and no grant_type. §4.4.2: grant_type is REQUIRED; §5.2:
    invalid_request."""
    ex = cc.send(cc.token_request(grant_type=None, label="no grant_type"))
    verify_error(cc.rec, ex, codes=["invalid_request"], code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-4.4.2-grant-type"], auth_scheme=scheme_of(cc.default_method))


