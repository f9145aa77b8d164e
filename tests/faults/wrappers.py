"""Test-only building blocks for broken variants of the reference: an ASGI middleware that
rewrites the request and/or the response, form-body helpers for TokenEndpoint subclasses, and
an app builder that wires the reference's public pieces (validator, grant, token handler,
endpoint) with any of them swapped for a subclass.

Nothing here changes ``reference_impl``; every fault is a wrapper or a subclass.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from reference_impl.asgi import TokenApp
from reference_impl.common import AUTH_METHODS
from reference_impl.endpoint import TokenEndpoint
from reference_impl.grant_types import ClientCredentialsGrant
from reference_impl.registry import ClientRegistry, demo_registry
from reference_impl.registry_validator import RegistryRequestValidator
from reference_impl.tokens import AccessTokenSigner, BearerToken

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]
Pairs = list[tuple[str, str]]


# ------------------------------------------------------------------------------ app builder


@cache
def shared_registry() -> ClientRegistry:
    """The demo registry, built once (building it hashes a dummy secret with scrypt)."""
    return demo_registry()


def build_app(
    *,
    validator: type[RegistryRequestValidator] = RegistryRequestValidator,
    grant: type[ClientCredentialsGrant] = ClientCredentialsGrant,
    endpoint: type[TokenEndpoint] = TokenEndpoint,
    tokens: type[BearerToken] = BearerToken,
    token_generator: Callable[[Any], str] | None = None,
) -> TokenApp:
    """The reference app (as ``reference_impl.asgi.build_endpoint`` wires it) with any of its
    pieces replaced by a subclass."""
    reg = shared_registry()
    v = validator(reg)
    g = grant(v, realm=reg.realm)
    signer = AccessTokenSigner(reg.access_token_key, kid=reg.access_token_kid,
                               audience=reg.resource)
    handler = tokens(v, token_generator=token_generator, expires_in=reg.token_lifetime,
                     signer=signer)
    ep = endpoint(g, handler, realm=reg.realm)
    if reg.mtls_methods:  # as build_endpoint: the metadata lists them, tokens are bound
        ep.auth_methods = (*AUTH_METHODS, *reg.mtls_methods)
        ep.certificate_bound_access_tokens = True
    return TokenApp(ep)


# ------------------------------------------------------------------------------ form helpers


def form_pairs(body: bytes | None) -> Pairs:
    """Lenient decode of a form body (blank values kept, undecodable bytes replaced)."""
    return parse_qsl((body or b"").decode("utf-8", "replace"), keep_blank_values=True)


def form_body(pairs: Pairs) -> bytes:
    return urlencode(pairs).encode("ascii")


def header_value(headers: Any, name: str) -> str | None:
    """First value of ``name`` in the header input TokenEndpoint receives (pairs or mapping)."""
    items = headers.items() if hasattr(headers, "items") else (headers or [])
    for k, v in items:
        key = k.decode("latin-1") if isinstance(k, bytes) else str(k)
        if key.lower() == name:
            return v.decode("latin-1") if isinstance(v, bytes) else str(v)
    return None


def without_header(headers: Any, name: str) -> list[tuple[str, str]]:
    items = headers.items() if hasattr(headers, "items") else (headers or [])
    out = []
    for k, v in items:
        key = k.decode("latin-1") if isinstance(k, bytes) else str(k)
        if key.lower() != name:
            out.append((key, v.decode("latin-1") if isinstance(v, bytes) else str(v)))
    return out


# ------------------------------------------------------------------------------ ASGI rewriting


@dataclass(slots=True)
class Seen:
    """The HTTP request as the middleware saw it (header names lower-case)."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def form(self) -> Pairs:
        return form_pairs(self.body)

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.form() if k == name), None)


@dataclass(slots=True)
class Reply:
    """The response the wrapped app produced, as rewritable values."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> dict[str, Any] | None:
        try:
            obj = json.loads(self.body)
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None

    @property
    def is_token(self) -> bool:
        obj = self.json()
        return self.status == 200 and obj is not None and "access_token" in obj

    @property
    def error(self) -> str | None:
        obj = self.json()
        err = obj.get("error") if obj is not None and self.status >= 400 else None
        return err if isinstance(err, str) else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def set_header(self, name: str, value: str | None) -> Reply:
        """Replace (or with ``None`` remove) every ``name`` header."""
        headers = [(k, v) for k, v in self.headers if k != name]
        if value is not None:
            headers.append((name, value))
        return replace(self, headers=headers)

    def with_json(self, obj: object) -> Reply:
        return replace(self, body=json.dumps(obj).encode("utf-8"))

    def with_body(self, body: bytes | str) -> Reply:
        return replace(self, body=body.encode("utf-8") if isinstance(body, str) else body)


RequestRewrite = Callable[[Seen], Seen]
ResponseRewrite = Callable[[Seen, Reply], Reply]


def rewrite(app: Any, *, request: RequestRewrite | None = None,
            response: ResponseRewrite | None = None) -> ASGIApp:
    """ASGI middleware: buffer the request, let ``request`` change it, run ``app``, buffer its
    response and let ``response`` change that. Content-Length is recomputed."""

    async def wrapped(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        seen = Seen(
            method=scope["method"], path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=[(k.decode("latin-1").lower(), v.decode("latin-1"))
                     for k, v in scope.get("headers", [])],
            body=b"".join(chunks),
        )
        if request is not None:
            seen = request(seen)
        new_scope = dict(scope)
        new_scope.update(
            method=seen.method, path=seen.path, raw_path=seen.path.encode("utf-8"),
            query_string=seen.query.encode("latin-1"),
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in seen.headers
                     if k != "content-length"]
            + [(b"content-length", str(len(seen.body)).encode("ascii"))],
        )
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": seen.body, "more_body": False}

        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            reply = Reply(
                status=int(start["status"]),
                headers=[(k.decode("latin-1").lower(), v.decode("latin-1"))
                         for k, v in start.get("headers", []) if k.lower() != b"content-length"],
                body=bytes(body),
            )
            if response is not None:
                reply = response(seen, reply)
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
            raw.append((b"content-length", str(len(reply.body)).encode("ascii")))
            await send({"type": "http.response.start", "status": reply.status, "headers": raw})
            await send({"type": "http.response.body", "body": reply.body})

        await app(new_scope, replay, capture)

    return wrapped


def on_token(fn: Callable[[Reply], Reply]) -> ResponseRewrite:
    """A response rewrite applied to successful token responses only."""
    return lambda seen, reply: fn(reply) if reply.is_token else reply


def on_error(fn: Callable[[Reply], Reply], *, code: str | None = None) -> ResponseRewrite:
    """A response rewrite applied to §5.2 error responses (optionally one error code) only."""

    def apply(seen: Seen, reply: Reply) -> Reply:
        if reply.error is None or (code is not None and reply.error != code):
            return reply
        return fn(reply)

    return apply
