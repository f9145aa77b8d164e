"""The demo TLS material (deterministic), the registry's mutual-TLS fields and the CLI's
``demo-tls`` and ``serve --tls-dir`` arguments."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from reference_impl import cli, demo_tls
from reference_impl.registry import ClientRegistry, RegistryError, demo_registry
from reference_impl.tls_server import TLSExtensionApp, TLSExtensionH11Protocol, tls_extension

from .mtls_helpers import PKI_PEM, SELF_SIGNED_PEM

MTLS_TABLE = """
[[clients]]
client_id = "m"
token_endpoint_auth_method = "{method}"
{fields}
scopes = ["read"]
"""


def test_demo_material_is_deterministic(tmp_path: Path) -> None:
    first = demo_tls.demo_files()
    demo_tls.ca_certificate.cache_clear()
    demo_tls.pki_client_certificate.cache_clear()
    demo_tls.self_signed_client_certificate.cache_clear()
    demo_tls.server_certificate.cache_clear()
    assert demo_tls.demo_files() == first
    a = demo_tls.write_demo_tls(tmp_path / "a")
    b = demo_tls.write_demo_tls(tmp_path / "b" / "nested")
    assert sorted(a) == sorted(demo_tls.FILES) == sorted(p.name for p in (tmp_path / "a").iterdir())
    for name in demo_tls.FILES:
        assert a[name].read_bytes() == b[name].read_bytes() == first[name]
        mode = stat.S_IMODE(a[name].stat().st_mode)
        assert mode == (0o600 if name.endswith("-key.pem") else 0o644)
    assert first["client-trust.pem"] == first["ca.pem"] + first["client-self-signed.pem"]


def test_demo_certificates_have_the_documented_shape() -> None:
    ca = demo_tls.ca_certificate()
    assert ca.subject.rfc4514_string() == "CN=cc-conformance demo CA,O=cc-conformance demo"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server = demo_tls.server_certificate()
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    pki = demo_tls.pki_client_certificate()
    assert pki.subject.rfc4514_string() == demo_tls.PKI_CLIENT_DN
    assert pki.issuer == ca.subject
    assert ExtendedKeyUsageOID.CLIENT_AUTH in pki.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    own = demo_tls.self_signed_client_certificate()
    assert own.subject == own.issuer
    assert own.subject.rfc4514_string() == demo_tls.SELF_SIGNED_CLIENT_DN
    for cert in (ca, server, pki, own):
        assert cert.not_valid_before_utc.year == 2026 and cert.not_valid_after_utc.year == 2046


def test_thumbprint_forms_agree() -> None:
    cert = demo_tls.pki_client_certificate()
    from cryptography.hazmat.primitives.serialization import Encoding

    expected = demo_tls.thumbprint_s256(cert)
    assert len(expected) == 43 and "=" not in expected
    assert demo_tls.thumbprint_s256(PKI_PEM) == demo_tls.thumbprint_s256(PKI_PEM.encode())
    assert demo_tls.thumbprint_s256(cert.public_bytes(Encoding.DER)) == expected
    assert demo_tls.thumbprint_s256(PKI_PEM) == expected


def test_demo_registry_registers_the_demo_certificates() -> None:
    registry = demo_registry()
    own = registry.clients[demo_tls.SELF_SIGNED_CLIENT_ID]
    assert own.auth_method == "self_signed_tls_client_auth"
    assert own.tls_client_x5t_s256 == (demo_tls.thumbprint_s256(SELF_SIGNED_PEM),)
    pki = registry.clients[demo_tls.PKI_CLIENT_ID]
    assert pki.auth_method == "tls_client_auth"
    assert pki.tls_client_auth_subject_dn == demo_tls.PKI_CLIENT_DN
    for client in (own, pki):
        assert client.confidential and client.secret_hash is None
        assert client.scopes == ("read", "write") and client.default_scopes == ("read",)
    assert registry.tls_client_anchors == (demo_tls.ca_certificate(),)
    assert registry.mtls_methods == ("tls_client_auth", "self_signed_tls_client_auth")
    assert "PRIVATE" not in repr(registry) and "access_token_key" not in repr(registry)


def test_ca_file_relative_to_the_registry_file(tmp_path: Path) -> None:
    demo_tls.write_demo_tls(tmp_path / "tls")
    path = tmp_path / "clients.toml"
    path.write_text('[server]\ntls_client_ca_file = "tls/ca.pem"\nresource = "https://r"\n'
                    + MTLS_TABLE.format(method="tls_client_auth",
                                        fields=f'tls_client_auth_subject_dn = '
                                               f'"{demo_tls.PKI_CLIENT_DN}"'),
                    encoding="utf-8")
    registry = ClientRegistry.from_file(path)
    assert registry.tls_client_anchors == (demo_tls.ca_certificate(),)
    assert registry.resource == "https://r" and registry.mtls_methods == ("tls_client_auth",)


@pytest.mark.parametrize(("text", "message"), [
    (MTLS_TABLE.format(method="tls_client_auth", fields=""), "tls_client_auth_subject_dn"),
    (MTLS_TABLE.format(method="tls_client_auth", fields='tls_client_auth_subject_dn = "CN"'),
     "tls_client_auth_subject_dn"),
    (MTLS_TABLE.format(method="tls_client_auth",
                       fields='tls_client_auth_subject_dn = "CN=m"'), "no trust anchor"),
    (MTLS_TABLE.format(method="self_signed_tls_client_auth", fields=""), "tls_client_x5t_s256"),
    (MTLS_TABLE.format(method="self_signed_tls_client_auth", fields="tls_client_x5t_s256 = []"),
     "tls_client_x5t_s256"),
    (MTLS_TABLE.format(method="self_signed_tls_client_auth",
                       fields='tls_client_x5t_s256 = ["abc"]'), "tls_client_x5t_s256"),
    (MTLS_TABLE.format(method="self_signed_tls_client_auth",
                       fields='tls_client_x5t_s256 = "' + "A" * 43 + '"'),
     "tls_client_x5t_s256"),
    (MTLS_TABLE.format(method="client_secret", fields='tls_client_auth_subject_dn = "CN=m"'),
     "only a tls_client_auth"),
    (MTLS_TABLE.format(method="tls_client_auth",
                       fields='tls_client_x5t_s256 = ["' + "A" * 43 + '"]'),
     "only a self_signed_tls_client_auth"),
    (MTLS_TABLE.format(method="tls_client_auth",
                       fields='tls_client_auth_subject_dn = "CN=m"\nsecret_hash = "x"'),
     "TLS client certificate"),
    ("[server]\ntls_client_ca_file = 3\n", "tls_client_ca_file"),
    ("[server]\ntls_client_ca_file = 'missing.pem'\n", "cannot read"),
    ("[server]\nresource = ''\n", "server.resource"),
])
def test_bad_mtls_fields_are_registry_errors(text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        ClientRegistry.from_toml(text)


def test_ca_file_that_is_not_pem(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(RegistryError, match="no PEM certificate"):
        ClientRegistry.from_toml("[server]\ntls_client_ca_file = 'ca.pem'\n", base_dir=tmp_path)


def test_demo_tls_command_prints_paths_only(tmp_path: Path, capsys: Any) -> None:
    assert cli.main(["demo-tls", "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [str(tmp_path / "d" / name) for name in demo_tls.FILES]
    assert "PRIVATE KEY" not in out and "CERTIFICATE" not in out
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert cli.main(["demo-tls", "--out", str(tmp_path / "file" / "d")]) == 2


def test_serve_tls_dir_with_missing_files_exits_2(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "server.pem").write_text("", encoding="utf-8")
    assert cli.main(["serve", "--tls-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "server-key.pem, client-trust.pem" in err


def test_serve_tls_dir_configures_uvicorn(monkeypatch: Any, tmp_path: Path) -> None:
    import uvicorn

    calls: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: calls.append(
        self.config))
    demo_tls.write_demo_tls(tmp_path)
    assert cli.main(["serve", "--port", "0", "--tls-dir", str(tmp_path)]) == 1
    config = calls[0]
    assert config.ssl_certfile == str(tmp_path / "server.pem")
    assert config.ssl_keyfile == str(tmp_path / "server-key.pem")
    assert config.ssl_ca_certs == str(tmp_path / "client-trust.pem")
    assert config.ssl_cert_reqs == ssl.CERT_OPTIONAL and config.http is TLSExtensionH11Protocol
    assert cli.endpoint_url("::1", 1, scheme="https") == "https://[::1]:1/token"


class FakeSSLObject:
    def __init__(self, der: bytes | None) -> None:
        self.der = der

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        assert binary_form
        return self.der

    def version(self) -> str:
        return "TLSv1.3"


async def test_tls_extension_and_wrapper() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = demo_tls.pki_client_certificate().public_bytes(Encoding.DER)
    ext = tls_extension(FakeSSLObject(der))
    assert ext["client_cert_chain"] == [ssl.DER_cert_to_PEM_cert(der)]
    assert demo_tls.thumbprint_s256(ext["client_cert_chain"][0]) == demo_tls.thumbprint_s256(der)
    assert ext["client_cert_name"] == demo_tls.PKI_CLIENT_DN and ext["tls_version"] == 0x0304
    none = tls_extension(FakeSSLObject(None))
    assert none["client_cert_chain"] == [] and none["client_cert_name"] is None
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    wrapped = TLSExtensionApp(app, ext)
    await wrapped({"type": "http", "extensions": {"other": {}}}, None, None)
    await wrapped({"type": "lifespan"}, None, None)
    assert seen[0]["extensions"] == {"other": {}, "tls": ext}
    assert "extensions" not in seen[1]
