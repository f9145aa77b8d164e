"""The suite's TLS client certificates (RFC 8705): loading the profile's, generating probe
certificates, and what a report may show of them (subject and thumbprint, never the key)."""

from __future__ import annotations

import base64
import hashlib
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conformance import client_certs
from conformance.client_certs import ClientCertError


def test_generated_certificate_has_the_subject_a_fresh_key_and_a_private_key_file(
        tmp_path: Path) -> None:
    a = client_certs.generate_self_signed("CN=cc-mtls-client,O=cc-conformance demo", tmp_path,
                                          label="probe")
    b = client_certs.generate_self_signed(client_certs.subject_of(a), tmp_path, label="probe")
    assert a.subject == b.subject == "CN=cc-mtls-client,O=cc-conformance demo"
    assert a.x5t_s256 != b.x5t_s256  # fresh key and serial every time
    assert a.generated and (a.key_file.stat().st_mode & 0o777) == 0o600
    der = x509.load_pem_x509_certificate(a.cert_file.read_bytes()).public_bytes(
        serialization.Encoding.DER)
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert a.x5t_s256 == expected  # RFC 8705 §3.1
    # the pair loads as a TLS client credential
    a.ssl_context(ssl.create_default_context())


def test_load_round_trips_and_repr_shows_no_key(tmp_path: Path) -> None:
    made = client_certs.generate_self_signed("CN=x", tmp_path, label="probe")
    loaded = client_certs.load(made.cert_file, made.key_file, label="the client's certificate")
    assert loaded.x5t_s256 == made.x5t_s256 and not loaded.generated
    key_text = made.key_file.read_text()
    assert "PRIVATE KEY" not in repr(loaded) and key_text not in repr(loaded)
    assert loaded.describe() == f"the client's certificate: subject CN=x, x5t#S256 {made.x5t_s256}"


@pytest.mark.parametrize("case", ["missing cert", "not a cert", "missing key", "other key",
                                  "encrypted, no passphrase", "wrong passphrase"])
def test_unusable_files_are_one_line_errors(tmp_path: Path, case: str) -> None:
    a = client_certs.generate_self_signed("CN=a", tmp_path / "a", label="a")
    b = client_certs.generate_self_signed("CN=b", tmp_path / "b", label="b")
    cert, key, password = a.cert_file, a.key_file, None
    if case == "missing cert":
        cert = tmp_path / "nope.pem"
    elif case == "not a cert":
        cert = tmp_path / "junk.pem"
        cert.write_text("hello")
    elif case == "missing key":
        key = tmp_path / "nope-key.pem"
    elif case == "other key":
        key = b.key_file
    else:
        pkey = serialization.load_pem_private_key(a.key_file.read_bytes(), None)
        key = tmp_path / "enc.pem"
        key.write_bytes(pkey.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right-passphrase")))
        password = None if case == "encrypted, no passphrase" else "wrong-passphrase"
    with pytest.raises(ClientCertError) as err:
        client_certs.load(cert, key, password=password)
    msg = str(err.value)
    assert "\n" not in msg and ("right-passphrase" not in msg) and ("wrong-passphrase" not in msg)


def test_encrypted_key_loads_with_its_passphrase(tmp_path: Path) -> None:
    a = client_certs.generate_self_signed("CN=a", tmp_path, label="a")
    pkey = serialization.load_pem_private_key(a.key_file.read_bytes(), None)
    enc = tmp_path / "enc.pem"
    enc.write_bytes(pkey.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret-pass")))
    loaded = client_certs.load(a.cert_file, enc, password="s3cret-pass")
    assert "s3cret-pass" not in repr(loaded)
    loaded.ssl_context(ssl.create_default_context())
