"""The request builder: exact bytes on the wire, no hidden normalisation.

It can send what a buggy client would: repeated parameters, parameters in the query, any content
type, raw bytes, any method, any Authorization header. Body bytes and headers are built here;
the transport adds only Host and Content-Length (recorded in the exchange as sent).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import quote_plus

from conformance.redact import AUTH_HEADERS, SECRET_PARAMS, repr_body, repr_names

FORM = "application/x-www-form-urlencoded"
Pairs = Sequence[tuple[str, str]]


def form_encode(pairs: Iterable[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded per RFC 6749 Appendix B (UTF-8, '+' for space)."""
    return "&".join(f"{quote_plus(k, safe='')}={quote_plus(v, safe='')}" for k, v in pairs)


def basic_credentials(client_id: str, secret: str, *, form_encoded: bool = True) -> str:
    """The base64 part of a Basic header. ``form_encoded`` applies RFC 6749 §2.3.1."""
    if form_encoded:
        user, pw = quote_plus(client_id, safe=""), quote_plus(secret, safe="")
    else:
        user, pw = client_id, secret
    return base64.b64encode(f"{user}:{pw}".encode()).decode("ascii")


def basic_header(client_id: str, secret: str, *, form_encoded: bool = True,
                 scheme: str = "Basic") -> tuple[str, str]:
    value = basic_credentials(client_id, secret, form_encoded=form_encoded)
    return ("Authorization", f"{scheme} {value}")


def _method(method: str) -> str:
    return method if method.isascii() and method.isalpha() else repr(method)


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request as it will be sent. ``body`` is sent verbatim; ``query`` is appended verbatim."""

    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    query: str | None = None
    path: str | None = None  # None: the target's token endpoint
    label: str = ""

    def __repr__(self) -> str:
        """Never the credentials: header names only, the body's and query's size only."""
        parts = [_method(self.method), f"headers={repr_names(self.headers, AUTH_HEADERS)}",
                 f"body={repr_body(self.body)}"]
        if self.query is not None:
            parts.append(f"query={repr_body(self.query)}")
        if self.path is not None:
            parts.append(f"path={self.path!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"RawRequest({', '.join(parts)})"

    def with_header(self, name: str, value: str) -> RawRequest:
        return replace(self, headers=(*self.headers, (name, value)))

    def without_header(self, name: str) -> RawRequest:
        low = name.lower()
        return replace(self, headers=tuple(h for h in self.headers if h[0].lower() != low))


@dataclass(slots=True)
class RequestBuilder:
    """Fluent builder for token endpoint requests; every call says exactly what is sent."""

    method: str = "POST"
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] | None = None
    raw_body: bytes | None = None
    content_type: str | None = FORM
    label: str = ""

    def __repr__(self) -> str:
        """Never the credentials: parameter and header names only (a secret one says so)."""
        parts = [_method(self.method), f"params={repr_names(self.params, SECRET_PARAMS)}",
                 f"headers={repr_names(self.headers, AUTH_HEADERS)}"]
        if self.query is not None:
            parts.append(f"query={repr_names(self.query, SECRET_PARAMS)}")
        if self.raw_body is not None:
            parts.append(f"body={repr_body(self.raw_body)}")
        parts.append(f"content_type={self.content_type!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"RequestBuilder({', '.join(parts)})"

    def param(self, name: str, value: str) -> RequestBuilder:
        self.params.append((name, value))
        return self

    def params_(self, pairs: Iterable[tuple[str, str]]) -> RequestBuilder:
        self.params.extend(pairs)
        return self

    def header(self, name: str, value: str) -> RequestBuilder:
        self.headers.append((name, value))
        return self

    def query_param(self, name: str, value: str) -> RequestBuilder:
        if self.query is None:
            self.query = []
        self.query.append((name, value))
        return self

    def basic(self, client_id: str, secret: str, *, form_encoded: bool = True,
              scheme: str = "Basic") -> RequestBuilder:
        self.headers.append(basic_header(client_id, secret, form_encoded=form_encoded,
                                         scheme=scheme))
        return self

    def post_credentials(self, client_id: str, secret: str) -> RequestBuilder:
        self.params.append(("client_id", client_id))
        self.params.append(("client_secret", secret))
        return self

    def body(self, raw: bytes) -> RequestBuilder:
        self.raw_body = raw
        return self

    def build(self) -> RawRequest:
        headers = list(self.headers)
        body = self.raw_body if self.raw_body is not None else form_encode(self.params).encode()
        if self.content_type is not None and not any(
            k.lower() == "content-type" for k, _ in headers
        ):
            headers.insert(0, ("Content-Type", self.content_type))
        if not any(k.lower() == "accept" for k, _ in headers):
            headers.append(("Accept", "application/json"))
        query = form_encode(self.query) if self.query is not None else None
        return RawRequest(method=self.method, headers=tuple(headers), body=body, query=query,
                          label=self.label)
