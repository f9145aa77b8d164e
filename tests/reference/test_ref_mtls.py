"""Mutual-TLS client authentication (RFC 8705 §2) and certificate-bound tokens (§3) of the
reference, in-process: the ASGI app with hand-built scopes carrying the ASGI TLS extension."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from reference_impl import demo_tls
from reference_impl.asgi import TokenApp, client_cert_of, create_app
from reference_impl.common import Request
from reference_impl.formencoding import encode_basic_credentials
from reference_impl.mtls import CertificateAuthenticator, dn_matches, parse_dn
from reference_impl.registry import Client, ClientRegistry, demo_registry
from reference_impl.tokens import DEFAULT_RESOURCE, AccessTokenSigner

from .conftest import DEMO_ID, DEMO_SECRET, make_fast_registry
from .mtls_helpers import PKI_PEM, SELF_SIGNED_PEM, fresh_self_signed, jwt_parts, tls_scope

PKI_ID = demo_tls.PKI_CLIENT_ID
SELF_ID = demo_tls.SELF_SIGNED_CLIENT_ID


@pytest.fixture(scope="module")
def demo_app() -> TokenApp:
    return create_app(demo_registry())


async def post(app: Any, form: dict[str, str], cert: str | None, *,
               headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, dict[str, Any]]:
    """One token request through the ASGI app; the status and the JSON body."""
    body = urlencode(form).encode()
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(tls_scope(cert, body_length=len(body), headers=headers), receive, send)
    return sent[0]["status"], json.loads(sent[1]["body"])


def grant(client_id: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, **extra}


async def test_pki_client_gets_a_certificate_bound_jwt(demo_app: TokenApp) -> None:
    status, body = await post(demo_app, grant(PKI_ID, scope="read write"), PKI_PEM)
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "read write" and "refresh_token" not in body
    header, claims = jwt_parts(body["access_token"])
    assert header == {"typ": "at+jwt", "alg": "ES256", "kid": demo_tls.DEMO_TOKEN_KID}
    assert claims["cnf"] == {"x5t#S256": demo_tls.thumbprint_s256(PKI_PEM)}
    assert claims["sub"] == claims["client_id"] == PKI_ID
    assert claims["iss"] == "https://ref.test" and claims["aud"] == DEFAULT_RESOURCE
    assert claims["exp"] - claims["iat"] == 3600 and claims["scope"] == "read write"
    assert len(claims["jti"]) >= 32
    # the signature verifies with the endpoint's public key (the demo key from the seed)
    signer = demo_app.endpoint.token_handler.signer
    assert signer.public_jwk()["kid"] == demo_tls.DEMO_TOKEN_KID
    key = ECKey.import_key(signer.public_jwk())
    assert jwt.decode(body["access_token"], key, algorithms=["ES256"]).claims == claims
    assert ECKey.import_key(demo_tls.token_signing_key()).thumbprint() == key.thumbprint()
    record = demo_app.endpoint.grant.request_validator.lookup_token(body["access_token"])
    assert record is not None and record.x5t_s256 == demo_tls.thumbprint_s256(PKI_PEM)


async def test_self_signed_client_gets_a_token_bound_to_its_certificate(
        demo_app: TokenApp) -> None:
    status, body = await post(demo_app, grant(SELF_ID), SELF_SIGNED_PEM)
    assert status == 200, body
    _, claims = jwt_parts(body["access_token"])
    assert claims["cnf"]["x5t#S256"] == demo_tls.thumbprint_s256(SELF_SIGNED_PEM)
    assert claims["scope"] == "read" and claims["client_id"] == SELF_ID


async def test_tokens_are_unique(demo_app: TokenApp) -> None:
    tokens = [(await post(demo_app, grant(PKI_ID), PKI_PEM))[1]["access_token"]
              for _ in range(3)]
    assert len(set(tokens)) == 3
    assert len({jwt_parts(t)[1]["jti"] for t in tokens}) == 3


@pytest.mark.parametrize("client_id", [PKI_ID, SELF_ID])
async def test_no_certificate_is_invalid_client(demo_app: TokenApp, client_id: str) -> None:
    status, body = await post(demo_app, grant(client_id), None)
    assert (status, body["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(("client_id", "cert"), [
    # the PKI client's DN, but self-signed: not issued by the demo CA
    (PKI_ID, fresh_self_signed(demo_tls.PKI_CLIENT_DN)[0]),
    # another self-signed certificate, even with the registered subject
    (SELF_ID, fresh_self_signed(demo_tls.SELF_SIGNED_CLIENT_DN)[0]),
    # each demo client's certificate for the other one
    (PKI_ID, SELF_SIGNED_PEM),
    (SELF_ID, PKI_PEM),
    # issued by the demo CA but for the server (serverAuth only, another DN)
    (PKI_ID, demo_tls.cert_pem(demo_tls.server_certificate()).decode()),
    ("cc-mtls-client", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"),
], ids=["pki-self-signed-same-dn", "self-signed-other-cert", "pki-with-self-signed-cert",
        "self-signed-with-pki-cert", "pki-with-server-cert", "garbage"])
async def test_wrong_certificate_is_invalid_client(demo_app: TokenApp, client_id: str,
                                                   cert: str) -> None:
    status, body = await post(demo_app, grant(client_id), cert)
    assert (status, body["error"]) == (401, "invalid_client")


async def test_mtls_client_with_a_second_method_is_invalid_request(demo_app: TokenApp) -> None:
    status, body = await post(demo_app, grant(PKI_ID, client_secret="x"), PKI_PEM)
    assert (status, body["error"]) == (400, "invalid_request")
    basic = [(b"authorization", encode_basic_credentials(SELF_ID, "x").encode())]
    status, body = await post(demo_app, {"grant_type": "client_credentials"}, SELF_SIGNED_PEM,
                              headers=basic)
    assert (status, body["error"]) == (400, "invalid_request")
    assertion = grant(PKI_ID, client_assertion="a.b.c", client_assertion_type=(
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
    status, body = await post(demo_app, assertion, PKI_PEM)
    assert (status, body["error"]) == (400, "invalid_request")


async def test_certificate_of_a_secret_client_is_ignored(demo_app: TokenApp) -> None:
    basic = [(b"authorization", encode_basic_credentials(DEMO_ID, DEMO_SECRET).encode())]
    status, body = await post(demo_app, {"grant_type": "client_credentials"}, PKI_PEM,
                              headers=basic)
    assert status == 200 and "." not in body["access_token"]  # opaque, not bound
    status, body = await post(demo_app, grant(DEMO_ID), PKI_PEM)  # a cert is no secret
    assert (status, body["error"]) == (401, "invalid_client")


async def test_token_endpoint_takes_client_cert_directly() -> None:
    endpoint = create_app(demo_registry()).endpoint
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode(grant(PKI_ID)).encode()
    _, text, status = await endpoint.create_token_response("POST", "/token", form, body,
                                                           client_cert=PKI_PEM)
    assert status == 200
    _, claims = jwt_parts(json.loads(text)["access_token"])
    assert claims["iss"] == "https://cc-reference.invalid"  # no absolute URI, no issuer
    _, text, status = await endpoint.create_token_response("POST", "/token", form, body)
    assert status == 401
    request = endpoint.build_request("POST", "/token", form, body, client_cert=PKI_PEM)
    assert request.client_cert == PKI_PEM and request.certificate_thumbprint is None


async def test_configured_issuer_and_resource() -> None:
    registry = ClientRegistry.from_toml(
        '[server]\nresource = "https://api.example"\n'
        '[[clients]]\nclient_id = "ss"\ntoken_endpoint_auth_method = '
        '"self_signed_tls_client_auth"\n'
        f'tls_client_x5t_s256 = ["{demo_tls.thumbprint_s256(SELF_SIGNED_PEM)}"]\n'
        'scopes = ["read"]\ndefault_scopes = ["read"]\n')
    app = create_app(registry, issuer="https://as.example/")
    status, body = await post(app, grant("ss"), SELF_SIGNED_PEM)
    assert status == 200
    header, claims = jwt_parts(body["access_token"])
    assert claims["iss"] == "https://as.example" and claims["aud"] == "https://api.example"
    # no key in the registry: one is generated, its kid the RFC 7638 thumbprint
    assert header["kid"] == ECKey.import_key(
        app.endpoint.token_handler.signer.public_jwk()).thumbprint()


async def test_metadata_lists_mtls_only_when_registered(demo_app: TokenApp) -> None:
    doc = demo_app.metadata({"type": "http", "method": "GET", "scheme": "https",
                             "headers": [(b"host", b"ref.test")]})
    meta = json.loads(doc[1])
    assert {"tls_client_auth", "self_signed_tls_client_auth"} <= set(
        meta["token_endpoint_auth_methods_supported"])
    assert meta["tls_client_certificate_bound_access_tokens"] is True
    plain = create_app(make_fast_registry()).metadata(
        {"type": "http", "method": "GET", "headers": [(b"host", b"ref.test")]})
    meta = json.loads(plain[1])
    assert "tls_client_auth" not in meta["token_endpoint_auth_methods_supported"]
    assert "tls_client_certificate_bound_access_tokens" not in meta


def test_client_cert_of_reads_the_leaf() -> None:
    assert client_cert_of({}) is None
    assert client_cert_of({"extensions": {"tls": {"client_cert_chain": []}}}) is None
    assert client_cert_of({"extensions": {"tls": {"client_cert_chain": ["A", "B"]}}}) == "A"
    assert client_cert_of({"extensions": {"tls": None}}) is None


def test_dn_matching_is_semantic() -> None:
    subject = demo_tls.pki_client_certificate().subject
    assert dn_matches(subject, parse_dn("CN=cc-mtls-client,O=cc-conformance demo"))
    assert dn_matches(subject, parse_dn("cn=CC-MTLS-Client, o=cc-conformance   demo"))
    assert not dn_matches(subject, parse_dn("O=cc-conformance demo,CN=cc-mtls-client"))
    assert not dn_matches(subject, parse_dn("CN=cc-mtls-client"))
    assert not dn_matches(subject, parse_dn("CN=cc-mtls-client,O=cc-conformance demo,C=DE"))


def test_registered_dn_is_compared_semantically() -> None:
    client = Client("c", True, ("client_credentials",), ("read",), ("read",),
                    auth_method="tls_client_auth",
                    tls_client_auth_subject_dn="cn=CC-MTLS-CLIENT, o=CC-Conformance Demo")
    checker = CertificateAuthenticator([demo_tls.ca_certificate()])
    assert checker.authenticate(client, PKI_PEM) == demo_tls.thumbprint_s256(PKI_PEM)
    assert "anchors=1" in repr(checker)


def test_validity_period_is_checked() -> None:
    checker = CertificateAuthenticator([demo_tls.ca_certificate()])
    cert = demo_tls.pki_client_certificate()
    assert checker.chains_to_anchor(cert)
    late = datetime.datetime(2047, 1, 1, tzinfo=datetime.UTC)
    early = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    assert not checker.chains_to_anchor(cert, now=late)
    assert not checker.chains_to_anchor(cert, now=early)
    assert not CertificateAuthenticator().chains_to_anchor(cert)


def test_signer_repr_hides_the_key_and_request_has_no_cert_by_default() -> None:
    signer = AccessTokenSigner(demo_tls.token_signing_key(), kid="k")
    assert repr(signer) == f"AccessTokenSigner(kid='k', audience={DEFAULT_RESOURCE!r})"
    assert "d" not in signer.public_jwk()
    request = Request("/token")
    assert request.client_cert is None and request.certificate_thumbprint is None
