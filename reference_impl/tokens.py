"""The Bearer token handler (RFC 6750, RFC 6749 §5.1, §10.10).

Access tokens come from :mod:`secrets`: 32 random bytes (256 bits), base64url without padding,
which is within RFC 6750 §2.1's ``b64token`` alphabet. RFC 6749 §10.10 asks for a guess
probability of at most 2**-128; 256 bits is well above it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from .common import Request
from .scopes import scope_to_string

#: Default access token lifetime in seconds.
DEFAULT_EXPIRES_IN = 3600
#: Minimum entropy the reference accepts for a token generator's output, in bytes.
TOKEN_BYTES = 32


def random_token_generator(request: Request) -> str:
    """A fresh access token with 256 bits of entropy (RFC 6749 §10.10)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class BearerToken:
    """Creates the §5.1 token members for a validated request.

    ``expires_in`` is an ``int`` or a callable ``(request) -> int``. ``refresh_token=True``
    is ignored: the reference never issues refresh tokens (the only grant it serves is client
    credentials, where §4.4.3 says a refresh token SHOULD NOT be included).
    """

    token_type = "Bearer"  # noqa: S105 - the RFC 6750 token type name

    def __init__(
        self,
        request_validator: Any = None,
        token_generator: Callable[[Request], str] | None = None,
        expires_in: int | Callable[[Request], int] | None = None,
    ):
        self.request_validator = request_validator
        self.token_generator = token_generator or random_token_generator
        self.expires_in: int | Callable[[Request], int] = (
            DEFAULT_EXPIRES_IN if expires_in is None else expires_in
        )

    def __repr__(self) -> str:
        return f"BearerToken(expires_in={self.expires_in!r})"

    def create_token(self, request: Request, refresh_token: bool = False) -> dict[str, Any]:
        """Return ``access_token``, ``token_type``, ``expires_in`` and ``scope`` (§5.1).

        ``scope`` is always present when the request carries granted scopes
        (``request.scopes``), which covers §5.1's rule that it is REQUIRED whenever it
        differs from the requested scope.
        """
        expires_in = self.expires_in(request) if callable(self.expires_in) else self.expires_in
        token: dict[str, Any] = {
            "access_token": self.token_generator(request),
            "token_type": self.token_type,
            "expires_in": int(expires_in),
        }
        if request.scopes:
            token["scope"] = scope_to_string(request.scopes)
        return token
