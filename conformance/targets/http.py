"""URL target: a live token endpoint over HTTP(S). Redirects are never followed."""

from __future__ import annotations

import ipaddress

import httpx

from conformance.exchange import Exchange
from conformance.request import RawRequest
from conformance.targets import TargetConfigError
from conformance.targets._httpx import build_url, send_httpx


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class UrlTarget:
    kind = "url"

    def __init__(self, url: str, *, timeout: float) -> None:
        try:
            parsed = httpx.URL(url)
        except Exception as exc:
            raise TargetConfigError(f"invalid URL {url!r}: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise TargetConfigError(f"URL must be http(s)://host/..., got {url!r}")
        if parsed.fragment:
            raise TargetConfigError("a token endpoint URL must not have a fragment (RFC 6749 §3.2)")
        self.url = url
        self.location = url
        self.uses_tls = parsed.scheme == "https"
        self.is_loopback = _is_loopback(parsed.host)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=20),
        )

    async def send(self, request: RawRequest) -> Exchange:
        return await send_httpx(self._client, build_url(self.url, None, request), request)

    async def aclose(self) -> None:
        await self._client.aclose()
