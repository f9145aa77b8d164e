"""JWT client assertions (RFC 7521 §4.2, RFC 7523 §2.2 and §3; OpenID Connect Core §9):
``private_key_jwt`` (signed with the client's private key) and ``client_secret_jwt`` (a MAC
with the client secret as key).

Well-formed assertions are signed with joserfc (well kept, typed, by the Authlib authors, and
strict by default: it refuses ``alg: none`` and an HMAC key made from a public key). The two
deliberately broken forms a server must refuse -- an unsigned ``alg: none`` token and an HMAC
"signed" with the client's *public* key (the algorithm-confusion attack) -- are exactly what
that strictness refuses to make, so :func:`unsigned` and :func:`hmac_with_public_key` build
them from their definitions (RFC 7515 §3.1 compact form, RFC 7518 §3.2 HMAC); they are probes,
never credentials.

Nothing here is logged: a key's ``repr`` shows its type and ``kid`` only, and the assertion
values are redacted in every report (``client_assertion`` is a secret-bearing parameter).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: how long the suite's assertions live (RFC 7523 §3 item 4: a short lifetime is the norm)
LIFETIME_S = 120
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                   "ES512", "EdDSA")
HMAC_ALGS = ("HS256", "HS384", "HS512")
_EC_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


class AssertionKeyError(ValueError):
    """A signing key that cannot be used (unreadable, wrong passphrase, wrong type)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """What an assertion is signed with: a joserfc key and the JWS algorithm."""

    alg: str
    key: Any = field(repr=False)
    kid: str | None = None

    def __repr__(self) -> str:
        return f"SigningKey(alg={self.alg!r}, kid={self.kid!r})"

    @property
    def public_pem(self) -> bytes | None:
        """The public half as PEM (asymmetric keys only), for the algorithm-confusion probe."""
        if self.alg in HMAC_ALGS:
            return None
        pem: bytes = self.key.as_pem(private=False)
        return pem


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _json(obj: Mapping[str, object]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def default_alg(key: Any) -> str:
    """The JWS algorithm a key signs with unless the profile says otherwise."""
    kty = key.key_type
    if kty == "RSA":
        return "RS256"
    if kty == "EC":
        return _EC_ALG.get(key.as_dict(private=False).get("crv", ""), "ES256")
    if kty == "OKP":
        return "EdDSA"
    raise AssertionKeyError(f"a {kty} key cannot sign a private_key_jwt assertion")


def load_private_key(path: str | Path, *, passphrase: str | None = None, alg: str | None = None,
                     kid: str | None = None) -> SigningKey:
    """A private key from a PEM file or a JWK (JSON) file. Raises :class:`AssertionKeyError`."""
    from joserfc.jwk import import_key

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise AssertionKeyError(f"cannot read {p}: {exc.strerror or exc}") from exc
    try:
        if raw.lstrip().startswith(b"{"):
            data = json.loads(raw)
            key = import_key(data, key_type=data.get("kty"))
            kid = kid or data.get("kid")
        else:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa

            loaded = serialization.load_pem_private_key(
                raw, password=passphrase.encode("utf-8") if passphrase else None)
            kty = ("RSA" if isinstance(loaded, rsa.RSAPrivateKey)
                   else "EC" if isinstance(loaded, ec.EllipticCurvePrivateKey) else "OKP")
            key = import_key(loaded.private_bytes(  # the decrypted key, in memory only
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()), key_type=kty)
    except Exception as exc:  # joserfc/cryptography raise many types; one message for all
        raise AssertionKeyError(f"{p} is not a usable private key (PEM or JWK; a passphrase that "
                        f"does not match also ends here): {type(exc).__name__}") from exc
    if not key.is_private:
        raise AssertionKeyError(f"{p} holds a public key; private_key_jwt needs the private key")
    chosen = alg or default_alg(key)
    if chosen not in ASYMMETRIC_ALGS:
        raise AssertionKeyError(f"alg {chosen!r} is not an asymmetric JWS algorithm "
                        f"({', '.join(ASYMMETRIC_ALGS)})")
    return SigningKey(chosen, key, kid)


def secret_key(secret: str, alg: str | None = None) -> SigningKey:
    """The client secret as the MAC key of a ``client_secret_jwt`` assertion."""
    from joserfc.jwk import OctKey

    chosen = alg or "HS256"
    if chosen not in HMAC_ALGS:
        raise AssertionKeyError(f"alg {chosen!r} is not an HMAC algorithm ({', '.join(HMAC_ALGS)})")
    return SigningKey(chosen, OctKey.import_key(secret.encode("utf-8")))


def another_key_like(key: SigningKey) -> SigningKey:
    """A freshly generated key of the same kind (and ``kid``): a signature by someone else."""
    from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

    if key.alg in HMAC_ALGS:
        return SigningKey(key.alg, OctKey.import_key(secrets.token_bytes(32)), key.kid)
    kty = key.key.key_type
    if kty == "RSA":
        other: Any = RSAKey.generate_key(2048)
    elif kty == "EC":
        other = ECKey.generate_key(key.key.as_dict(private=False)["crv"])
    else:
        other = OKPKey.generate_key("Ed25519")
    return SigningKey(key.alg, other, key.kid)


def claims(client_id: str, audience: str, *, now: float | None = None,
           lifetime: int = LIFETIME_S) -> dict[str, Any]:
    """The claims of a valid client assertion (RFC 7523 §3, OIDC Core §9): ``iss`` and ``sub``
    are the client id, ``aud`` the authorization server, a short ``exp``, ``iat`` and a fresh
    random ``jti``."""
    t = int(time.time() if now is None else now)
    return {"iss": client_id, "sub": client_id, "aud": audience, "iat": t,
            "exp": t + lifetime, "jti": secrets.token_urlsafe(16)}


def sign(payload: Mapping[str, Any], key: SigningKey,
         header: Mapping[str, Any] | None = None) -> str:
    """A compact JWS over ``payload`` (joserfc)."""
    from joserfc import jwt

    protected: dict[str, Any] = {"alg": key.alg, "typ": "JWT"}
    if key.kid:
        protected["kid"] = key.kid
    protected.update(header or {})
    token: str = jwt.encode(protected, dict(payload), key.key)
    return token


def unsigned(payload: Mapping[str, Any]) -> str:
    """An ``alg: none`` token (RFC 7519 §6): header and payload, empty signature."""
    return f"{_b64(_json({'alg': 'none', 'typ': 'JWT'}))}.{_b64(_json(payload))}."


def hmac_with_public_key(payload: Mapping[str, Any], public_pem: bytes,
                         alg: str = "HS256") -> str:
    """The algorithm-confusion probe: HS256 with the client's *public* key as MAC key. A server
    that picks the verification algorithm from the token's header would accept it."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = f"{_b64(_json({'alg': alg, 'typ': 'JWT'}))}.{_b64(_json(payload))}"
    mac = hmac.new(public_pem, signing_input.encode("ascii"), digest).digest()
    return f"{signing_input}.{_b64(mac)}"


def with_payload(token: str, payload: Mapping[str, Any]) -> str:
    """``token`` with its payload replaced and the original signature kept (an altered
    assertion whose signature no longer matches)."""
    head, _, rest = token.partition(".")
    _, _, signature = rest.partition(".")
    return f"{head}.{_b64(_json(payload))}.{signature}"


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS, not verified: for reports and tests."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")

    def part(s: str) -> dict[str, Any]:
        value = json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value

    return part(parts[0]), part(parts[1])
