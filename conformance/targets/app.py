"""In-process targets: an ASGI app, or a WSGI app run in a worker thread (httpx's WSGITransport
is synchronous, so each request is handed to a thread to keep the event loop free).

Mutual TLS in-process: there is no TLS, so an ASGI app learns the client certificate of a
request the way a TLS-terminating ASGI server would tell it, through the ASGI TLS extension
(``scope["extensions"]["tls"]["client_cert_chain"]``, the leaf first, PEM). Which certificate
goes with which request travels in a context variable set around the send (httpx's
ASGITransport calls the app in the sending task). A WSGI app has no such extension: mutual-TLS
checks are not applicable to it in-process (serve it over https instead).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import Any

import httpx

from conformance.exchange import Exchange
from conformance.request import RawRequest, UnsendableRequest
from conformance.targets._httpx import build_url, send_httpx
from conformance.targets.base import TargetError

BASE = "http://cc-target.test"

#: the request being sent, for :class:`TlsExtensionApp` (None: not a mutual-TLS request)
_CURRENT: contextvars.ContextVar[RawRequest | None] = contextvars.ContextVar(
    "cc_conformance_request", default=None)


class TlsExtensionApp:
    """Wraps an ASGI app: the scope of a mutual-TLS request carries the ASGI TLS extension
    with the certificate the request presents (an empty chain for none)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = _CURRENT.get()
        if scope.get("type") == "http" and request is not None and request.mtls:
            cert = request.client_cert
            scope = dict(scope)
            scope["extensions"] = {**scope.get("extensions", {}), "tls": {
                "server_cert": None,
                "client_cert_chain": [cert.cert_pem] if cert is not None else [],
                "client_cert_name": cert.subject if cert is not None else None,
                "client_cert_error": None, "tls_version": None, "cipher_suite": None}}
        await self.app(scope, receive, send)


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
        #: whether a request can present a TLS client certificate (the ASGI TLS extension)
        self.client_certs = self.flavour == "asgi"
        transport: httpx.AsyncBaseTransport
        if self.flavour == "asgi":
            transport = httpx.ASGITransport(app=TlsExtensionApp(app),  # type: ignore[arg-type]
                                            raise_app_exceptions=False)
        else:
            transport = ThreadedWSGITransport(app)
        self._client = httpx.AsyncClient(transport=transport, follow_redirects=False)

    async def send(self, request: RawRequest) -> Exchange:
        url = build_url(BASE, self.token_path, request)
        token = _CURRENT.set(request)
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
        finally:
            _CURRENT.reset(token)

    async def aclose(self) -> None:
        await self._client.aclose()
