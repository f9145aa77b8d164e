"""The Bearer token handler (RFC 6750, RFC 6749 §5.1, §10.10).

Access tokens come from :mod:`secrets`: 32 random bytes (256 bits), base64url without padding,
which is within RFC 6750 §2.1's ``b64token`` alphabet. RFC 6749 §10.10 asks for a guess
probability of at most 2**-128; 256 bits is well above it.

**Certificate-bound tokens** (RFC 8705 §3). A client that authenticated with a TLS client
certificate (``request.certificate_thumbprint`` set by the validator) gets a JWT access token in
the RFC 9068 shape instead, signed by :class:`AccessTokenSigner` (ES256): header ``typ``
``at+jwt``, ``alg``, ``kid``; claims ``iss``, ``sub`` and ``client_id`` (the client; §2.2 of
RFC 9068 makes ``sub`` the client when no user is involved), ``aud`` (the registry's
``resource``), ``exp``, ``iat``, ``jti`` (192 random bits), ``scope`` and ``cnf`` with the
certificate's ``x5t#S256`` (RFC 8705 §3.1), so a resource server can refuse the token from any
other TLS client. Its ``token_type`` stays ``Bearer`` (RFC 8705 §3 defines no new type).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .common import Request
from .scopes import scope_to_string

#: Default access token lifetime in seconds.
DEFAULT_EXPIRES_IN = 3600
#: Minimum entropy the reference accepts for a token generator's output, in bytes.
TOKEN_BYTES = 32
#: random bytes in the ``jti`` of a JWT access token (192 bits: unique and unguessable alone)
JTI_BYTES = 24
#: ``iss`` of a JWT access token when neither an issuer nor an absolute request URI is known
FALLBACK_ISSUER = "https://cc-reference.invalid"
#: ``aud`` of JWT access tokens when the registry names no ``[server] resource`` (a name under
#: the .invalid TLD, RFC 2606 §2: it can never be a real API)
DEFAULT_RESOURCE = "https://cc-reference.invalid/api"


def random_token_generator(request: Request) -> str:
    """A fresh access token with 256 bits of entropy (RFC 6749 §10.10)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class AccessTokenSigner:
    """Signs certificate-bound JWT access tokens (RFC 9068 shape, RFC 8705 §3) with ES256.

    ``AccessTokenSigner(key=None, *, kid=None, issuer=None, audience=DEFAULT_RESOURCE)``:
    ``key`` is an EC P-256 private key (cryptography); ``None`` generates one (tokens then do
    not survive a restart, which an in-memory reference does not need). ``kid`` defaults to the
    key's RFC 7638 thumbprint. ``issuer`` ``None``: the scheme and authority of the request URI
    (what the ASGI app derives its metadata issuer from), else :data:`FALLBACK_ISSUER`.
    ``repr()`` shows the ``kid`` only.
    """

    alg = "ES256"

    def __init__(self, key: Any = None, *, kid: str | None = None, issuer: str | None = None,
                 audience: str = DEFAULT_RESOURCE):
        from cryptography.hazmat.primitives.asymmetric import ec
        from joserfc.jwk import ECKey

        if key is None:
            key = ec.generate_private_key(ec.SECP256R1())
        self._key = ECKey.import_key(key)
        self.kid = kid or self._key.thumbprint()
        self.issuer = issuer.rstrip("/") if issuer else None
        self.audience = audience

    def __repr__(self) -> str:
        return f"AccessTokenSigner(kid={self.kid!r}, audience={self.audience!r})"

    def public_jwk(self) -> dict[str, Any]:
        """The verification key as a public JWK (with ``kid``, ``alg`` and ``use``)."""
        jwk: dict[str, Any] = dict(self._key.as_dict(private=False))
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk

    def issuer_for(self, request: Request) -> str:
        """``iss``: the configured issuer, else the origin of the request URI."""
        if self.issuer:
            return self.issuer
        parts = urlsplit(request.uri)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
        return FALLBACK_ISSUER

    def sign(self, request: Request, *, expires_in: int, thumbprint: str,
             now: float | None = None) -> str:
        """A compact JWS access token for the request's client, bound to ``thumbprint`` (the
        ``x5t#S256`` of the certificate it authenticated with)."""
        from joserfc import jwt

        issued_at = int(time.time() if now is None else now)
        client_id = str(request.client_id)
        claims: dict[str, Any] = {
            "iss": self.issuer_for(request), "sub": client_id, "client_id": client_id,
            "aud": self.audience, "iat": issued_at, "exp": issued_at + int(expires_in),
            "jti": secrets.token_urlsafe(JTI_BYTES), "cnf": {"x5t#S256": thumbprint},
        }
        if request.scopes:
            claims["scope"] = scope_to_string(request.scopes)
        header = {"typ": "at+jwt", "alg": self.alg, "kid": self.kid}
        return jwt.encode(header, claims, self._key, algorithms=[self.alg])


class BearerToken:
    """Creates the §5.1 token members for a validated request.

    ``expires_in`` is an ``int`` or a callable ``(request) -> int``. ``refresh_token=True``
    is ignored: the reference never issues refresh tokens (the only grant it serves is client
    credentials, where §4.4.3 says a refresh token SHOULD NOT be included). ``signer``: the
    :class:`AccessTokenSigner` of certificate-bound tokens (one with a generated key is made
    when the first one is needed and none was given).
    """

    token_type = "Bearer"  # noqa: S105 - the RFC 6750 token type name

    def __init__(
        self,
        request_validator: Any = None,
        token_generator: Callable[[Request], str] | None = None,
        expires_in: int | Callable[[Request], int] | None = None,
        signer: AccessTokenSigner | None = None,
    ):
        self.request_validator = request_validator
        self.token_generator = token_generator or random_token_generator
        self.expires_in: int | Callable[[Request], int] = (
            DEFAULT_EXPIRES_IN if expires_in is None else expires_in
        )
        self.signer = signer

    def __repr__(self) -> str:
        return f"BearerToken(expires_in={self.expires_in!r})"

    def create_token(self, request: Request, refresh_token: bool = False) -> dict[str, Any]:
        """Return ``access_token``, ``token_type``, ``expires_in`` and ``scope`` (§5.1); the
        access token is a certificate-bound JWT when the client used mutual TLS (module doc).

        ``scope`` is always present when the request carries granted scopes
        (``request.scopes``), which covers §5.1's rule that it is REQUIRED whenever it
        differs from the requested scope.
        """
        expires_in = self.expires_in(request) if callable(self.expires_in) else self.expires_in
        thumbprint = getattr(request, "certificate_thumbprint", None)
        if thumbprint:
            if self.signer is None:
                self.signer = AccessTokenSigner()
            access_token = self.signer.sign(request, expires_in=int(expires_in),
                                            thumbprint=thumbprint)
        else:
            access_token = self.token_generator(request)
        token: dict[str, Any] = {
            "access_token": access_token,
            "token_type": self.token_type,
            "expires_in": int(expires_in),
        }
        if request.scopes:
            token["scope"] = scope_to_string(request.scopes)
        return token
