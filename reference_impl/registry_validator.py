"""A :class:`~reference_impl.request_validator.RequestValidator` backed by a
:class:`~reference_impl.registry.ClientRegistry`."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from . import errors
from .client_assertions import AssertionVerifier
from .common import MTLS_AUTH_METHODS, Request
from .mtls import CertificateAuthenticator
from .registry import Client, ClientRegistry
from .request_validator import RequestValidator

#: How many issued tokens the in-memory store keeps (oldest dropped first).
TOKEN_STORE_SIZE = 10_000


@dataclass(frozen=True)
class IssuedToken:
    """What the store keeps about a token; the token itself only as a SHA-256 digest."""

    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    #: the x5t#S256 the token is bound to (RFC 8705 §3), or None for an unbound token
    x5t_s256: str | None = None


class RegistryRequestValidator(RequestValidator):
    """Implements the hooks from a client registry (RFC 6749 §2.3.1, §3.3, §4.4, §5.2)."""

    def __init__(self, registry: ClientRegistry, *, issuer: str | None = None):
        self.registry = registry
        #: the issuer identifier a client assertion may name as its audience, beside the
        #: token endpoint URL it was sent to (RFC 7523 §3 item 3)
        self.issuer = issuer
        self.assertions = AssertionVerifier(registry)
        self.certificates = CertificateAuthenticator(registry.tls_client_anchors)
        self.tokens: OrderedDict[str, IssuedToken] = OrderedDict()
        self._verifying: dict[bytes, asyncio.Future[Client | None]] = {}

    async def _verify(self, client_id: str | None, secret: str | None) -> Client | None:
        """``registry.authenticate`` in a worker thread, shared by concurrent callers with
        the same credentials on the same event loop."""
        loop = asyncio.get_running_loop()
        key = self.registry.verification_key(client_id, secret)
        pending = self._verifying.get(key)
        if pending is None or pending.get_loop() is not loop:
            pending = asyncio.ensure_future(
                asyncio.to_thread(self.registry.authenticate, client_id, secret)
            )
            self._verifying[key] = pending
            pending.add_done_callback(lambda done: self._forget(key, done))
        # shield: a cancelled caller must not cancel the verification others wait for.
        return await asyncio.shield(pending)

    def _forget(self, key: bytes, done: asyncio.Future[Client | None]) -> None:
        if self._verifying.get(key) is done:
            del self._verifying[key]

    def __repr__(self) -> str:
        return f"RegistryRequestValidator({self.registry!r})"

    async def client_authentication_required(self, request: Request) -> bool:
        """False only for a registered public client (§2.1); unknown ids require it."""
        client = self.registry.get(request.client_id)
        return client is None or client.confidential

    async def authenticate_client(self, request: Request) -> bool:
        """Verify the secret against the stored hash (§2.3.1); on success set
        ``request.client``.

        Credentials verified before are a cache hit answered on the event loop (one HMAC). A
        miss runs the scrypt verification in a worker thread, so the loop keeps serving; and
        concurrent misses for the same credentials share that one verification instead of
        each computing scrypt (a burst of first requests from one client costs one hash).

        A client registered for mutual TLS (RFC 8705 §2) is named by ``client_id`` and proved by
        ``request.client_cert`` alone: see :meth:`authenticate_client_certificate`.
        """
        mtls_client = self.registry.get(request.client_id)
        if mtls_client is not None and mtls_client.auth_method in MTLS_AUTH_METHODS:
            return await self.authenticate_client_certificate(request, mtls_client)
        if request.auth_method == "client_assertion":
            return self._authenticate_assertion(request)
        client_id, secret = request.client_id, request.client_secret
        client = self.registry.cached(client_id, secret)
        if client is None:
            client = await self._verify(client_id, secret)
        if client is None:
            return False
        request.client = client
        return True

    def _authenticate_assertion(self, request: Request) -> bool:
        """A JWT client assertion (RFC 7523 §2.2, §3): verified on the event loop (one
        signature check, no password hash). The audiences: the token endpoint URL as the
        request addressed it, and the issuer when one is configured."""
        audiences = {request.uri.split("?", 1)[0]}
        if self.issuer:
            audiences.add(self.issuer)
        client = self.assertions.verify(str(request.client_assertion), audiences=audiences)
        if client is None:
            return False
        request.client = client
        request.auth_method = client.auth_method
        return True

    async def authenticate_client_certificate(self, request: Request, client: Client) -> bool:
        """Mutual-TLS client authentication (RFC 8705 §2), the hook a site overrides to change
        how a certificate is matched to a client.

        The client must use no other method beside its certificate (RFC 6749 §2.3: one method
        per request; a secret, Basic credentials or an assertion -> ``invalid_request``). The
        certificate is required; ``tls_client_auth``: it chains to a registry trust anchor and
        its subject is the registered DN (§2.1); ``self_signed_tls_client_auth``: its
        ``x5t#S256`` is a registered one (§2.2). On success ``request.certificate_thumbprint``
        is set, so the token is bound to that certificate (§3). Checked on the event loop (one
        signature verification at most, no password hash).
        """
        if request.auth_method is not None:
            raise errors.InvalidRequestError(
                "More than one client authentication method was used: this client "
                "authenticates with its TLS client certificate only.")
        thumbprint = self.certificates.authenticate(client, request.client_cert)
        if thumbprint is None:
            return False
        request.client = client
        request.auth_method = client.auth_method
        request.certificate_thumbprint = thumbprint
        return True

    async def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request
    ) -> bool:
        """The client's ``grant_types`` must list ``grant_type`` (§5.2 unauthorized_client)."""
        return client is not None and grant_type in client.grant_types

    async def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request
    ) -> bool:
        """Every scope must be known to the server and allowed for the client (§3.3)."""
        return client is not None and all(
            s in self.registry.known_scopes and s in client.scopes for s in scopes
        )

    async def get_default_scopes(self, client_id: str, request: Request) -> list[str]:
        """The client's ``default_scopes`` (§3.3)."""
        client = self.registry.get(client_id)
        return list(client.default_scopes) if client is not None else []

    async def save_token(self, token: dict[str, Any], request: Request) -> None:
        """Keep a SHA-256 digest of the token with its client, scopes and expiry."""
        digest = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
        self.tokens[digest] = IssuedToken(
            client_id=str(request.client_id),
            scopes=tuple(request.scopes or ()),
            expires_at=time.time() + int(token.get("expires_in", 0)),
            x5t_s256=getattr(request, "certificate_thumbprint", None),
        )
        while len(self.tokens) > TOKEN_STORE_SIZE:
            self.tokens.popitem(last=False)

    def lookup_token(self, access_token: str) -> IssuedToken | None:
        """The record of an issued, unexpired token, or ``None`` (for resource-server tests)."""
        digest = hashlib.sha256(access_token.encode("utf-8")).hexdigest()
        record = self.tokens.get(digest)
        if record is None or record.expires_at < time.time():
            return None
        return record
