"""Fault variants for mutual-TLS client authentication and certificate-bound tokens (RFC 8705
§2, §2.1, §2.2, §3.1): each one breaks a single rule of ``reference_impl.mtls`` or the
validator's certificate hook. Registered in the one fault set (``variants.FAULTS``) by
importing this module. They run in-process, where the app itself judges the certificate the
ASGI TLS extension carries (no TLS layer refuses anything first)."""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from reference_impl import errors
from reference_impl.common import Request
from reference_impl.demo_tls import thumbprint_s256
from reference_impl.mtls import CertificateAuthenticator, dn_matches, load_certificate, parse_dn
from reference_impl.registry import Client, ClientRegistry
from reference_impl.registry_validator import RegistryRequestValidator
from reference_impl.tokens import AccessTokenSigner, BearerToken

from .variants import fault
from .wrappers import build_app, shared_registry


def _with_authenticator(authenticator: type[CertificateAuthenticator]) -> object:
    """The reference whose validator matches certificates with ``authenticator``."""

    class Validator(RegistryRequestValidator):
        def __init__(self, registry: ClientRegistry, **kw: Any) -> None:
            super().__init__(registry, **kw)
            self.certificates = authenticator(registry.tls_client_anchors)

    return build_app(validator=Validator)


@fault("RFC8705-2-valid-certificate")
def self_signed_thumbprint_in_hex() -> object:
    """RFC8705-2-valid-certificate: the self-signed method compares the registered base64url
    x5t#S256 with the certificate's hex SHA-256, so no self-signed client ever
    authenticates."""

    class Authenticator(CertificateAuthenticator):
        def authenticate(self, client: Any, cert_pem: str | None, *,
                         now: datetime.datetime | None = None) -> str | None:
            if client.auth_method == "self_signed_tls_client_auth":
                cert = load_certificate(cert_pem)
                if cert is None:
                    return None
                hexed = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
                return hexed if self._registered(hexed, client.tls_client_x5t_s256) else None
            return super().authenticate(client, cert_pem, now=now)

    return _with_authenticator(Authenticator)


@fault("RFC8705-2-certificate-required")
def certificate_optional() -> object:
    """RFC8705-2-certificate-required: an mTLS client that presents no certificate is
    authenticated by its client_id alone (the certificate treated as optional)."""

    class Validator(RegistryRequestValidator):
        async def authenticate_client_certificate(self, request: Request,
                                                  client: Client) -> bool:
            if request.client_cert is None and request.auth_method is None:
                request.client = client
                request.auth_method = client.auth_method
                return True
            return await super().authenticate_client_certificate(request, client)

    return build_app(validator=Validator)


@fault("RFC8705-2.1-pki-subject")
def pki_subject_without_chain() -> object:
    """RFC8705-2.1-pki-subject: tls_client_auth matches the registered subject DN without
    checking that the certificate chains to a trusted issuer, so anyone can write that subject
    into a self-made certificate."""

    class Authenticator(CertificateAuthenticator):
        def authenticate(self, client: Any, cert_pem: str | None, *,
                         now: datetime.datetime | None = None) -> str | None:
            cert = load_certificate(cert_pem)
            if client.auth_method == "tls_client_auth" and cert is not None:
                ok = dn_matches(cert.subject, parse_dn(client.tls_client_auth_subject_dn))
                return thumbprint_s256(cert) if ok else None
            return super().authenticate(client, cert_pem, now=now)

    return _with_authenticator(Authenticator)


@fault("RFC8705-2.2-self-signed-match")
def self_signed_matched_by_subject() -> object:
    """RFC8705-2.2-self-signed-match: the self-signed method accepts any self-issued
    certificate whose subject names the client (CN = client_id) instead of the registered
    certificate."""

    class Authenticator(CertificateAuthenticator):
        def authenticate(self, client: Any, cert_pem: str | None, *,
                         now: datetime.datetime | None = None) -> str | None:
            cert = load_certificate(cert_pem)
            if client.auth_method == "self_signed_tls_client_auth" and cert is not None:
                cns = [a.value for a in cert.subject.get_attributes_for_oid(
                    NameOID.COMMON_NAME)]
                ok = cert.issuer == cert.subject and client.client_id in cns
                return thumbprint_s256(cert) if ok else None
            return super().authenticate(client, cert_pem, now=now)

    return _with_authenticator(Authenticator)


@fault("RFC8705-2-invalid-client")
def wrong_certificate_is_unauthorized_client() -> object:
    """RFC8705-2-invalid-client: a missing or wrong client certificate is answered
    unauthorized_client (400) instead of invalid_client."""

    class Validator(RegistryRequestValidator):
        async def authenticate_client_certificate(self, request: Request,
                                                  client: Client) -> bool:
            if not await super().authenticate_client_certificate(request, client):
                raise errors.UnauthorizedClientError(
                    "The client certificate does not authenticate this client.")
            return True

    return build_app(validator=Validator)


@fault("RFC8705-3.1-bound-token-thumbprint")
def thumbprint_with_padding_and_plus() -> object:
    """RFC8705-3.1-bound-token-thumbprint: cnf's x5t#S256 is the standard base64 of the
    SHA-256 (with '+', '/' and '=' padding) of the PEM text instead of the base64url SHA-256
    of the DER certificate, so no resource server can match the token to the certificate."""

    class Signer(AccessTokenSigner):
        def sign(self, request: Request, *, expires_in: int, thumbprint: str,
                 now: float | None = None) -> str:
            pem = (request.client_cert or "").encode("ascii")
            wrong = base64.b64encode(hashlib.sha256(pem).digest()).decode("ascii")
            return super().sign(request, expires_in=expires_in, thumbprint=wrong, now=now)

    reg = shared_registry()
    signer = Signer(reg.access_token_key, kid=reg.access_token_kid, audience=reg.resource)

    class Tokens(BearerToken):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self.signer = signer

    return build_app(tokens=Tokens)
