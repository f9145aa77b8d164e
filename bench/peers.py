"""The servers compared: the reference and the Python peers of the interoperability matrix.

Every peer is configured by its ``interop/<name>/server.py`` (the same fixture clients, the
same in-memory stores); this module only says how to build each one's app and endpoint. A peer
whose library is not installed is reported as absent, never as a failure.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import metadata
from typing import Any

TOKEN_BODY = b"grant_type=client_credentials&scope=read"
CLIENT_ID = "cc-demo-client"


@dataclass(frozen=True)
class Peer:
    """One server: ``interface`` is how uvicorn serves it (``asgi3`` or ``wsgi``)."""

    name: str
    label: str
    distribution: str
    modules: tuple[str, ...]  # importable modules it needs
    interface: str
    token_path: str

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.modules)

    def version(self) -> str:
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "not installed"


REFERENCE = Peer("reference", "reference_impl", "cc-conformance", ("reference_impl",), "asgi3",
                 "/token")
PEERS: tuple[Peer, ...] = (
    REFERENCE,
    Peer("oauthlib", "oauthlib", "oauthlib", ("oauthlib",), "wsgi", "/token"),
    Peer("authlib", "Authlib (Flask)", "Authlib", ("authlib", "flask"), "wsgi", "/oauth/token"),
    Peer("aioauth", "aioauth", "aioauth", ("aioauth",), "asgi3", "/token"),
)


#: The reference with cheap hashes: only for timing the suite (bench.suite), not compared.
REFERENCE_FAST_HASH = Peer("reference-fasthash", "reference_impl (PBKDF2-10 registry)",
                           "cc-conformance", ("reference_impl",), "asgi3", "/token")


def by_name(name: str) -> Peer:
    for peer in (*PEERS, REFERENCE_FAST_HASH):
        if peer.name == name:
            return peer
    raise KeyError(name)


def build_app(name: str) -> Any:
    """The ASGI or WSGI app of ``name``, built exactly as ``interop/<name>/server.py`` does
    (the fixture secrets come from the environment, see ``interop.fixtures``)."""
    if name == "reference":
        from reference_impl.asgi import create_app

        return create_app()
    if name == "reference-fasthash":
        from reference_impl.asgi import create_app

        return create_app(fast_hash_registry())
    if name == "oauthlib":
        from interop.oauthlib import server as oauthlib_server

        return oauthlib_server.make_app(oauthlib_server.make_server())
    if name == "authlib":
        from interop.authlib import server as authlib_server

        return authlib_server.create_app()
    if name == "aioauth":
        from aioauth.server import AuthorizationServer

        from interop.aioauth import server as aioauth_server
        from interop.fixtures import fixture_clients

        return aioauth_server.make_app(
            AuthorizationServer(aioauth_server.Storage(fixture_clients())))
    raise KeyError(name)


def fast_hash_registry() -> Any:
    """The demo registry with PBKDF2 (10 iterations) instead of scrypt, for timing the suite
    without the reference's deliberate per-failure hashing cost (never for real secrets)."""
    import base64
    import hashlib
    from dataclasses import replace

    from interop.fixtures import DEMO_SECRETS, SECRET_ENV
    from reference_impl.registry import ClientRegistry, demo_registry

    def cheap(secret: str) -> str:
        salt = b"bench-fast-hash!"
        digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, 10)
        return (f"pbkdf2_sha256$10${base64.b64encode(salt).decode()}$"
                f"{base64.b64encode(digest).decode()}")

    demo = demo_registry()
    clients = [replace(c, secret_hash=cheap(DEMO_SECRETS[SECRET_ENV[c.client_id]]))
               if c.secret_hash else c for c in demo.clients.values()]
    return ClientRegistry(clients, known_scopes=demo.known_scopes,
                          token_lifetime=demo.token_lifetime, realm=demo.realm,
                          dummy_hash=cheap("bench-dummy"))
