"""aioauth's ``AuthorizationServer`` with a ``BaseStorage`` implementation, as aioauth's
documentation and examples set it up: the storage's ``get_client`` returns ``None`` for an
unknown client or a wrong secret (examples/shared/storage.py of the aioauth repository), and a
minimal ASGI wrapper builds ``aioauth.requests.Request`` the way aioauth-fastapi's
``to_oauth2_request`` does (form fields into ``Post``, query into ``Query``, headers, URL) and
writes the ``Response`` back as JSON. Plain http on loopback needs the documented
``Settings(INSECURE_TRANSPORT=True)``.

    python -m interop.aioauth.server      # prints "LISTENING <url>", serves until SIGTERM
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aioauth.collections import HTTPHeaderDict
from aioauth.config import Settings
from aioauth.models import Client, Token
from aioauth.requests import Post, Query, Request
from aioauth.server import AuthorizationServer
from aioauth.storage import BaseStorage

from interop.fixtures import TOKEN_LIFETIME_S, FixtureClient, bind_loopback, fixture_clients
from interop.wsgi import serve_asgi

TOKEN_PATH = "/token"  # noqa: S105 - a path
SETTINGS = Settings(INSECURE_TRANSPORT=True, TOKEN_EXPIRES_IN=TOKEN_LIFETIME_S)
_POST_FIELDS = {f.name for f in dataclasses.fields(Post)}
_QUERY_FIELDS = {f.name for f in dataclasses.fields(Query)}


class Storage(BaseStorage):
    """In-memory clients and tokens."""

    def __init__(self, clients: tuple[FixtureClient, ...]) -> None:
        self.clients = {c.client_id: c for c in clients}
        self.tokens: dict[str, Token] = {}

    async def get_client(self, *, request: Request, client_id: str,
                         client_secret: str | None = None) -> Client | None:
        record = self.clients.get(client_id)
        if record is None:
            return None
        if client_secret is not None and record.secret is not None and not (
                secrets.compare_digest(client_secret.encode("utf-8"),
                                       record.secret.encode("utf-8"))):
            return None
        return Client(client_id=record.client_id, client_secret=record.secret or "",
                      grant_types=list(record.grant_types),  # type: ignore[arg-type]
                      response_types=[], redirect_uris=[], scope=" ".join(record.scopes))

    async def create_token(self, *, request: Request, client_id: str, scope: str,
                           access_token: str, refresh_token: str | None = None) -> Token:
        token = Token(access_token=access_token, refresh_token=refresh_token or "",
                      scope=scope, issued_at=int(time.time()),
                      expires_in=request.settings.TOKEN_EXPIRES_IN,
                      refresh_token_expires_in=request.settings.REFRESH_TOKEN_EXPIRES_IN,
                      client_id=client_id)
        self.tokens[access_token] = token
        return token


def _single(pairs: list[tuple[str, str]], allowed: set[str]) -> dict[str, str]:
    """Like ``dict(form)`` in aioauth-fastapi (the last value of a repeated field wins); fields
    aioauth's dataclasses do not have are left out (``Post(**form)`` would raise on them)."""
    return {k: v for k, v in pairs if k in allowed}


def make_app(server: AuthorizationServer) -> Callable[..., Awaitable[None]]:
    async def app(scope: dict[str, Any], receive: Callable[..., Awaitable[dict[str, Any]]],
                  send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] != TOKEN_PATH:
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"not found"})
            return
        headers = HTTPHeaderDict({k.decode("latin-1"): v.decode("latin-1")
                                  for k, v in scope["headers"]})
        qs = scope.get("query_string", b"").decode("latin-1")
        ctype = headers.get("content-type", "")
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) \
            if ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded" else []
        host = headers.get("host", "127.0.0.1")
        request = Request(
            settings=SETTINGS, method=scope["method"], headers=headers,
            post=Post(**_single(form, _POST_FIELDS)),  # type: ignore[arg-type]
            query=Query(**_single(parse_qsl(qs, keep_blank_values=True),  # type: ignore[arg-type]
                                  _QUERY_FIELDS)),
            url=f"http://{host}{scope['path']}" + (f"?{qs}" if qs else ""))
        response = await server.create_token_response(request)
        payload = json.dumps(response.content).encode("utf-8")
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        out.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": int(response.status_code),
                    "headers": out})
        await send({"type": "http.response.body", "body": payload})

    return app


def create_app() -> Callable[..., Awaitable[None]]:
    """The ASGI app this module serves."""
    return make_app(AuthorizationServer(Storage(fixture_clients())))


def main() -> None:
    sock = bind_loopback()
    serve_asgi(create_app(), sock, TOKEN_PATH)


if __name__ == "__main__":
    main()
