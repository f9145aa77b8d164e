"""URL target: a live token endpoint over HTTP(S). Redirects are never followed.

TLS: the server certificate is verified against the system trust store by default, or only
against ``ca_bundle``; ``insecure`` turns verification off (the run says so loudly). Plain http
is accepted for loopback hosts only, unless ``allow_insecure_http`` (RFC 6749 §3.2 requires
TLS); the refusal happens here, before any connection is made.
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

import httpx

from conformance.exchange import Exchange
from conformance.request import RawRequest
from conformance.targets._httpx import build_url, send_httpx
from conformance.targets.base import TargetConfigError, TransportOptions


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ssl_context(opts: TransportOptions) -> ssl.SSLContext:
    if opts.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if opts.ca_bundle:
        path = Path(opts.ca_bundle)
        if not path.is_file():
            raise TargetConfigError(f"--ca-bundle {opts.ca_bundle}: no such file")
        try:
            return ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError) as exc:
            raise TargetConfigError(f"--ca-bundle {opts.ca_bundle}: not a PEM CA bundle "
                                    f"({exc})") from exc
    return ssl.create_default_context()


def plain_http_twin(url: str) -> str:
    """The plain-http twin of an https endpoint URL: same host, path and query, scheme http;
    an explicit port is kept (a server that speaks both on one port), otherwise port 80."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(scheme="http", port=parsed.port))


async def probe_plain_http(url: str, request: RawRequest, opts: TransportOptions) -> Exchange:
    """Send one request to ``url`` on a client of its own (never the target's connection pool,
    so it does not count towards the target's breaker); raises TargetError when nothing
    answers there."""
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(connect=opts.connect, read=opts.read, write=opts.read,
                              pool=opts.total),
        follow_redirects=False, trust_env=False,
    ) as client:
        return await send_httpx(client, url, request, opts)


class UrlTarget:
    kind = "url"

    def __init__(self, url: str, *, timeout: float,
                 transport: TransportOptions | None = None) -> None:
        opts = transport or TransportOptions(connect=timeout, read=timeout)
        try:
            parsed = httpx.URL(url)
        except Exception as exc:
            raise TargetConfigError(f"invalid URL {url!r}: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise TargetConfigError(f"URL must be http(s)://host/..., got {url!r}")
        if parsed.fragment:
            raise TargetConfigError("a token endpoint URL must not have a fragment (RFC 6749 §3.2)")
        self.url = url
        self.token_url = url
        self.location = url
        self.uses_tls = parsed.scheme == "https"
        self.is_loopback = _is_loopback(parsed.host)
        if not self.uses_tls and not self.is_loopback and not opts.allow_insecure_http:
            raise TargetConfigError(
                f"refusing plain http to non-loopback host {parsed.host!r}: RFC 6749 §3.2 "
                "requires TLS and the suite would send client secrets in clear text; use https "
                "or pass --allow-insecure-http")
        self.transport = opts
        #: how the server certificate was checked: default, ca-bundle, none (or None: no TLS)
        self.tls_verification: str | None = opts.verification if self.uses_tls else None
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=opts.connect, read=opts.read, write=opts.read,
                                  pool=opts.total),
            follow_redirects=False,
            trust_env=False,
            verify=ssl_context(opts) if self.uses_tls else True,
            limits=httpx.Limits(max_connections=20),
        )

    async def send(self, request: RawRequest) -> Exchange:
        return await send_httpx(self._client, build_url(self.url, None, request), request,
                                self.transport)

    async def aclose(self) -> None:
        await self._client.aclose()
