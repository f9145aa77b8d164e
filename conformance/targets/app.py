"""In-process targets: an ASGI app, or a WSGI app run in a worker thread (httpx's WSGITransport
is synchronous, so each request is handed to a thread to keep the event loop free)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx

from conformance.exchange import Exchange
from conformance.request import RawRequest, UnsendableRequest
from conformance.targets._httpx import build_url, send_httpx
from conformance.targets.base import TargetError

BASE = "http://cc-target.test"


class ThreadedWSGITransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any) -> None:
        self._sync = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_req = httpx.Request(request.method, request.url, headers=request.headers,
                                 content=body)
        resp = await asyncio.to_thread(self._sync.handle_request, sync_req)
        content = await asyncio.to_thread(resp.read)
        # A stream, not content=: a Response built from content is already consumed, and the
        # shared send path streams every body (aiter_raw) to cap it.
        return httpx.Response(resp.status_code, headers=resp.headers,
                              stream=httpx.ByteStream(content))


def is_asgi(app: object) -> bool:
    if inspect.iscoroutinefunction(app):
        return True
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the bound method
    return call is not None and inspect.iscoroutinefunction(call)


class AppTarget:
    kind = "app"
    uses_tls = False
    is_loopback = True

    def __init__(self, app: object, *, token_path: str, location: str, timeout: float) -> None:
        if not callable(app):
            raise TargetError(f"{location} is not callable (not an ASGI/WSGI app)")
        self.location = location
        self.token_path = token_path
        self.token_url = BASE + token_path
        self.timeout = timeout
        self.flavour = "asgi" if is_asgi(app) else "wsgi"
        transport: httpx.AsyncBaseTransport
        if self.flavour == "asgi":
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        else:
            transport = ThreadedWSGITransport(app)
        self._client = httpx.AsyncClient(transport=transport, follow_redirects=False)

    async def send(self, request: RawRequest) -> Exchange:
        url = build_url(BASE, self.token_path, request)
        try:
            return await asyncio.wait_for(send_httpx(self._client, url, request), self.timeout)
        except TimeoutError as exc:
            # Counts towards "stopped answering": a hung app costs a few deadlines, not the
            # whole run budget.
            raise TargetError(f"in-process app did not answer within the {self.timeout:g}s "
                              "request timeout", connection=True, timeout=True) from exc
        except (TargetError, UnsendableRequest):
            # UnsendableRequest: send_httpx refused the request before the app saw it, exactly
            # as it would over HTTP (a limit of the suite, not an exception of the app).
            raise
        except Exception as exc:
            # An exception escaping the app is what a server turns into a 500.
            raise TargetError(f"in-process app raised {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        await self._client.aclose()
