"""RFC 8705 §2 and §3: mutual-TLS client authentication -- ``tls_client_auth`` (a certificate
from a trusted issuer whose subject is registered for the client, §2.1) and
``self_signed_tls_client_auth`` (a registered self-signed certificate, §2.2) -- and
certificate-bound access tokens (§3.1).

Every test runs once per mTLS method and only for a method the profile lists in
``server.auth_methods`` (with its ``[clients.<method>]`` client, certificate and key); otherwise
its requirements are not applicable. A request names the client with ``client_id`` in the body
and presents a certificate in the TLS handshake (in-process: through the ASGI TLS extension,
:mod:`conformance.targets.app`). Each refusal probe is preceded by a control, the client's own
certificate, and is judged only when the control got a token.

A refusal may come at either layer: an HTTP error (judged as RFC 6749 §5.2 with invalid_client)
or the server ending the TLS connection over the certificate (recorded in the exchange; then
there is no error code to judge). Both mean no token, which is what the rules require.
"""

from __future__ import annotations

import pytest

from conformance import client_certs
from conformance.checks import issued_token, verify_error, verify_success
from conformance.entropy import jws_claims
from conformance.exchange import parse_json_object
from conformance.harness import CheckContext
from conformance.profile import MTLS_METHODS, Client
from conformance.request import RequestBuilder
from conformance.suite._common import served_control

INVALID_CLIENT = "RFC8705-2-invalid-client"
#: the rule a wrong certificate breaks, by method
MATCH_RULE = {"tls_client_auth": "RFC8705-2.1-pki-subject",
              "self_signed_tls_client_auth": "RFC8705-2.2-self-signed-match"}


def mtls_client(cc: CheckContext, method: str) -> Client:
    """The client of ``method``; not applicable when the profile does not declare it or the
    target cannot carry a client certificate."""
    cc.require_method(method)
    client = cc.client(method)
    if not getattr(cc.session.target, "client_certs", False):
        cc.na("the target cannot receive a TLS client certificate (an in-process WSGI app, or "
              "a plain-http URL): test its https endpoint or an ASGI app")
    return client


def mtls_request(cc: CheckContext, client: Client, cert: client_certs.ClientCert | None, *,
                 label: str) -> RequestBuilder:
    """grant_type=client_credentials (with the usual scope) and the client's client_id,
    presenting ``cert``."""
    return (cc.grant_request(label=label)
            .param("client_id", client.client_id).tls_client(cert))


def control(cc: CheckContext, method: str, rids: list[str]) -> None:
    """The client's own certificate must get a token right before a probe; otherwise the
    probe's refusal would prove nothing, and its rules are not judged here."""
    served_control(cc, cc.token_request(method=method, label=f"control: {method} with the "
                                        "client's own certificate"), rids,
                   what=f"the {method} client with its own certificate",
                   rule="RFC8705-2-valid-certificate")


def refused(cc: CheckContext, method: str, b: RequestBuilder, rid: str) -> None:
    """After a served control, send ``b``: no token (RFC 8705 §2); an HTTP refusal is a §5.2
    error with invalid_client."""
    control(cc, method, [rid, INVALID_CLIENT])
    verify_error(cc.rec, cc.send(b), codes=("invalid_client",), code_ids=[INVALID_CLIENT],
                 also=[rid])


@pytest.mark.parametrize("method", MTLS_METHODS)
@pytest.mark.requirement("RFC8705-2-valid-certificate", "RFC6749-4.4.3-token-issued")
def test_valid_certificate_gets_token(cc: CheckContext, method: str) -> None:
    """Sends grant_type=client_credentials with the method's client_id, presenting the client's
    registered certificate in the TLS handshake. RFC 8705 §2: the certificate authenticates the
    client and, RFC 6749 §4.4.3, it gets an access token response per §5.1."""
    mtls_client(cc, method)
    ex = cc.send(cc.token_request(method=method, label=f"{method} with the client's own "
                                  "certificate"))
    verify_success(cc.rec, ex, spec=cc.spec,
                   also=["RFC8705-2-valid-certificate", "RFC6749-4.4.3-token-issued"])


@pytest.mark.parametrize("method", MTLS_METHODS)
@pytest.mark.requirement("RFC8705-2-certificate-required", "RFC8705-2-invalid-client")
def test_no_certificate_refused(cc: CheckContext, method: str) -> None:
    """Sends the mTLS client's client_id without presenting any certificate (and no other
    credential). RFC 8705 §2: the certificate is this client's credential, so it is not
    authenticated: no token, invalid_client (or the TLS connection refused)."""
    client = mtls_client(cc, method)
    refused(cc, method, mtls_request(cc, client, None, label=f"{method} client_id, no certificate"),
            "RFC8705-2-certificate-required")


@pytest.mark.parametrize("method", MTLS_METHODS)
@pytest.mark.requirement("RFC8705-2.1-pki-subject", "RFC8705-2.2-self-signed-match",
                         "RFC8705-2-invalid-client")
def test_self_made_certificate_with_the_clients_subject_refused(cc: CheckContext,
                                                                method: str) -> None:
    """Presents a certificate the suite has just made: a fresh key, self-signed, with the
    subject of the client's own certificate, and sends the client's client_id. RFC 8705 §2.1:
    a tls_client_auth certificate must chain to a trusted issuer, so a copied subject is not
    enough; §2.2: a self_signed_tls_client_auth certificate must be the registered one. No
    token, invalid_client (or the TLS connection refused)."""
    client = mtls_client(cc, method)
    assert client.cert is not None
    fake = client_certs.generate_self_signed(
        client_certs.subject_of(client.cert), cc.session.scratch_dir(),
        label=f"a self-signed certificate the suite made with the {method} client's subject")
    refused(cc, method, mtls_request(cc, client, fake, label=f"{method} client_id, self-made "
                                     "certificate with its subject"), MATCH_RULE[method])


@pytest.mark.parametrize("method", MTLS_METHODS)
@pytest.mark.requirement("RFC8705-2.1-pki-subject", "RFC8705-2.2-self-signed-match",
                         "RFC8705-2-invalid-client")
def test_another_clients_certificate_refused(cc: CheckContext, method: str) -> None:
    """Presents the certificate of the profile's other mTLS client (which the server trusts,
    for that client) with this client's client_id. RFC 8705 §2.1/§2.2: the certificate must be
    this client's (registered subject, or registered certificate): no token, invalid_client (or
    the TLS connection refused). Needs both mTLS clients in the profile."""
    client = mtls_client(cc, method)
    others = [cc.profile.client(m) for m in MTLS_METHODS if m != method]
    other = next((c for c in others if c is not None and c.cert is not None), None)
    if other is None or other.cert is None:
        cc.na("the profile declares only one mTLS client; another client's certificate is "
              "needed", [MATCH_RULE[method], INVALID_CLIENT])
    if other.cert.x5t_s256 == (client.cert.x5t_s256 if client.cert else None):
        cc.na("both mTLS clients of the profile use the same certificate",
              [MATCH_RULE[method], INVALID_CLIENT])
    refused(cc, method, mtls_request(cc, client, other.cert, label=f"{method} client_id, the "
                                     f"{other.role} client's certificate"), MATCH_RULE[method])


@pytest.mark.parametrize("method", MTLS_METHODS)
@pytest.mark.requirement("RFC8705-3.1-bound-token-thumbprint")
def test_bound_token_names_the_certificate_used(cc: CheckContext, method: str) -> None:
    """Sends a valid mTLS request and reads the access token. RFC 8705 §3.1: a JWT access token
    bound to the client's certificate carries cnf with x5t#S256, the base64url SHA-256 of the
    DER certificate, which must be the one presented. An opaque token, or a JWT without cnf,
    shows no binding (not applicable)."""
    client = mtls_client(cc, method)
    assert client.cert is not None
    ex = cc.send(cc.token_request(method=method, label=f"{method} with the client's own "
                                  "certificate, to read the token's binding"))
    obj, _, _ = parse_json_object(ex.response.body)
    token = (obj or {}).get("access_token")
    if not issued_token(ex) or not isinstance(token, str):
        cc.na(f"the valid {method} request got no access token to read "
              "(RFC8705-2-valid-certificate says why)")
    claims = jws_claims(token)  # type: ignore[arg-type]
    if claims is None:
        cc.na("the access token is opaque (not a JWS): its binding cannot be seen from outside")
    cnf = claims.get("cnf")
    if cnf is None:
        cc.na("the JWT access token has no cnf claim: it is not certificate-bound (binding is "
              "optional, RFC 8705 §3)")
    got = cnf.get("x5t#S256") if isinstance(cnf, dict) else None
    if isinstance(cnf, dict) and got is None:
        cc.na(f"the cnf claim names no x5t#S256 thumbprint (members {sorted(cnf)}): the token "
              "is bound by another method")
    cc.rec.check("RFC8705-3.1-bound-token-thumbprint", got == client.cert.x5t_s256,
                 expected=f"cnf.x5t#S256 = {client.cert.x5t_s256} (the certificate presented)",
                 observed=f"cnf = {cnf!r}",
                 reason="the token is bound to a different certificate than the one the client "
                        "presented", exchanges=[ex])
