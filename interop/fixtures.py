"""The fixture clients every interop server registers (docs/design.md, demo registry).

Secrets are read from the environment variables the profiles name (``make interop`` sets the
public demo values, see the README); they are never printed. Each server maps these onto its
library's own client model as far as the library can express them.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field

#: Scopes every server knows; ``admin`` exists but no fixture client may have it.
KNOWN_SCOPES: tuple[str, ...] = ("read", "write", "admin")
DEFAULT_SCOPES: tuple[str, ...] = ("read",)
TOKEN_LIFETIME_S = 3600

#: Environment variables holding the fixture secrets (the same names as examples/reference.toml).
SECRET_ENV = {
    "cc-demo-client": "CC_DEMO_CLIENT_SECRET",
    "cc:special client/ü": "CC_SPECIAL_CLIENT_SECRET",
    "cc-code-only-client": "CC_CODE_ONLY_CLIENT_SECRET",
    "cc-hmac-jwt-client": "CC_JWT_CLIENT_SECRET",
}

#: The public demo values (README: public test fixtures, never used anywhere real).
DEMO_SECRETS = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
    "CC_JWT_CLIENT_SECRET": "cc-jwt-secret-9QeVx2mLr7TnB4sKp0ZyHdWc",
}


@dataclass(frozen=True)
class FixtureClient:
    """One registered client; ``secret`` is None for the public client and never in repr()."""

    role: str
    client_id: str
    secret: str | None = field(repr=False)
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def confidential(self) -> bool:
        return self.secret is not None


def _secret(client_id: str) -> str:
    name = SECRET_ENV[client_id]
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"interop: environment variable {name} is not set")
    return value


def fixture_clients() -> tuple[FixtureClient, ...]:
    """The four fixture clients, secrets from the environment."""
    return (
        FixtureClient("confidential", "cc-demo-client", _secret("cc-demo-client"),
                      ("client_credentials",), ("read", "write")),
        FixtureClient("needs_encoding", "cc:special client/ü", _secret("cc:special client/ü"),
                      ("client_credentials",), ("read", "write")),
        FixtureClient("public", "cc-public-client", None, ("client_credentials",), ("read",)),
        FixtureClient("not_allowed_grant", "cc-code-only-client",
                      _secret("cc-code-only-client"), ("authorization_code",), ("read",)),
    )


#: The JWT client authentication clients (RFC 7523 §2.2, OpenID Connect Core §9) a server
#: registers where it supports them: ``private_key_jwt`` with a key generated at start
#: (:func:`generate_client_key`, never a checked-in key) and ``client_secret_jwt`` with the HS256
#: secret of ``$CC_JWT_CLIENT_SECRET``. The suite does not test these methods yet.
PRIVATE_KEY_JWT_CLIENT = "cc-key-jwt-client"
CLIENT_SECRET_JWT_CLIENT = "cc-hmac-jwt-client"  # noqa: S105 - a client id
#: Where a server writes the private key of its private_key_jwt client (for the suite's profile
#: once it supports the method); interop/run.py sets it to a temporary folder.
KEY_DIR_ENV = "CC_INTEROP_KEY_DIR"


def jwt_client_secret() -> str:
    return _secret(CLIENT_SECRET_JWT_CLIENT)


def generate_client_key(client_id: str, *, server: str = "") -> dict[str, str]:
    """An RSA-2048 key pair made now with ``cryptography``; returns the public JWK (with a
    ``kid``). The private key is written, PEM and mode 0600, to
    ``$CC_INTEROP_KEY_DIR/<client_id>.pem`` (``$CC_INTEROP_KEY_DIR/<server>/<client_id>.pem``
    when ``server`` is given) when that variable is set, else kept nowhere. Every server of a
    multi-target run shares the folder and generates its own key, so a server whose key must
    not be overwritten by the next one started names itself."""
    import base64
    import hashlib
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()

    def b64(n: int) -> str:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    jwk = {"kty": "RSA", "e": b64(numbers.e), "n": b64(numbers.n), "use": "sig", "alg": "RS256"}
    kid = hashlib.sha256(f'{{"e":"{jwk["e"]}","kty":"RSA","n":"{jwk["n"]}"}}'.encode()).digest()
    jwk["kid"] = base64.urlsafe_b64encode(kid).rstrip(b"=").decode("ascii")  # RFC 7638
    folder = os.environ.get(KEY_DIR_ENV)
    if folder:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        base = Path(folder)
        if server:
            base = base / server
            base.mkdir(mode=0o700, exist_ok=True)
        path = base / f"{client_id}.pem"
        path.touch(mode=0o600)
        path.write_bytes(pem)
    return jwk


def bind_loopback() -> socket.socket:
    """A listening TCP socket on 127.0.0.1 with an ephemeral port (never another address).

    Created with ``IPPROTO_TCP`` and ``TCP_NODELAY``: asyncio only disables Nagle on accepted
    sockets whose ``proto`` is TCP (a bare ``socket(AF_INET, SOCK_STREAM)`` has ``proto`` 0),
    and with Nagle on, a response written in two parts (headers, then body) waits for the
    client's delayed ACK: about 40 ms per request on Linux loopback (found by make bench).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def announce(sock: socket.socket, path: str) -> None:
    """Tell the runner where the token endpoint is: one line ``LISTENING <url>`` on stdout."""
    host, port = sock.getsockname()[:2]
    print(f"LISTENING http://{host}:{port}{path}", flush=True)
    sys.stdout.flush()
