"""URL target: a live token endpoint over HTTP(S). Redirects are never followed.

TLS: the server certificate is verified against the system trust store by default, or only
against ``ca_bundle``; ``insecure`` turns verification off (the run says so loudly). Plain http
is accepted for loopback hosts only, unless ``allow_insecure_http`` (RFC 6749 §3.2 requires
TLS); the refusal happens here, before any connection is made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from pathlib import Path

import httpx

from conformance.client_certs import ClientCert, ClientCertError
from conformance.exchange import NO_HTTP_RESPONSE, Exchange, Received
from conformance.request import RawRequest, UnsendableRequest
from conformance.targets._httpx import build_url, send_httpx, sent_request
from conformance.targets.base import TargetConfigError, TargetError, TransportOptions


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


def _tls_refusal_sync(host: str, port: int, ctx: ssl.SSLContext,
                      opts: TransportOptions) -> str | None:
    try:
        sock = socket.create_connection((host, port), timeout=opts.connect)
    except OSError:
        return None  # not a refusal of the certificate: the caller's own error stands
    with sock:
        try:
            tls = ctx.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError:
            return None  # the server's certificate failed our check: not the server's refusal
        except ssl.SSLError as exc:
            return f"the server refused the TLS handshake ({exc.reason or exc})"
        except OSError as exc:
            return f"the server ended the connection during the TLS handshake ({exc})"
        with tls:
            # How long to wait for the server to end the connection: the read timeout (a
            # server that accepted the certificate waits for a request instead, so only a
            # genuinely failed request pays this wait; a loaded server may take a moment to
            # finish the handshake it is about to refuse).
            tls.settimeout(opts.read)
            try:
                data = tls.recv(1)
            except TimeoutError:
                return None  # it accepted the certificate and waits for a request
            except ssl.SSLError as exc:
                return f"the server sent a TLS alert after the handshake ({exc.reason or exc})"
            except OSError as exc:
                return f"the server reset the connection after the TLS handshake ({exc})"
            if data:
                return None  # it spoke first: not a refusal
            return ("the server closed the connection right after the TLS handshake, before "
                    "any request (it refused the client certificate at the TLS layer)")


async def tls_refusal(url: str, cert: ClientCert | None, opts: TransportOptions) -> str | None:
    """Whether the server at ``url`` ends a TLS connection that presents ``cert`` (None: no
    certificate) instead of waiting for a request: a one-line description, or None when it
    accepts the connection (or cannot be reached at all)."""
    parsed = httpx.URL(url)
    try:
        ctx = ssl_context(opts)
        if cert is not None:
            ctx = cert.ssl_context(ctx)
    except (TargetConfigError, ClientCertError):
        return None
    return await asyncio.to_thread(_tls_refusal_sync, parsed.host, parsed.port or 443, ctx, opts)


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
        self._cert_clients: dict[tuple[str, str], httpx.AsyncClient] = {}
        #: whether a request can present a TLS client certificate (https only)
        self.client_certs = self.uses_tls

    def _client_for(self, cert: ClientCert | None) -> httpx.AsyncClient:
        """The connection pool for requests presenting ``cert`` (a TLS client certificate is
        a property of the connection, so each certificate has a pool of its own)."""
        if cert is None:
            return self._client
        key = (str(cert.cert_file), str(cert.key_file))
        client = self._cert_clients.get(key)
        if client is None:
            try:
                ctx = cert.ssl_context(ssl_context(self.transport))
            except ClientCertError as exc:
                raise TargetConfigError(str(exc)) from exc
            client = httpx.AsyncClient(
                timeout=self._client.timeout, follow_redirects=False, trust_env=False,
                verify=ctx, limits=httpx.Limits(max_connections=5))
            self._cert_clients[key] = client
        return client

    async def send(self, request: RawRequest) -> Exchange:
        url = build_url(self.url, None, request)
        if request.mtls and not self.uses_tls:
            raise UnsendableRequest("a TLS client certificate needs an https target")
        try:
            return await send_httpx(self._client_for(request.client_cert), url, request,
                                    self.transport)
        except TargetError as exc:
            if not (request.mtls and exc.connection and not exc.timeout):
                raise
            # The server may have ended the connection at the TLS layer over the client
            # certificate: with TLS 1.3 the client learns it only as a broken connection.
            # Ask the handshake alone what the server does with this certificate.
            refusal = await tls_refusal(url, request.client_cert, self.transport)
            if refusal is None:
                raise
            return Exchange(request=sent_request(request, url),
                            response=Received(NO_HTTP_RESPONSE, (), b""), label=request.label,
                            tls_refused=f"{refusal} (the request failed with: {exc})")

    async def aclose(self) -> None:
        await self._client.aclose()
        for client in self._cert_clients.values():
            await client.aclose()
