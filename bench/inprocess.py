"""In-process cost of one successful token request (Basic client authentication, scope
``read`` checked, a Bearer token issued and stored), per server, at two levels:

- ``endpoint``: the library's token endpoint called with the raw request parts (method, URI,
  headers, body), as each library documents its entry point: the reference's
  ``TokenEndpoint.create_token_response``; oauthlib's ``BackendApplicationServer`` (its token
  endpoint with ``ClientCredentialsGrant``); Authlib's ``AuthorizationServer`` with its
  ``ClientCredentialsGrant`` inside a Flask request context built from the raw parts (Authlib's
  endpoint reads a framework request); aioauth's ``AuthorizationServer`` given the
  ``aioauth.requests.Request`` its ASGI wrapper builds;
- ``app``: the whole ASGI or WSGI app of ``ServerSpec.build_app`` (what uvicorn calls), with a
  fixed scope/environ: the uniform comparison, including each wrapper's HTTP translation.

Each is timed as ``repeats`` batches of ``n`` sequential requests after a warm-up (the first
request pays the reference's scrypt verification, which it then caches); the figure is the
median over batches of the batch's mean microseconds per request.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bench.peers import CLIENT_ID, TOKEN_BODY
from interop.servers import ServerSpec

FORM = "application/x-www-form-urlencoded"
HOST = "bench.local"

Call = Callable[[], Any]


@dataclass
class Timing:
    peer: str
    level: str
    us_per_request: float
    batches: list[float]


def _check(status: int, what: str) -> None:
    if status != 200:
        raise RuntimeError(f"{what}: token request answered {status}, not 200")


def endpoint_call(peer: ServerSpec, auth: str) -> Call:
    """A zero-argument callable (sync, or returning an awaitable) making one request through
    ``peer``'s token endpoint; it raises unless the answer is 200."""
    headers = {"Host": HOST, "Authorization": auth, "Content-Type": FORM,
               "Content-Length": str(len(TOKEN_BODY))}
    if peer.name == "reference":
        from reference_impl.asgi import build_endpoint
        from reference_impl.registry import demo_registry

        endpoint = build_endpoint(demo_registry())
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

        async def reference() -> None:
            _check((await endpoint.create_token_response("POST", "/token", raw, TOKEN_BODY))[2],
                   peer.name)

        return reference
    if peer.name == "oauthlib":
        from interop.oauthlib.server import make_server

        server = make_server()
        body = TOKEN_BODY.decode("ascii")

        def oauthlib() -> None:
            _check(server.create_token_response(f"http://{HOST}/token", http_method="POST",
                                                body=body, headers=dict(headers))[2], peer.name)

        return oauthlib
    if peer.name == "authlib":
        from interop.authlib.server import create_app

        app = create_app()
        view = app.view_functions["issue_token"]

        def authlib() -> None:
            with app.test_request_context(peer.endpoint, method="POST", data=TOKEN_BODY,
                                          headers=headers):
                _check(view().status_code, peer.name)

        return authlib
    if peer.name == "aioauth":
        from aioauth.collections import HTTPHeaderDict
        from aioauth.requests import Post, Query, Request
        from aioauth.server import AuthorizationServer

        from interop.aioauth.server import _POST_FIELDS, SETTINGS, Storage, _single
        from interop.fixtures import fixture_clients

        server = AuthorizationServer(Storage(fixture_clients()))

        async def aioauth() -> None:
            # What interop/aioauth/server.py's ASGI wrapper builds from the raw request.
            request = Request(
                settings=SETTINGS, method="POST",
                headers=HTTPHeaderDict({k.lower(): v for k, v in headers.items()}),
                post=Post(**_single(parse_qsl(TOKEN_BODY.decode("ascii"),  # type: ignore[arg-type]
                                              keep_blank_values=True), _POST_FIELDS)),
                query=Query(), url=f"http://{HOST}/token")
            _check(int((await server.create_token_response(request)).status_code), peer.name)

        return aioauth
    raise KeyError(peer.name)


def app_call(peer: ServerSpec, auth: str) -> Call:
    """One request through the whole ASGI/WSGI app (fixed scope or environ)."""
    app = peer.build_app()
    if peer.interface == "wsgi":
        base_environ = {
            "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": peer.endpoint,
            "QUERY_STRING": "", "CONTENT_TYPE": FORM, "CONTENT_LENGTH": str(len(TOKEN_BODY)),
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST, "HTTP_AUTHORIZATION": auth, "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }

        def wsgi() -> None:
            box: list[str] = []
            environ = {**base_environ, "wsgi.input": io.BytesIO(TOKEN_BODY)}
            chunks = app(environ, lambda status, headers, exc_info=None: box.append(status))
            b"".join(chunks)
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            _check(int(box[0].split()[0]), peer.name)

        return wsgi
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": peer.endpoint, "raw_path": peer.endpoint.encode(),
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "headers": [(b"host", HOST.encode()), (b"authorization", auth.encode("latin-1")),
                    (b"content-type", FORM.encode()),
                    (b"content-length", str(len(TOKEN_BODY)).encode())],
    }
    request_message = {"type": "http.request", "body": TOKEN_BODY, "more_body": False}

    async def receive() -> dict[str, Any]:
        return request_message

    async def asgi() -> None:
        box: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                box.append(message["status"])

        await app(dict(scope), receive, send)
        _check(box[0], peer.name)

    return asgi


def _time_sync(call: Callable[[], None], n: int, repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        out.append((time.perf_counter() - t0) / n * 1e6)
    return out


async def _time_async(call: Callable[[], Awaitable[None]], n: int, repeats: int,
                      warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            await call()
        out.append((time.perf_counter() - t0) / n * 1e6)
    return out


def measure(peer: ServerSpec, level: str, auth: str, *, n: int = 2000, repeats: int = 7,
            warmup: int = 200) -> Timing:
    """Median µs per request of ``peer`` at ``level`` (``endpoint`` or ``app``)."""
    call = endpoint_call(peer, auth) if level == "endpoint" else app_call(peer, auth)
    if inspect.iscoroutinefunction(call):
        batches = asyncio.run(_time_async(call, n, repeats, warmup))
    else:
        batches = _time_sync(call, n, repeats, warmup)
    return Timing(peer.name, level, statistics.median(batches), batches)


__all__ = ["CLIENT_ID", "Timing", "app_call", "endpoint_call", "measure"]
