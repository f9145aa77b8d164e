"""Test-only: the reference token endpoint as a WSGI application.

A plain PEP 3333 callable that forwards each request to the reference's public
``TokenEndpoint.create_token_response`` with ``asyncio.run`` (the conformance app target calls
WSGI apps from a worker thread, where no event loop is running). It counts its calls, so a test
can prove the suite really drove it as WSGI.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from reference_impl.asgi import build_endpoint
from reference_impl.registry import demo_registry

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

_SPECIAL = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _headers(environ: Environ) -> list[tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key in _SPECIAL:
            if value:
                out.append((_SPECIAL[key], str(value)))
        elif key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").title(), str(value)))
    return out


class ReferenceWSGI:
    """``ReferenceWSGI(token_path="/token", drop_headers=())``: the WSGI reference; response
    headers named in ``drop_headers`` are removed (to build a broken WSGI variant)."""

    def __init__(self, *, token_path: str = "/token",
                 drop_headers: Iterable[str] = ()) -> None:
        self.endpoint = build_endpoint(demo_registry())
        self.token_path = token_path
        self.drop = {h.lower() for h in drop_headers}
        self.calls = 0

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        self.calls += 1
        path = environ.get("PATH_INFO", "")
        if path != self.token_path:
            body = json.dumps({"error": "not_found"}).encode()
            start_response("404 Not Found", [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        uri = path + (f"?{query}" if query else "")
        headers, text, status = asyncio.run(self.endpoint.create_token_response(
            environ["REQUEST_METHOD"], uri, _headers(environ), raw))
        payload = text.encode("utf-8")
        out = [(k, v) for k, v in headers.items()
               if k.lower() not in self.drop and k.lower() != "content-length"]
        out.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {HTTPStatus(status).phrase}", out)
        return [payload]
