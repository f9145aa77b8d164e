"""ASGI adapter around :class:`~reference_impl.endpoint.TokenEndpoint`.

``create_app(registry=None, *, token_path="/token", issuer=None)`` builds an app for a client
registry (the bundled demo registry when ``None``); ``app`` is a ready instance with the demo
registry, built on first use. Two paths exist: ``token_path`` and the authorization server
metadata at ``/.well-known/oauth-authorization-server`` (RFC 8414 §3, built by
:mod:`reference_impl.metadata` from what the endpoint accepts; GET or HEAD, else 405); every
other path is 404 with a JSON body. Bodies are read incrementally and abandoned as soon as
they exceed the endpoint's limit (413).

Mutual TLS (RFC 8705 §2): the client certificate comes from the ASGI TLS extension,
``scope["extensions"]["tls"]["client_cert_chain"]`` (PEM strings, the leaf first), which a
TLS-terminating server fills in (``python -m reference_impl serve --tls-dir`` does, see
:mod:`reference_impl.tls_server`); the leaf goes to the endpoint as ``client_cert``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from . import errors
from .common import AUTH_METHODS
from .endpoint import TokenEndpoint
from .grant_types import ClientCredentialsGrant
from .metadata import (
    WELL_KNOWN_PATH,
    BadHost,
    auth_methods_of,
    metadata_document,
    metadata_response,
    request_issuer,
)
from .registry import ClientRegistry, demo_registry
from .registry_validator import RegistryRequestValidator
from .tokens import AccessTokenSigner, BearerToken

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def build_endpoint(registry: ClientRegistry, *, issuer: str | None = None) -> TokenEndpoint:
    """The reference token endpoint for ``registry``: grant, validator and Bearer tokens.

    When the registry has mutual-TLS clients, the endpoint's ``auth_methods`` (what the
    metadata lists) include their methods and ``certificate_bound_access_tokens`` is true
    (RFC 8705 §3.3); their tokens are signed with the registry's ``access_token_key`` (a
    generated one if it has none) for its ``resource``. ``issuer``: those tokens' ``iss``
    (``None``: the origin of each request's URI); client assertions are not affected."""
    validator = RegistryRequestValidator(registry)
    grant = ClientCredentialsGrant(validator, realm=registry.realm)
    signer = AccessTokenSigner(registry.access_token_key, kid=registry.access_token_kid,
                               issuer=issuer, audience=registry.resource)
    tokens = BearerToken(validator, expires_in=registry.token_lifetime, signer=signer)
    endpoint = TokenEndpoint(grant, tokens, realm=registry.realm)
    if registry.mtls_methods:
        endpoint.auth_methods = (*AUTH_METHODS, *registry.mtls_methods)
        endpoint.certificate_bound_access_tokens = True
    return endpoint


def client_cert_of(scope: Scope) -> str | None:
    """The leaf certificate (PEM) of the ASGI TLS extension's ``client_cert_chain``, or None."""
    extensions = scope.get("extensions") or {}
    tls = extensions.get("tls") if isinstance(extensions, dict) else None
    chain = tls.get("client_cert_chain") if isinstance(tls, dict) else None
    if isinstance(chain, list | tuple) and chain and isinstance(chain[0], str) and chain[0]:
        return chain[0]
    return None


class TokenApp:
    """The ASGI application: ``TokenApp(endpoint, token_path="/token", *, issuer=None,
    scopes_supported=())``. ``issuer``: the RFC 8414 issuer identifier; ``None`` derives it
    per request from the scheme and ``Host`` (see :mod:`reference_impl.metadata`)."""

    def __init__(self, endpoint: TokenEndpoint, *, token_path: str = "/token",  # noqa: S107 - a path
                 issuer: str | None = None, scopes_supported: Iterable[str] = ()):
        self.endpoint = endpoint
        self.token_path = token_path
        self.issuer = issuer.rstrip("/") if issuer else None
        self.scopes_supported = tuple(scopes_supported)

    def __repr__(self) -> str:
        return f"TokenApp(token_path={self.token_path!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            # websocket or unknown: refuse (ASGI websocket.close before accept means 403).
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope.get("path") == WELL_KNOWN_PATH and self.token_path != WELL_KNOWN_PATH:
            await self._send(send, self.metadata(scope), head=scope["method"] == "HEAD")
            return
        if scope.get("path") != self.token_path:
            await self._send(send, errors.NotFoundError().to_response())
            return
        body, too_large = await self._read_body(scope, receive)
        if too_large:
            await self._send(send, errors.PayloadTooLargeError().to_response())
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        uri_bytes = raw_path + (b"?" + query if query else b"")
        uri = uri_bytes.decode("latin-1")
        # The absolute URL the client addressed: the audience of its JWT assertions. Without a
        # usable Host, the path alone (an assertion can still name the issuer).
        with contextlib.suppress(BadHost):
            uri = request_issuer(scope.get("scheme", "http"), scope.get("headers", []),
                                 scope.get("server")) + uri
        response = await self.endpoint.create_token_response(
            scope["method"], uri, scope.get("headers", []), body,
            client_cert=client_cert_of(scope),
        )
        await self._send(send, response)

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[bytes, bool]:
        limit = self.endpoint.max_body_size
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                try:
                    if int(value) > limit:
                        return b"", True
                except ValueError:
                    pass  # the server rejects bad Content-Length; read what arrives
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), False

    def metadata(self, scope: Scope) -> tuple[dict[str, str], str, int]:
        """The RFC 8414 metadata answer for this request (GET or HEAD only, §3.1)."""
        if scope["method"] not in ("GET", "HEAD"):
            exc = errors.InvalidRequestError("The metadata document is read with GET.",
                                             headers={"Allow": "GET, HEAD"})
            headers, body, _ = exc.to_response()
            return headers, body, 405
        try:
            issuer = self.issuer or request_issuer(scope.get("scheme", "http"),
                                                   scope.get("headers", []), scope.get("server"))
        except BadHost as exc:
            return errors.InvalidRequestError(str(exc)).to_response()
        grant_type = getattr(self.endpoint.grant, "grant_type", None)
        doc = metadata_document(
            issuer, token_path=self.token_path, auth_methods=auth_methods_of(self.endpoint),
            grant_types=[grant_type] if isinstance(grant_type, str) else [],
            signing_algs=getattr(self.endpoint, "signing_algs", ()) or (),
            scopes=self.scopes_supported,
            certificate_bound_tokens=bool(
                getattr(self.endpoint, "certificate_bound_access_tokens", False)))
        return metadata_response(doc)

    @staticmethod
    async def _send(send: Send, response: tuple[dict[str, str], str, int], *,
                    head: bool = False) -> None:
        headers, body, status = response
        payload = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        raw_headers = [
            (name.lower().encode("latin-1"), str(value).encode("latin-1"))
            for name, value in headers.items()
            if name.lower() != "content-length"
        ]
        raw_headers.append((b"content-length", str(len(payload)).encode("ascii")))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if head else payload})

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    registry: ClientRegistry | None = None,
    *,
    token_path: str = "/token",  # noqa: S107 - a URL path, not a secret
    issuer: str | None = None,
) -> TokenApp:
    """An ASGI app serving the reference token endpoint at ``token_path`` and its metadata
    (RFC 8414) with ``issuer`` (``None``: derived from each request's scheme and Host)."""
    registry = registry or demo_registry()
    return TokenApp(build_endpoint(registry, issuer=issuer), token_path=token_path, issuer=issuer,
                    scopes_supported=registry.known_scopes)


class _LazyApp:
    """``app``: the demo-registry app, built when first called (importing stays cheap)."""

    def __init__(self) -> None:
        self._app: TokenApp | None = None

    def __repr__(self) -> str:
        return "reference_impl.asgi.app"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


app = _LazyApp()

__all__ = ["TokenApp", "app", "build_endpoint", "client_cert_of", "create_app"]
