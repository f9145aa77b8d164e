"""The demo registry's ``private_key_jwt`` key: a public test fixture, like the demo secrets.

The private key is derived from :data:`DEMO_JWT_SEED`, a string published here and in the README,
so anyone can recompute it: it protects nothing and must never be registered outside tests and
demos. Nothing private is checked in; the registry (``demo_clients.toml``) holds only the public
JWK, and ``python -m reference_impl demo-key --out FILE`` writes the private key where a suite
profile can read it (``[clients.private_key_jwt] private_key_file``).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

DEMO_JWT_SEED = "cc-conformance demo private_key_jwt client: a public test fixture, never a key"
DEMO_JWT_KID = "cc-demo-jwt-1"
#: the order of the P-256 group (FIPS 186-4 D.1.2.3)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def demo_private_key() -> Any:
    """The EC P-256 (ES256) private key derived from :data:`DEMO_JWT_SEED`."""
    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = int.from_bytes(hashlib.sha256(DEMO_JWT_SEED.encode("utf-8")).digest(), "big")
    return ec.derive_private_key(scalar % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def demo_private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization

    pem: bytes = demo_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return pem


def demo_public_jwk() -> dict[str, str]:
    """The public half as a JWK (what ``demo_clients.toml`` registers)."""
    numbers = demo_private_key().public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode("ascii")

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y),
            "kid": DEMO_JWT_KID, "alg": "ES256", "use": "sig"}
