"""The servers compared: the reference and the peers of the interoperability matrix that can be
built in-process.

The peers are ``interop.servers.SERVERS`` (the one list): each one's app is built by the
factory its ``interop/<name>/server.py`` serves (``ServerSpec.build_app``), never rebuilt here.
This module only adds the reference (and its cheap-hash variant for timing the suite). A peer
whose library is not installed is reported as absent, never as a failure.
"""

from __future__ import annotations

from typing import Any

from interop.servers import SERVERS, ServerSpec

TOKEN_BODY = b"grant_type=client_credentials&scope=read"
CLIENT_ID = "cc-demo-client"

REFERENCE = ServerSpec("reference", "reference_impl", "cc-conformance", "bench.serve",
                       app="reference_impl.asgi:create_app", interface="asgi3",
                       requires=("reference_impl",))
#: The peers benchmarked: the reference first, then every interop server with an in-process app.
PEERS: tuple[ServerSpec, ...] = (REFERENCE, *(s for s in SERVERS if s.app))

#: The reference with cheap hashes: only for timing the suite (bench.suite), not compared.
REFERENCE_FAST_HASH = ServerSpec("reference-fasthash", "reference_impl (PBKDF2-10 registry)",
                                 "cc-conformance", "bench.serve",
                                 app="bench.peers:fast_reference_app", interface="asgi3",
                                 requires=("reference_impl",))


def by_name(name: str) -> ServerSpec:
    for peer in (*PEERS, REFERENCE_FAST_HASH):
        if peer.name == name:
            return peer
    raise KeyError(name)


def fast_reference_app() -> Any:
    """The reference app over :func:`fast_hash_registry`."""
    from reference_impl.asgi import create_app

    return create_app(fast_hash_registry())


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
