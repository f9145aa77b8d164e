"""RFC 7523 §2.2 and §3, RFC 7521 §4.2: client authentication with a JWT assertion --
``private_key_jwt`` (signed with the client's private key) and ``client_secret_jwt`` (a MAC
with its secret), as OpenID Connect Core §9 names them.

Every test runs once per JWT method and only for a method the profile lists in
``server.auth_methods`` (with its ``[clients.<method>]`` client); otherwise its requirements are
not applicable. Each probe changes one thing of a valid assertion (built as
``CheckContext.assertion_claims`` documents it) and signs it with the client's own key unless
the signature is the thing changed, so a refusal can only be about that one thing -- provided
the server serves that client at all at that moment: each probe is preceded by a control, a
valid assertion of the same client, and a probe whose control was refused too is not judged
(a server that refuses everything has shown nothing about audience, expiry or signatures).
"""

from __future__ import annotations

import time

import pytest

from conformance import assertions
from conformance.assertions import JWT_BEARER
from conformance.checks import issued_token, verify_error, verify_success
from conformance.harness import CheckContext
from conformance.profile import JWT_METHODS, Client
from conformance.request import RequestBuilder
from conformance.suite._common import served_control

#: an audience no authorization server is (RFC 6761 reserves .invalid)
OTHER_AUDIENCE = "https://cc-conformance.invalid/token"
#: well past any clock skew a server allows (RFC 7523 §3 items 4 and 5 leave it to the server;
#: a few minutes is usual)
SKEW_BEYOND_S = 600


def jwt_client(cc: CheckContext, method: str) -> Client:
    """The client of ``method``; not applicable when the profile does not declare it."""
    cc.require_method(method)
    return cc.client(method)


def assertion_request(cc: CheckContext, assertion: str, *, label: str,
                      assertion_type: str = JWT_BEARER,
                      client_id: str | None = None) -> RequestBuilder:
    b = cc.grant_request(label=label)
    if client_id is not None:
        b.param("client_id", client_id)
    return b.param("client_assertion_type", assertion_type).param("client_assertion", assertion)


def control(cc: CheckContext, method: str, rids: list[str]) -> None:
    """A valid assertion of the method's client must get a token right before a probe;
    otherwise the probe's refusal would prove nothing, and its rules are not judged here."""
    served_control(cc, cc.token_request(method=method, label=f"control: valid {method} "
                                        "assertion"), rids,
                   what=f"a valid {method} assertion of the same client",
                   rule="RFC7523-2.2-valid-assertion")


def refused(cc: CheckContext, method: str, b: RequestBuilder, rid: str,
            codes: tuple[str, ...] = ("invalid_client",)) -> None:
    """After a served control, send ``b``; RFC 7521 §4.2.1: no token, and the error is
    invalid_client."""
    control(cc, method, [rid, "RFC7521-4.2.1-invalid-client"])
    verify_error(cc.rec, cc.send(b), codes=codes, code_ids=["RFC7521-4.2.1-invalid-client"],
                 also=[rid])


def other_client_id(cc: CheckContext, client: Client) -> str:
    """Another client the server knows (the profile's confidential client)."""
    other = cc.profile.confidential.client_id
    if other == client.client_id:
        cc.na("the profile's confidential client is the JWT client itself; a second client is "
              "needed to impersonate", ["RFC7523-3-iss-sub", "RFC7521-4.2-client-id"])
    return other


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.requirement("RFC7523-2.2-valid-assertion", "RFC6749-4.4.3-token-issued")
def test_valid_assertion_gets_token(cc: CheckContext, method: str) -> None:
    """Sends grant_type=client_credentials with client_assertion_type jwt-bearer and a valid
    assertion of the method's client (iss = sub = client_id, aud = the server, exp in two
    minutes, a fresh jti). RFC 7523 §2.2, §3: the client is authenticated and, §4.4.3, gets an
    access token response per §5.1."""
    jwt_client(cc, method)
    ex = cc.send(cc.token_request(method=method, label=f"valid {method} assertion"))
    verify_success(cc.rec, ex, spec=cc.spec,
                   also=["RFC7523-2.2-valid-assertion", "RFC6749-4.4.3-token-issued"])


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("assertion_type", [
    "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", "jwt-bearer"])
@pytest.mark.requirement("RFC7521-4.2-assertion-type", "RFC7521-4.2.1-invalid-client")
def test_other_assertion_type_refused(cc: CheckContext, method: str,
                                      assertion_type: str) -> None:
    """Sends a valid assertion under another client_assertion_type (the SAML one; the bare word
    jwt-bearer). RFC 7523 §2.2: the JWT type is exactly the jwt-bearer URN, so the client is not
    authenticated: no token, invalid_client (an unsupported type may also be called a malformed
    request: invalid_request is accepted)."""
    client = jwt_client(cc, method)
    b = assertion_request(cc, cc.assertion(client), assertion_type=assertion_type,
                          label=f"{method} assertion as {assertion_type}")
    refused(cc, method, b, "RFC7521-4.2-assertion-type", ("invalid_client", "invalid_request"))


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("claim", ["iss", "sub"])
@pytest.mark.requirement("RFC7523-3-iss-sub", "RFC7521-4.2.1-invalid-client")
def test_assertion_naming_another_client_refused(cc: CheckContext, method: str,
                                                 claim: str) -> None:
    """Sends an assertion signed with the client's own key whose iss (or sub) is another
    client's id. RFC 7523 §3 items 1-2 and RFC 7521 §5.2: for client authentication both are
    the client_id, so it authenticates nobody: no token, invalid_client."""
    client = jwt_client(cc, method)
    other = other_client_id(cc, client)
    payload = cc.assertion_claims(client, **{claim: other})
    refused(cc, method, assertion_request(cc, cc.assertion(client, payload),
                                  label=f"{method} assertion with {claim} of another client"),
            "RFC7523-3-iss-sub")


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("how", ["another audience", "no aud"])
@pytest.mark.requirement("RFC7523-3-audience", "RFC7521-4.2.1-invalid-client")
def test_assertion_for_another_audience_refused(cc: CheckContext, method: str,
                                                how: str) -> None:
    """Sends an otherwise valid assertion whose aud names another server (or that has no aud).
    RFC 7523 §3 item 3: the server MUST reject a JWT that does not name it as an audience."""
    client = jwt_client(cc, method)
    payload = cc.assertion_claims(client, aud=OTHER_AUDIENCE if how == "another audience"
                                  else None)
    refused(cc, method, assertion_request(cc, cc.assertion(client, payload),
                                  label=f"{method} assertion, {how}"), "RFC7523-3-audience")


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("how", ["expired", "no exp"])
@pytest.mark.requirement("RFC7523-3-expiry", "RFC7521-4.2.1-invalid-client")
def test_expired_or_endless_assertion_refused(cc: CheckContext, method: str, how: str) -> None:
    """Sends an otherwise valid assertion that expired ten minutes ago (issued fifteen minutes
    ago), or one without exp. RFC 7523 §3 item 4: exp is required and an expired JWT MUST be
    rejected (ten minutes is beyond any reasonable clock skew)."""
    client = jwt_client(cc, method)
    now = int(time.time())
    changes: dict[str, object] = (
        {"exp": now - SKEW_BEYOND_S, "iat": now - SKEW_BEYOND_S - 300} if how == "expired"
        else {"exp": None})
    payload = cc.assertion_claims(client, **changes)
    refused(cc, method, assertion_request(cc, cc.assertion(client, payload),
                                  label=f"{method} assertion, {how}"), "RFC7523-3-expiry")


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.requirement("RFC7523-3-not-before", "RFC7521-4.2.1-invalid-client")
def test_assertion_not_yet_valid_refused(cc: CheckContext, method: str) -> None:
    """Sends an otherwise valid assertion whose nbf is an hour ahead. RFC 7523 §3 item 5: the
    JWT MUST NOT be accepted before nbf."""
    client = jwt_client(cc, method)
    now = int(time.time())
    payload = cc.assertion_claims(client, nbf=now + 3600, exp=now + 3600 + 120)
    refused(cc, method, assertion_request(cc, cc.assertion(client, payload),
                                  label=f"{method} assertion, nbf in an hour"),
            "RFC7523-3-not-before")


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("how", ["signed by another key", "payload altered after signing",
                                 "alg none", "HS256 with the public key"])
@pytest.mark.requirement("RFC7523-3-signature", "RFC7521-4.2.1-invalid-client")
def test_assertion_with_bad_signature_refused(cc: CheckContext, method: str, how: str) -> None:
    """Sends an assertion with valid claims whose signature does not verify with the client's
    registered key: signed by a freshly generated key of the same kind; the payload changed
    after signing (a new jti); unsigned (alg none); or, for private_key_jwt, MACed with HS256
    using the client's public key as the secret. RFC 7523 §3 item 9: the server MUST reject a
    JWT with an invalid signature or MAC."""
    client = jwt_client(cc, method)
    key = client.signing_key
    assert key is not None
    payload = cc.assertion_claims(client)
    if how == "signed by another key":
        token = assertions.sign(payload, assertions.another_key_like(key))
    elif how == "payload altered after signing":
        token = assertions.with_payload(assertions.sign(payload, key),
                                        cc.assertion_claims(client))
    elif how == "alg none":
        token = assertions.unsigned(payload)
    else:
        if key.public_pem is None:
            cc.na("client_secret_jwt has no public key to confuse with an HMAC secret",
                  ["RFC7523-3-signature", "RFC7521-4.2.1-invalid-client"])
        token = assertions.hmac_with_public_key(payload, key.public_pem or b"")
    refused(cc, method, assertion_request(cc, token, label=f"{method} assertion, {how}"),
            "RFC7523-3-signature")


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.requirement("RFC7523-3-jti-replay")
def test_replayed_assertion(cc: CheckContext, method: str) -> None:
    """Sends the same valid assertion twice. RFC 7523 §3 item 7: the server MAY refuse a jti it
    has seen; OpenID Connect Core §9 requires it of OpenID Providers. With
    server.refuses_replayed_jti declared, serving the replay fails; otherwise it is reported for
    information."""
    client = jwt_client(cc, method)
    assertion = cc.assertion(client)
    first = cc.send(assertion_request(cc, assertion, label=f"{method} assertion, first use"))
    if not issued_token(first):
        cc.na("the first use of a valid assertion got no token, so a replay cannot be judged "
              "(RFC7523-2.2-valid-assertion says why)", ["RFC7523-3-jti-replay"])
    if cc.profile.refuses_replayed_jti:
        cc.rec.promised.add("RFC7523-3-jti-replay")
    replay = cc.send(assertion_request(cc, assertion, label=f"{method} assertion, replayed"))
    cc.rec.check("RFC7523-3-jti-replay", not issued_token(replay),
                 expected="the replayed assertion (same jti) refused",
                 observed=f"HTTP {replay.response.status}, token issued again",
                 reason="the server accepted the same assertion (same jti) twice",
                 exchanges=[first, replay])


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.requirement("RFC7521-4.2-client-id")
def test_client_id_of_another_client_refused(cc: CheckContext, method: str) -> None:
    """Sends a valid assertion together with client_id naming another client. RFC 7521 §4.2:
    client_id is optional, but when present it MUST identify the client the assertion
    authenticates: the request names two clients and is served as neither (invalid_client or
    invalid_request)."""
    client = jwt_client(cc, method)
    b = assertion_request(cc, cc.assertion(client), client_id=other_client_id(cc, client),
                          label=f"{method} assertion with client_id of another client")
    control(cc, method, ["RFC7521-4.2-client-id"])
    verify_error(cc.rec, cc.send(b), codes=["invalid_client", "invalid_request"],
                 code_ids=["RFC7521-4.2-client-id"], also=["RFC7521-4.2-client-id"])


@pytest.mark.parametrize("method", JWT_METHODS)
@pytest.mark.parametrize("second", ["HTTP Basic", "client_secret in the body"])
@pytest.mark.requirement("RFC6749-2.3-one-auth-method", "RFC6749-5.2-invalid-request")
def test_assertion_and_another_method_refused(cc: CheckContext, method: str,
                                              second: str) -> None:
    """Sends a valid assertion plus a second authentication method (Basic credentials of the
    confidential client, or its client_secret in the body). RFC 6749 §2.3: one method per
    request; §5.2: invalid_request (invalid_client accepted too)."""
    client = jwt_client(cc, method)
    conf = cc.profile.confidential
    b = assertion_request(cc, cc.assertion(client), label=f"{method} assertion + {second}")
    control(cc, method, ["RFC6749-2.3-one-auth-method", "RFC6749-5.2-invalid-request"])
    if second == "HTTP Basic":
        b.basic(conf.client_id, conf.require_secret)
    else:
        b.param("client_secret", conf.require_secret)
    verify_error(cc.rec, cc.send(b), codes=["invalid_request", "invalid_client"],
                 code_ids=["RFC6749-5.2-invalid-request"], also=["RFC6749-2.3-one-auth-method"],
                 auth_scheme="Basic" if second == "HTTP Basic" else None)
