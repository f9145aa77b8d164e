"""``python -m reference_impl serve --tls-dir DIR`` over real TLS on 127.0.0.1: mutual-TLS
clients get certificate-bound tokens with the certificates the handshake carried (RFC 8705)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reference_impl import demo_tls
from tests.demo import served_reference

from .mtls_helpers import fresh_self_signed, jwt_parts


@pytest.fixture(scope="module")
def served_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The reference serving https from the demo TLS files on port 0; always stopped."""
    folder = tmp_path_factory.mktemp("tls")
    demo_tls.write_demo_tls(folder)
    with served_reference("--tls-dir", str(folder)) as base:
        assert base.startswith("https://")
        yield f"{base}/token", folder


def context(folder: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    """Trusts the demo CA (the server certificate's issuer); presents ``cert`` if given."""
    ctx = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def token_request(url: str, ctx: ssl.SSLContext, client_id: str) -> httpx.Response:
    with httpx.Client(verify=ctx, timeout=20) as http:
        return http.post(url, data={"grant_type": "client_credentials", "client_id": client_id})


@pytest.mark.parametrize(("client_id", "stem"), [
    (demo_tls.PKI_CLIENT_ID, "client-pki"),
    (demo_tls.SELF_SIGNED_CLIENT_ID, "client-self-signed"),
])
def test_mtls_client_gets_a_bound_token_over_tls(served_tls: tuple[str, Path], client_id: str,
                                                 stem: str) -> None:
    url, folder = served_tls
    cert = folder / f"{stem}.pem"
    response = token_request(url, context(folder, cert, folder / f"{stem}-key.pem"), client_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    _, claims = jwt_parts(body["access_token"])
    assert claims["cnf"] == {"x5t#S256": demo_tls.thumbprint_s256(cert.read_bytes())}
    assert claims["client_id"] == client_id and claims["iss"] == url.removesuffix("/token")


def test_no_certificate_is_invalid_client_over_tls(served_tls: tuple[str, Path]) -> None:
    url, folder = served_tls
    response = token_request(url, context(folder), demo_tls.PKI_CLIENT_ID)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    meta = httpx.get(url.replace("/token", "/.well-known/oauth-authorization-server"),
                     verify=context(folder), timeout=20).json()
    assert meta["issuer"].startswith("https://127.0.0.1:")
    assert meta["tls_client_certificate_bound_access_tokens"] is True


def test_untrusted_certificate_fails(served_tls: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = served_tls
    cert_pem, key_pem = fresh_self_signed(demo_tls.PKI_CLIENT_DN)
    (tmp_path / "c.pem").write_text(cert_pem, encoding="ascii")
    (tmp_path / "k.pem").write_text(key_pem, encoding="ascii")
    ctx = context(folder, tmp_path / "c.pem", tmp_path / "k.pem")
    try:
        response = token_request(url, ctx, demo_tls.PKI_CLIENT_ID)
    except httpx.TransportError:
        return  # refused in the handshake: the TLS layer does not trust it
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
