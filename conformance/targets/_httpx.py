"""Shared httpx plumbing: send a RawRequest exactly, record the Exchange."""

from __future__ import annotations

import time

import httpx

from conformance.exchange import Exchange, Received, SentRequest
from conformance.request import RawRequest
from conformance.targets import TargetError


def build_url(base: str, token_path: str | None, request: RawRequest) -> str:
    url = base
    if request.path is not None:
        parsed = httpx.URL(base)
        url = str(parsed.copy_with(raw_path=request.path.encode(), query=None, fragment=None))
    elif token_path is not None:
        url = base.rstrip("/") + token_path
    if request.query is not None:
        url += ("&" if "?" in url else "?") + request.query
    return url


async def send_httpx(client: httpx.AsyncClient, url: str, request: RawRequest) -> Exchange:
    # Build the Request ourselves: client.build_request would merge default headers
    # (User-Agent, Accept-Encoding, Connection); httpx.Request adds only Host and
    # Content-Length, which we record as sent.
    req = httpx.Request(request.method, url, headers=list(request.headers),
                        content=request.body if (request.body or request.method != "GET") else None)
    sent = SentRequest(
        method=req.method,
        url=str(req.url),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw),
        body=request.body,
    )
    start = time.perf_counter()
    try:
        resp = await client.send(req, follow_redirects=False)
        body = await resp.aread()
    except httpx.TimeoutException as exc:
        raise TargetError(f"timed out talking to {url}: {type(exc).__name__}") from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise TargetError(
            f"cannot reach {url} or it is not HTTP: {type(exc).__name__}: {exc}"
        ) from exc
    elapsed = (time.perf_counter() - start) * 1000
    received = Received(
        status=resp.status_code,
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw),
        body=body,
    )
    return Exchange(request=sent, response=received, elapsed_ms=elapsed, label=request.label)
