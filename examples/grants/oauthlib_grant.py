"""oauthlib's own ``ClientCredentialsGrant`` as a grant-object target.

    cc-conformance run --grant examples.grants.oauthlib_grant:make_grant \\
        --profile examples/reference.toml

The grant is oauthlib's, unchanged. What a deployment must supply is a
``oauthlib.oauth2.RequestValidator``; :class:`DemoRequestValidator` is the minimal honest one for
the demo registry of docs/design.md (ids, secrets, grant types, allowed and default scopes, one
public client). It does what oauthlib's documentation asks of each hook and nothing more: no
behaviour is added to make oauthlib pass a check it would otherwise fail. The factory returns
only the grant, so the adapter supplies ``oauthlib.oauth2.BearerToken(request_validator=...)``.

The demo secrets are the public test fixtures documented in the README; never use them anywhere
real.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from oauthlib.oauth2 import ClientCredentialsGrant, RequestValidator


@dataclass(frozen=True)
class DemoClient:
    """A registered client; ``secret`` is ``None`` for a public client and never in repr()."""

    client_id: str
    secret: str | None = field(repr=False)
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...]


#: Scopes the server knows (docs/design.md): ``admin`` exists but no demo client may have it.
KNOWN_SCOPES = frozenset({"read", "write", "admin"})

#: The demo registry of docs/design.md (public test fixtures, see the README).
DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient("cc-demo-client", "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
               ("client_credentials",), ("read", "write"), ("read",)),
    DemoClient("cc:special client/ü", "p@ss:wörd +%&=/ü",
               ("client_credentials",), ("read", "write"), ("read",)),
    DemoClient("cc-public-client", None, ("client_credentials",), ("read",), ("read",)),
    DemoClient("cc-code-only-client", "cc-code-only-secret",
               ("authorization_code",), ("read",), ("read",)),
)


def authenticated_client(clients: dict[str, DemoClient], request: Any) -> DemoClient | None:
    """The client an oauthlib request authenticates by RFC 6749 §2.3.1 means (HTTP Basic, else
    client_id/client_secret in the body), secrets compared in constant time; None for an
    unknown or public client or a wrong secret. Shared by the sync and async validators."""
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        creds = basic_credentials(authorization)
        if creds is None:
            return None
        client_id, secret = creds
    else:
        client_id, secret = request.client_id, request.client_secret
    client = clients.get(client_id) if client_id else None
    if client is None or client.secret is None or secret is None:
        return None
    if not hmac.compare_digest(secret.encode("utf-8"), client.secret.encode("utf-8")):
        return None
    return client


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic`` value, or ``None`` if it
    is not well-formed Basic. RFC 6749 §2.3.1: both parts are form-urlencoded (Appendix B)
    before they are joined with ``:`` and base64-encoded (RFC 7617 §2), so they are split at
    the first ``:`` and then form-urldecoded."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


class DemoRequestValidator(RequestValidator):
    """The hooks oauthlib's ``ClientCredentialsGrant`` calls, for the demo registry."""

    def __init__(self, clients: tuple[DemoClient, ...] = DEMO_CLIENTS) -> None:
        self.clients = {c.client_id: c for c in clients}
        self._lock = threading.Lock()
        self.issued: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __repr__(self) -> str:
        return f"DemoRequestValidator(clients={sorted(self.clients)!r})"

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        """oauthlib's contract: authenticate the client by means outside the OAuth 2 spec
        (here RFC 6749 §2.3.1: HTTP Basic, or ``client_id``/``client_secret`` in the body),
        set ``request.client``, and return False for an unknown client and for a public one.
        """
        client = authenticated_client(self.clients, request)
        if client is None:
            return False
        request.client = client
        return True

    def validate_grant_type(self, client_id: str, grant_type: str, client: Any, request: Any,
                            *args: Any, **kwargs: Any) -> bool:
        """The client may use this grant type (§5.2 ``unauthorized_client`` otherwise)."""
        return isinstance(client, DemoClient) and grant_type in client.grant_types

    def validate_scopes(self, client_id: str, scopes: list[str], client: Any, request: Any,
                        *args: Any, **kwargs: Any) -> bool:
        """Every requested scope is known and allowed for the client (§3.3)."""
        return isinstance(client, DemoClient) and all(
            s in KNOWN_SCOPES and s in client.scopes for s in scopes)

    def get_default_scopes(self, client_id: str, request: Any, *args: Any,
                           **kwargs: Any) -> list[str]:
        """The client's default scopes (§3.3: used when the request names none)."""
        client = self.clients.get(client_id)
        return list(client.default_scopes) if client is not None else []

    def save_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        """Remember a SHA-256 digest of the token with its client and scopes."""
        digest = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
        with self._lock:
            self.issued[digest] = (request.client.client_id, tuple(request.scopes or ()))


def make_grant() -> ClientCredentialsGrant:
    """oauthlib's ``ClientCredentialsGrant`` with :class:`DemoRequestValidator` (the factory
    contract's grant-only form: the adapter adds oauthlib's ``BearerToken``)."""
    return ClientCredentialsGrant(request_validator=DemoRequestValidator())
