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
}

#: The public demo values (README: public test fixtures, never used anywhere real).
DEMO_SECRETS = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
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
