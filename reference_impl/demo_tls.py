"""Demo TLS material for mutual-TLS client authentication (RFC 8705 §2): public test fixtures.

Like :mod:`reference_impl.demo_keys`, every private key here is derived from a published seed
(:data:`DEMO_TLS_SEED`), so anyone can recompute it: it protects nothing and must never be
trusted outside tests and demos. The certificates have fixed serial numbers and validity
(2026-01-01 to 2046-01-01) and are signed with deterministic ECDSA (RFC 6979), so the bytes, and
hence the ``x5t#S256`` thumbprints the demo registry registers, are the same on every machine.

What there is (``python -m reference_impl demo-tls --out DIR`` writes it, :func:`write_demo_tls`):

- ``ca.pem``: the demo CA (``CN=cc-conformance demo CA,O=cc-conformance demo``), the trust anchor
  of ``tls_client_auth`` clients and the issuer of the server certificate;
- ``server.pem`` / ``server-key.pem``: ``CN=localhost`` for ``localhost``, ``127.0.0.1`` and
  ``::1``;
- ``client-pki.pem`` / ``client-pki-key.pem``: the ``tls_client_auth`` client
  ``cc-mtls-client`` (``CN=cc-mtls-client,O=cc-conformance demo``, issued by the demo CA);
- ``client-self-signed.pem`` / ``client-self-signed-key.pem``: the
  ``self_signed_tls_client_auth`` client ``cc-mtls-self-signed-client`` (its own issuer);
- ``client-trust.pem``: the demo CA followed by the self-signed client certificate, what the
  server's TLS layer accepts client certificates from (the application then decides which
  client a certificate authenticates).
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

DEMO_TLS_SEED = b"cc-conformance demo TLS material: a public test fixture, never a key"
#: the order of the P-256 group (FIPS 186-4 D.1.2.3)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2046, 1, 1, tzinfo=datetime.UTC)

DEMO_ORG = "cc-conformance demo"
CA_SUBJECT_DN = f"CN=cc-conformance demo CA,O={DEMO_ORG}"
PKI_CLIENT_ID = "cc-mtls-client"
PKI_CLIENT_DN = f"CN={PKI_CLIENT_ID},O={DEMO_ORG}"
SELF_SIGNED_CLIENT_ID = "cc-mtls-self-signed-client"
SELF_SIGNED_CLIENT_DN = f"CN={SELF_SIGNED_CLIENT_ID},O={DEMO_ORG}"
#: the kid of the demo registry's access token signing key (RFC 9068 tokens of mTLS clients)
DEMO_TOKEN_KID = "cc-demo-at-1"  # noqa: S105 - a public key id

_SERIALS = {"ca": 0x0CC0_0001, "server": 0x0CC0_0002, "client-pki": 0x0CC0_0003,
            "client-self-signed": 0x0CC0_0004}

#: the files :func:`write_demo_tls` writes (the keys with mode 0600)
FILES = ("ca.pem", "server.pem", "server-key.pem", "client-pki.pem", "client-pki-key.pem",
         "client-self-signed.pem", "client-self-signed-key.pem", "client-trust.pem")


def derive_key(label: str) -> Any:
    """The EC P-256 private key for ``label``: SHA-256 of the seed and the label, mod n."""
    from cryptography.hazmat.primitives.asymmetric import ec

    digest = hashlib.sha256(DEMO_TLS_SEED + label.encode("utf-8")).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % _P256_ORDER, ec.SECP256R1())


def _name(dn: str) -> Any:
    from cryptography import x509

    return x509.Name.from_rfc4514_string(dn)


def _builder(subject: str, issuer: str, serial: int, public_key: Any) -> Any:
    from cryptography import x509

    return (x509.CertificateBuilder()
            .subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(public_key).serial_number(serial)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _sign(builder: Any, key: Any) -> Any:
    from cryptography.hazmat.primitives import hashes

    return builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> Any:
    from cryptography import x509

    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
                         decipher_only=False)


@functools.cache
def ca_certificate() -> Any:
    """The demo CA certificate (self-signed, CA=true, keyCertSign and cRLSign)."""
    from cryptography import x509

    key = derive_key("ca")
    builder = (_builder(CA_SUBJECT_DN, CA_SUBJECT_DN, _SERIALS["ca"], key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_key_usage(cert_sign=True), critical=True))
    return _sign(builder, key)


def _issued(label: str, subject: str, eku: Any, extra: list[Any] | None = None) -> Any:
    """A leaf issued by the demo CA: AKI/SKI, digitalSignature, the one extended key usage."""
    from cryptography import x509

    ca_key = derive_key("ca")
    key = derive_key(label)
    builder = (_builder(subject, CA_SUBJECT_DN, _SERIALS[label], key.public_key())
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca_key.public_key()), critical=False)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(digital_signature=True), critical=True)
               .add_extension(x509.ExtendedKeyUsage([eku]), critical=False))
    for extension in extra or []:
        builder = builder.add_extension(extension, critical=False)
    return _sign(builder, ca_key)


@functools.cache
def server_certificate() -> Any:
    """``CN=localhost`` for DNS ``localhost`` and IP ``127.0.0.1``, ``::1`` (serverAuth)."""
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1"))])
    return _issued("server", "CN=localhost", ExtendedKeyUsageOID.SERVER_AUTH, [san])


@functools.cache
def pki_client_certificate() -> Any:
    """The ``tls_client_auth`` client ``cc-mtls-client``, issued by the demo CA (clientAuth)."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    return _issued("client-pki", PKI_CLIENT_DN, ExtendedKeyUsageOID.CLIENT_AUTH)


@functools.cache
def self_signed_client_certificate() -> Any:
    """The ``self_signed_tls_client_auth`` client ``cc-mtls-self-signed-client``: subject and
    issuer are its DN, signed by its own key (clientAuth, CA=false; OpenSSL accepts it as its
    own trust anchor when it is in the server's CA file)."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = derive_key("client-self-signed")
    builder = (_builder(SELF_SIGNED_CLIENT_DN, SELF_SIGNED_CLIENT_DN,
                        _SERIALS["client-self-signed"], key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_key_usage(digital_signature=True), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                              critical=False))
    return _sign(builder, key)


def token_signing_key() -> Any:
    """The demo registry's ES256 key for JWT access tokens (RFC 9068), from the seed too."""
    return derive_key("access-token-signing")


def cert_pem(cert: Any) -> bytes:
    """The PEM of a :class:`cryptography.x509.Certificate`."""
    from cryptography.hazmat.primitives import serialization

    pem: bytes = cert.public_bytes(serialization.Encoding.PEM)
    return pem


def key_pem(key: Any) -> bytes:
    """PKCS#8 PEM, unencrypted (a public fixture)."""
    from cryptography.hazmat.primitives import serialization

    pem: bytes = key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    return pem


def thumbprint_s256(cert: str | bytes | Any) -> str:
    """RFC 8705 §3.1 ``x5t#S256``: the SHA-256 of the certificate's DER encoding, base64url
    without padding. ``cert``: PEM (str or bytes), DER bytes or a cryptography certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if isinstance(cert, str):
        cert = cert.encode("ascii")
    if isinstance(cert, bytes):
        der = (x509.load_pem_x509_certificate(cert).public_bytes(serialization.Encoding.DER)
               if cert.lstrip().startswith(b"-----") else cert)
    else:
        der = cert.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def demo_files() -> dict[str, bytes]:
    """The contents of every file in :data:`FILES`, by name."""
    ca, self_signed = cert_pem(ca_certificate()), cert_pem(self_signed_client_certificate())
    return {
        "ca.pem": ca,
        "server.pem": cert_pem(server_certificate()),
        "server-key.pem": key_pem(derive_key("server")),
        "client-pki.pem": cert_pem(pki_client_certificate()),
        "client-pki-key.pem": key_pem(derive_key("client-pki")),
        "client-self-signed.pem": self_signed,
        "client-self-signed-key.pem": key_pem(derive_key("client-self-signed")),
        "client-trust.pem": ca + self_signed,
    }


def write_demo_tls(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write :data:`FILES` into ``directory`` (created if missing); private keys get mode 0600
    (also when the file existed). Returns the paths by file name. A file is replaced
    atomically and only when its content differs, so processes writing the same folder at the
    same time (parallel test workers, a CI job) never read a half-written file."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, data in demo_files().items():
        path = paths[name] = folder / name
        mode = 0o600 if name.endswith("-key.pem") else 0o644
        if path.is_file() and path.read_bytes() == data:
            path.chmod(mode)
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")  # mode 0600
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
        os.replace(tmp, path)
    return paths


__all__ = ["CA_SUBJECT_DN", "DEMO_TLS_SEED", "FILES", "PKI_CLIENT_DN", "PKI_CLIENT_ID",
           "SELF_SIGNED_CLIENT_DN", "SELF_SIGNED_CLIENT_ID", "ca_certificate", "cert_pem",
           "demo_files", "derive_key", "key_pem", "pki_client_certificate",
           "self_signed_client_certificate", "server_certificate", "thumbprint_s256",
           "token_signing_key", "write_demo_tls"]
