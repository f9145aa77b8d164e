"""Shared httpx plumbing: send a RawRequest exactly, record the Exchange.

The response is streamed and capped: at most ``max_bytes`` are read off the wire, and a
compressed body is decoded in bounded steps so a decompression bomb stops at the same cap. The
whole exchange runs under one deadline (``total``), so a server that trickles bytes cannot hold
a check forever. Redirects are never followed. Every failure is a :class:`TargetError` with a
one-line reason that names no request content.

A request the client stack cannot put on the wire exactly as built
(:func:`conformance.request.unsendable_reason`) is refused here, before anything is sent, with
:class:`~conformance.request.UnsendableRequest`: a limit of the suite, never a
:class:`TargetError`. Every target kind (URL, in-process app, hosted grant) sends through
:func:`send_httpx`, so all of them refuse exactly the same requests.
"""

from __future__ import annotations

import asyncio
import time
import zlib

import h11
import httpcore
import httpx

from conformance.exchange import Exchange, Received, SentRequest
from conformance.request import RawRequest, UnsendableRequest, check_sendable
from conformance.targets.base import TargetError, TransportOptions

_DECODE_STEP = 64 * 1024


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


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


def _inflate(data: bytes, wbits: int, cap: int, coding: str) -> bytes:
    """Decompress ``data`` without ever holding more than ``cap`` (+ one step) output bytes."""
    d = zlib.decompressobj(wbits)
    out = bytearray()
    buf = data
    try:
        while True:
            out += d.decompress(buf, _DECODE_STEP)
            if len(out) > cap:
                raise TargetError(f"{coding}-encoded response body expands past the "
                                  f"{_mib(cap)} cap (decompression bomb?)")
            buf = d.unconsumed_tail
            if not buf:
                break
        out += d.flush()
    except zlib.error as exc:
        raise TargetError(f"response body declares Content-Encoding {coding} but does not "
                          f"decode: {exc}") from exc
    if len(out) > cap:
        raise TargetError(f"{coding}-encoded response body expands past the {_mib(cap)} cap")
    return bytes(out)


def decode_body(raw: bytes, content_encoding: str | None, cap: int) -> bytes:
    """Undo gzip/deflate content codings (last applied first); unknown codings stay raw."""
    if not content_encoding:
        return raw
    body = raw
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS, cap, coding)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS, cap, coding)
            except TargetError:  # some servers send raw deflate without the zlib wrapper
                body = _inflate(body, -zlib.MAX_WBITS, cap, coding)
        elif coding in ("identity", ""):
            continue
        else:
            return body  # an encoding we do not decode: the checks see the bytes as sent
    return body


async def _exchange(client: httpx.AsyncClient, req: httpx.Request, url: str,
                    opts: TransportOptions) -> tuple[httpx.Response, bytes]:
    resp = await client.send(req, stream=True, follow_redirects=False)
    try:
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > opts.max_bytes:
            raise TargetError(f"response declares Content-Length {declared}, over the "
                              f"{_mib(opts.max_bytes)} cap; not read")
        raw = bytearray()
        async for chunk in resp.aiter_raw():
            raw += chunk
            if len(raw) > opts.max_bytes:
                raise TargetError(f"response body exceeds the {_mib(opts.max_bytes)} cap; "
                                  "stopped reading")
    finally:
        await resp.aclose()
    body = decode_body(bytes(raw), resp.headers.get("content-encoding"), opts.max_bytes)
    return resp, body


def _sent(req: httpx.Request, request: RawRequest) -> SentRequest:
    return SentRequest(
        method=req.method,
        url=str(req.url),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw),
        body=request.body,
        client_cert=request.client_cert,
        mtls=request.mtls,
    )


def sent_request(request: RawRequest, url: str) -> SentRequest:
    """The record of ``request`` as :func:`send_httpx` puts it on the wire to ``url``."""
    return _sent(httpx.Request(request.method, url, headers=list(request.headers),
                               content=request.body if (request.body or request.method != "GET")
                               else None), request)


async def send_httpx(client: httpx.AsyncClient, url: str, request: RawRequest,
                     opts: TransportOptions | None = None) -> Exchange:
    opts = opts or TransportOptions()
    check_sendable(request)
    # Build the Request ourselves: client.build_request would merge default headers
    # (User-Agent, Accept-Encoding, Connection); httpx.Request adds only Host and
    # Content-Length, which we record as sent.
    try:
        req = httpx.Request(request.method, url, headers=list(request.headers),
                            content=request.body if (request.body or request.method != "GET")
                            else None)
    except (UnicodeEncodeError, httpx.InvalidURL) as exc:  # the check above should prevent it
        raise UnsendableRequest(f"the HTTP client refused to build it: "
                                f"{type(exc).__name__}") from None
    sent = _sent(req, request)
    where = str(req.url.copy_with(query=None))  # never quote the query: it may hold secrets
    start = time.perf_counter()
    try:
        async with asyncio.timeout(opts.total):
            resp, body = await _exchange(client, req, url, opts)
    except TimeoutError as exc:
        raise TargetError(f"no complete response from {where} within the {opts.total:g}s "
                          "request timeout", connection=True, timeout=True) from exc
    except httpx.TimeoutException as exc:
        phase = {httpx.ConnectTimeout: f"connect timeout ({opts.connect:g}s)",
                 httpx.ReadTimeout: f"read timeout ({opts.read:g}s) waiting for data",
                 httpx.WriteTimeout: f"write timeout ({opts.read:g}s)",
                 httpx.PoolTimeout: "connection pool timeout"}.get(type(exc), type(exc).__name__)
        # A connect timeout: nothing accepted the connection (hard). The others: connected,
        # but the answer (or room in the pool) did not come in time, as with a slow server.
        raise TargetError(f"{phase} talking to {where}", connection=True,
                          timeout=not isinstance(exc, httpx.ConnectTimeout)) from exc
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            raise TargetError(f"TLS certificate of {where} failed verification "
                              f"({_one_line(exc)}); trust its CA with --ca-bundle FILE",
                              connection=True) from exc
        raise TargetError(f"cannot connect to {where}: {_one_line(exc)}",
                          connection=True) from exc
    except (httpx.LocalProtocolError, httpcore.LocalProtocolError, h11.LocalProtocolError):
        # Our own request could not be put on the wire although check_sendable let it pass (a
        # rule of h11 it does not know yet). A limit of the suite, not of the target: never a
        # TargetError, and the message never quotes the refused value (it may hold a secret).
        raise UnsendableRequest("h11 refused to serialise it (LocalProtocolError)") from None
    except httpx.RemoteProtocolError as exc:
        raise TargetError(f"{where} did not answer with valid HTTP: {_one_line(exc)}",
                          connection=True) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise TargetError(f"connection to {where} failed: {type(exc).__name__}: "
                          f"{_one_line(exc)}", connection=True) from exc
    elapsed = (time.perf_counter() - start) * 1000
    received = Received(
        status=resp.status_code,
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw),
        body=body,
    )
    return Exchange(request=sent, response=received, elapsed_ms=elapsed, label=request.label)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
