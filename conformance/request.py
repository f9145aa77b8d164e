"""The request builder: exact bytes on the wire, no hidden normalisation.

It can send what a buggy client would: repeated parameters, parameters in the query, any content
type, raw bytes, any method, any Authorization header. Body bytes and headers are built here;
the transport adds only Host and Content-Length (recorded in the exchange as sent).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from conformance.redact import AUTH_HEADERS, SECRET_PARAMS, repr_body, repr_names

if TYPE_CHECKING:
    from conformance.client_certs import ClientCert

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
    #: the certificate presented in the TLS handshake (RFC 8705 §2), None for none
    client_cert: ClientCert | None = None
    #: a mutual-TLS request (with or without a certificate): a server that ends the TLS
    #: connection instead of answering has refused the client, which is an answer, not an
    #: unreachable target (conformance.targets.http)
    mtls: bool = False

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
        if self.mtls:
            parts.append(f"client_cert={self.client_cert!r}")
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
    client_cert: ClientCert | None = None
    mtls: bool = False

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

    def tls_client(self, cert: ClientCert | None) -> RequestBuilder:
        """A mutual-TLS request presenting ``cert`` in the handshake (None: no certificate)."""
        self.client_cert = cert
        self.mtls = True
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
                          label=self.label, client_cert=self.client_cert, mtls=self.mtls)


# ------------------------------------------------------------------ what HTTP/1.1 can carry
# The rules of the client stack every target kind sends through (httpx 0.28 + h11 0.16, read
# from their source): httpx encodes header names and values as ASCII and upper-cases the
# method; h11 requires the method and header names to be RFC 9110 tokens and a header value to
# match ``(field-vchar+ ([ \t]+ field-vchar+)*)?`` with field-vchar any byte but NUL and ASCII
# whitespace (so: no leading or trailing SP/HTAB, no CR, LF, VT, FF or NUL anywhere; other
# control bytes pass, h11 issue #57). h11 frames the body by Content-Length (merging repeated
# values) and knows only chunked transfer coding. httpx percent-encodes query characters
# outside printable ASCII minus SP " # < > (controls make the URL invalid), and path
# characters outside that set minus ? ` { } as well, and drops "." and ".." path segments.
# tests/transport/test_sendable.py checks these rules against h11 and httpx themselves.

#: tchar (RFC 9110 §5.6.2): a method or header name is one or more of these
TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789"
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: bytes h11 refuses anywhere in a header value (NUL and ASCII whitespace other than SP/HTAB)
_VALUE_FORBIDDEN = frozenset("\x00\n\r\x0b\x0c")
_PRINTABLE = frozenset(chr(i) for i in range(0x21, 0x7F))
#: query characters httpx passes through unchanged (WHATWG query percent-encode set)
QUERY_KEPT = _PRINTABLE - set('"#<>')
#: path characters httpx passes through unchanged (WHATWG path percent-encode set)
PATH_KEPT = QUERY_KEPT - set("?`{}")
#: path plus query: well under httpx's 64 KiB URL limit, leaving room for the base URL
MAX_TARGET_CHARS = 32 * 1024


class UnsendableRequest(Exception):
    """The suite's own request cannot go on the wire over HTTP/1.1 exactly as built.

    A limit of the suite, never a finding about the target: nothing was sent. The message
    names the header or part at fault, never its value (it may hold a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"suite limitation: the suite's own request cannot be sent over "
                         f"HTTP/1.1 as built ({reason}); nothing was sent, so this says nothing "
                         "about the target")
        self.reason = reason


def is_token(text: str) -> bool:
    return bool(text) and all(c in TOKEN_CHARS for c in text)


def header_value_unsendable(value: str) -> str | None:
    """Why h11/httpx would refuse this header value (never quoting it), or None."""
    if not isinstance(value, str):
        return "value is not text"
    if not value.isascii():
        return "value is not ASCII (httpx encodes header values as ASCII)"
    if any(c in _VALUE_FORBIDDEN for c in value):
        return "value contains CR, LF, NUL, VT or FF"
    if value[:1] in (" ", "\t") or value[-1:] in (" ", "\t"):
        return "value has leading or trailing whitespace"
    return None


def _header_label(index: int, name: str) -> str:
    return f"header {name!r}" if is_token(name) and len(name) <= 64 else f"header #{index}"


def unsendable_reason(raw: RawRequest) -> str | None:
    """Why ``raw`` cannot be sent over HTTP/1.1 exactly as built, or None if it can.

    Every target sends through the same check (conformance.targets._httpx), so an in-process
    run and a run over real HTTP refuse exactly the same requests. The reason names the part
    at fault (a header by its name, when the name is a token) and never quotes a value."""
    if not isinstance(raw.method, str) or not is_token(raw.method):
        return "the method is not an HTTP token"
    if raw.method != raw.method.upper():
        return "the method is not upper case (the HTTP client would upper-case it)"
    if not isinstance(raw.body, bytes | bytearray):
        return "the body is not bytes"
    lengths: list[str] = []
    for i, (name, value) in enumerate(raw.headers, 1):
        if not isinstance(name, str) or not name.isascii() or not is_token(name):
            return f"header #{i}: the name is not an HTTP token"
        bad = header_value_unsendable(value)
        if bad:
            return f"{_header_label(i, name)}: {bad}"
        low = name.lower()
        if low == "content-length":
            lengths.append(value)
        elif low == "transfer-encoding":
            return "Transfer-Encoding is set (the body would not be sent verbatim)"
    if lengths and (len(lengths) > 1 or not lengths[0].isdigit() or len(lengths[0]) > 20
                    or int(lengths[0]) != len(raw.body)):
        # h11 frames the body by it, and merges (or refuses) repeated or listed values
        return "Content-Length is not the body's length, once, in digits"
    if raw.path is not None:
        path, in_path, path_query = raw.path.partition("?")  # httpx splits a raw path there
        if not path.startswith("/") or any(c not in PATH_KEPT for c in path):
            return "the path is not '/' plus characters the HTTP client sends unchanged"
        if {".", ".."} & set(path.split("/")):
            return "the path has '.' or '..' segments (the HTTP client removes them)"
        if in_path and (raw.query is not None or any(c not in QUERY_KEPT for c in path_query)):
            return "the path's own query is not sent unchanged (or a query is given twice)"
    if raw.query is not None and any(c not in QUERY_KEPT for c in raw.query):
        return "the query holds characters the HTTP client would percent-encode or refuse"
    if len(raw.path or "") + len(raw.query or "") > MAX_TARGET_CHARS:
        return f"path and query are longer than {MAX_TARGET_CHARS} characters"
    return None


def check_sendable(raw: RawRequest) -> None:
    """Raise :class:`UnsendableRequest` if ``raw`` cannot go on the wire as built."""
    reason = unsendable_reason(raw)
    if reason is not None:
        raise UnsendableRequest(reason)
