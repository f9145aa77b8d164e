"""RFC 8414 §2, §3: the authorization server metadata, checked against what the token endpoint
does. Needs the profile's metadata URL ([target] metadata_url or --metadata-url); without it
every check here is not applicable."""

from __future__ import annotations

import pytest

from conformance.checks import issued_token
from conformance.harness import CheckContext
from conformance.suite._metadata import (
    PROBED_METHODS,
    fetch_metadata,
    metadata_doc,
    token_endpoint_under_test,
    verify_auth_methods,
    verify_grant_types,
    verify_issuer_format,
    verify_issuer_match,
    verify_metadata_response,
    verify_required_members,
    verify_signing_algs,
    verify_token_endpoint,
)


@pytest.mark.requirement("RFC8414-3.2-metadata-response")
def test_metadata_is_a_json_object(cc: CheckContext) -> None:
    """Sends GET to the metadata URL. §3.1: the document is read with GET; §3.2: a successful
    answer is 200 with an application/json JSON object, its multi-valued members are arrays,
    and a member with zero elements is left out."""
    verify_metadata_response(cc.rec, fetch_metadata(cc))


@pytest.mark.requirement("RFC8414-2-required-members")
def test_required_members(cc: CheckContext) -> None:
    """Reads the metadata. §2: issuer is REQUIRED; token_endpoint is REQUIRED unless only the
    implicit grant is supported (this server issues tokens at its token endpoint);
    response_types_supported is REQUIRED (judged where an authorization endpoint is
    advertised: without one, no response type exists and §3.2 forbids an empty array)."""
    md, doc = metadata_doc(cc)
    verify_required_members(cc.rec, md, doc)


@pytest.mark.requirement("RFC8414-2-issuer-format")
def test_issuer_is_an_https_url(cc: CheckContext) -> None:
    """Reads the issuer. §2: a URL with the https scheme and no query or fragment (plain http
    is not judged on loopback or in-process)."""
    md, doc = metadata_doc(cc)
    verify_issuer_format(cc.rec, md, doc)


@pytest.mark.requirement("RFC8414-3.3-issuer-match")
def test_issuer_matches_the_metadata_url(cc: CheckContext) -> None:
    """Compares the issuer with the URL the metadata was fetched from. §3: the URL is the
    issuer with /.well-known/oauth-authorization-server inserted after the host (§5: an
    openid-configuration URL may append it instead); §3.3: the issuer MUST be identical to the
    one the URL was built from, or the metadata MUST NOT be used."""
    md, doc = metadata_doc(cc)
    verify_issuer_match(cc.rec, md, doc)


@pytest.mark.requirement("RFC8414-2-token-endpoint")
def test_token_endpoint_is_the_endpoint_under_test(cc: CheckContext) -> None:
    """Compares token_endpoint with the endpoint the suite tests. §2: the URL of the token
    endpoint, an absolute URL (RFC 6749 §3.2: no fragment, TLS). Another URL than the one
    tested is reported for information: it may be an alias the suite cannot tell apart."""
    md, doc = metadata_doc(cc)
    verify_token_endpoint(cc.rec, md, doc, token_endpoint_under_test(cc))


@pytest.mark.requirement("RFC8414-2-grant-types-client-credentials")
def test_grant_types_include_client_credentials(cc: CheckContext) -> None:
    """Sends a valid client credentials request and reads grant_types_supported. §2: the grant
    types the server supports, ["authorization_code", "implicit"] when omitted; a server that
    issues the token should list client_credentials."""
    md, doc = metadata_doc(cc)
    ex = cc.send(cc.token_request(label="valid request (grant works?)"))
    if not issued_token(ex):
        cc.na("the valid client credentials request got no token, so whether the grant belongs "
              "in grant_types_supported cannot be told")
    verify_grant_types(cc.rec, md, doc, ex)


@pytest.mark.requirement("RFC8414-2-auth-methods-declared-work",
                         "RFC8414-2-auth-methods-undeclared")
def test_auth_methods_match_the_endpoint(cc: CheckContext) -> None:
    """Sends one valid request per shared-secret method (client_secret_basic, client_secret_post)
    with the confidential client and reads token_endpoint_auth_methods_supported. §2: the
    methods the token endpoint supports (client_secret_basic when omitted): a declared method
    must work, and a method that works should be declared."""
    md, doc = metadata_doc(cc)
    probes = {m: cc.send(cc.token_request(method=m, label=f"{m} probe"))
              for m in PROBED_METHODS}
    verify_auth_methods(cc.rec, md, doc, probes, cc.profile.auth_methods)


@pytest.mark.requirement("RFC8414-2-signing-alg-not-none", "RFC8414-2-signing-algs-with-jwt")
def test_signing_algorithms(cc: CheckContext) -> None:
    """Reads token_endpoint_auth_signing_alg_values_supported. §2: the value none MUST NOT be
    used; the list MUST be present when private_key_jwt or client_secret_jwt is declared."""
    md, doc = metadata_doc(cc)
    verify_signing_algs(cc.rec, md, doc)
