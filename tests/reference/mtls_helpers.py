"""Shared helpers of the mutual-TLS reference tests: fresh certificates and JWT decoding."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from reference_impl import demo_tls

PKI_PEM = demo_tls.cert_pem(demo_tls.pki_client_certificate()).decode("ascii")
SELF_SIGNED_PEM = demo_tls.cert_pem(demo_tls.self_signed_client_certificate()).decode("ascii")


def fresh_self_signed(dn: str, *, eku: Any = ExtendedKeyUsageOID.CLIENT_AUTH) -> tuple[str, str]:
    """A new key and a self-signed certificate with subject ``dn``: (cert PEM, key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name.from_rfc4514_string(dn)
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            key_pem.decode("ascii"))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, unverified."""

    def part(text: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return value

    header, payload, _ = token.split(".")
    return part(header), part(payload)


def tls_scope(cert_pem: str | None, *, body_length: int = 0,
              headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """A POST /token scope carrying the ASGI TLS extension with ``cert_pem`` (None: no cert)."""
    return {
        "type": "http", "method": "POST", "path": "/token", "query_string": b"",
        "scheme": "https",
        "headers": [(b"host", b"ref.test"),
                    (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", str(body_length).encode()), *(headers or [])],
        "extensions": {"tls": {"server_cert": None,
                               "client_cert_chain": [cert_pem] if cert_pem else [],
                               "client_cert_name": None, "client_cert_error": None,
                               "tls_version": 0x0304, "cipher_suite": None}},
    }
