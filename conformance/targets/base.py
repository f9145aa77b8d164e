"""The types every target module shares: what to test (:class:`TargetSpec`), how a URL is
reached (:class:`TransportOptions`), the :class:`Target` protocol and the target errors.
The target modules import from here, never from the package, so nothing imports in a circle.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from conformance.exchange import Exchange
from conformance.request import RawRequest

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_REQUEST_TIMEOUT_S = 10.0
DEFAULT_RUN_BUDGET_S = 300.0
MAX_RESPONSE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """How a URL target is reached. ``connect``/``read``: httpx per-phase timeouts (read applies
    to each chunk); ``total``: deadline for one whole exchange, send to last body byte (stops a
    trickling server); ``max_bytes``: cap on the response body, before and after content
    decoding; ``ca_bundle``: trust only these CAs; ``insecure``: no certificate verification;
    ``allow_insecure_http``: plain http to a non-loopback host."""

    connect: float = DEFAULT_TIMEOUT_S
    read: float = DEFAULT_TIMEOUT_S
    total: float = DEFAULT_REQUEST_TIMEOUT_S
    max_bytes: int = MAX_RESPONSE_BYTES
    ca_bundle: str | None = None
    insecure: bool = False
    allow_insecure_http: bool = False

    @property
    def verification(self) -> str:
        """How the server certificate is checked: default, ca-bundle or none."""
        if self.insecure:
            return "none"
        return "ca-bundle" if self.ca_bundle else "default"


class TargetError(Exception):
    """The target could not be reached or did not speak HTTP: verdict ``error``, exit 3.
    ``connection``: the failure was at the connection level (refused, reset, timed out), which
    may count towards "the target stopped answering". ``timeout``: the connection was there but
    no complete answer came in time (read timeout, whole-exchange deadline): a slow server
    looks like this too, so the session's breaker counts it only when nothing at all answered
    meanwhile (conformance.harness.ConformanceSession.asend)."""

    def __init__(self, message: str, *, connection: bool = False,
                 timeout: bool = False) -> None:
        super().__init__(message)
        self.connection = connection
        self.timeout = timeout


class TargetConfigError(ValueError):
    """A target specification is unusable (bad ``module:attr``, bad URL): exit 2."""


class Target(Protocol):
    kind: str
    location: str
    #: the token endpoint URL as the target's requests address it (for in-process targets the
    #: fixed base URL of the in-process transport): the default audience of JWT assertions
    token_url: str
    uses_tls: bool
    is_loopback: bool
    #: whether a request can present a TLS client certificate (RFC 8705): an https URL, or an
    #: ASGI app in-process (the ASGI TLS extension); targets without it are taken as False
    client_certs: bool

    async def send(self, request: RawRequest) -> Exchange: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """What to test: ``kind`` is url, app or grant; ``value`` a URL, ``module:attr`` or object."""

    kind: str
    value: object
    token_path: str = "/token"  # noqa: S105 - a path

    @property
    def location(self) -> str:
        where = (self.value if isinstance(self.value, str)
                 else f"<{type(self.value).__name__} object>")
        if self.kind == "grant":
            # Findings on transport rules describe the host endpoint, not the grant.
            return f"{where} (hosted in reference_impl TokenEndpoint; transport rules enforced " \
                   "by the host)"
        return where

    @classmethod
    def parse(cls, text: str, token_path: str = "/token") -> TargetSpec:  # noqa: S107
        """The one reading of a target given as text: an http(s) URL, ``grant:module:factory``
        (a grant hosted in the reference endpoint) or ``module:attr`` (an ASGI/WSGI app)."""
        if text.startswith(("http://", "https://")):
            return cls("url", text)
        if text.startswith(GRANT_PREFIX):
            return cls("grant", text[len(GRANT_PREFIX):], token_path=token_path)
        return cls("app", text, token_path=token_path)


#: the prefix that marks a grant target given as text (``grant:module:factory``)
GRANT_PREFIX = "grant:"


def import_object(ref: str) -> object:
    mod_name, sep, attr = ref.partition(":")
    if not sep or not mod_name or not attr:
        raise TargetConfigError(f"expected module:attr, got {ref!r}")
    try:
        module = importlib.import_module(mod_name)
    except ImportError as exc:
        raise TargetConfigError(f"cannot import {mod_name!r}: {exc}") from exc
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise TargetConfigError(f"{mod_name!r} has no attribute {attr!r}") from exc
    return obj
