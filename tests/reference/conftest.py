"""Fixtures for the reference implementation tests: a fast registry and in-process clients."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from reference_impl.asgi import create_app
from reference_impl.registry import Client, ClientRegistry

DEMO_ID = "cc-demo-client"
DEMO_SECRET = "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw"
SPECIAL_ID = "cc:special client/ü"
SPECIAL_SECRET = "p@ss:wörd +%&=/ü"
PUBLIC_ID = "cc-public-client"
CODE_ONLY_ID = "cc-code-only-client"
CODE_ONLY_SECRET = "cc-code-only-secret"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def fast_hash(secret: str, salt: bytes = b"0123456789abcdef") -> str:
    """A cheap PBKDF2 hash so tests that fail authentication stay fast."""
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 10)
    b64 = base64.b64encode
    return f"pbkdf2_sha256$10${b64(salt).decode()}${b64(digest).decode()}"


def make_fast_registry() -> ClientRegistry:
    """The demo registry's clients with cheap hashes."""
    clients = [
        Client(DEMO_ID, True, ("client_credentials",), ("read", "write"), ("read",),
               fast_hash(DEMO_SECRET)),
        Client(SPECIAL_ID, True, ("client_credentials",), ("read", "write"), ("read",),
               fast_hash(SPECIAL_SECRET)),
        Client(PUBLIC_ID, False, ("client_credentials",), ("read",), ("read",), None),
        Client(CODE_ONLY_ID, True, ("authorization_code",), ("read",), ("read",),
               fast_hash(CODE_ONLY_SECRET)),
    ]
    return ClientRegistry(
        clients,
        known_scopes=["read", "write", "admin"],
        token_lifetime=3600,
        dummy_hash=fast_hash("dummy"),
    )


@pytest.fixture
def fast_registry() -> ClientRegistry:
    return make_fast_registry()


@pytest.fixture
async def client(fast_registry: ClientRegistry) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the reference app in-process (fast registry)."""
    app = create_app(fast_registry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ref.test") as http:
        yield http
