"""Records of HTTP exchanges with the target, and their redacted, serialisable form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.redact import AUTH_HEADERS, Redactor, repr_body, repr_names, repr_url
from conformance.resultdoc import ExchangeRow, RequestRow, ResponseRow

if TYPE_CHECKING:
    from conformance.client_certs import ClientCert

#: the status of an exchange the server ended at the TLS layer, before any HTTP answer
NO_HTTP_RESPONSE = 0


@dataclass(frozen=True, slots=True)
class SentRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    #: the certificate presented in the TLS handshake (mutual TLS, RFC 8705 §2)
    client_cert: ClientCert | None = None
    mtls: bool = False

    def __repr__(self) -> str:
        """Never the credentials: no query, header values or body (see RawRequest)."""
        method = self.method if self.method.isascii() and self.method.isalpha() \
            else repr(self.method)
        return (f"SentRequest({method} {repr_url(self.url)}, "
                f"headers={repr_names(self.headers, AUTH_HEADERS)}, body={repr_body(self.body)})")


@dataclass(frozen=True, slots=True)
class Received:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def __repr__(self) -> str:
        """Never a token: header names and the body's size only."""
        return (f"Received({self.status}, headers={repr_names(self.headers, AUTH_HEADERS)}, "
                f"body={repr_body(self.body)})")

    def header(self, name: str) -> str | None:
        """The combined value of a header (comma-joined if repeated), or None."""
        vals = self.header_values(name)
        return ", ".join(vals) if vals else None

    def header_values(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(slots=True)
class Exchange:
    request: SentRequest
    response: Received
    elapsed_ms: float = 0.0
    label: str = ""
    _json_cache: object = field(default=None, repr=False)
    #: the server ended the TLS connection instead of answering (mutual TLS): how, in one line;
    #: the response is then empty with status :data:`NO_HTTP_RESPONSE`
    tls_refused: str | None = None

    @property
    def tls_note(self) -> str | None:
        """The TLS side of a mutual-TLS exchange, for reports: the certificate presented and
        whether the server refused the connection."""
        if not self.request.mtls:
            return None
        cert = self.request.client_cert
        note = cert.describe() if cert is not None else "no client certificate presented"
        if self.tls_refused:
            note += f"; no HTTP response: {self.tls_refused}"
        return note

    def __repr__(self) -> str:
        """Redacted (see SentRequest and Received); ``to_dict``/``render`` show the details."""
        label = f"{self.label!r}, " if self.label else ""
        return (f"Exchange({label}{self.request!r}, {self.response!r}, "
                f"elapsed_ms={self.elapsed_ms:.1f})")

    def row(self, redactor: Redactor) -> ExchangeRow:
        """The redacted row of the results document."""
        # Bytes that are not UTF-8 are shown as \xNN escapes, not U+FFFD, so a reader can
        # see exactly what was sent (the curl replay carries the raw bytes).
        req_body = self.request.body.decode("utf-8", errors="backslashreplace")
        url = self.request.url
        if "?" in url:
            base, _, query = url.partition("?")
            url = f"{base}?{redactor.form(query)}"
        ctype = ""
        for k, v in self.request.headers:
            if k.lower() == "content-type":
                ctype = v
        body = redactor.form(req_body) if "json" not in ctype else redactor.text(req_body)
        resp_body = self.response.body.decode("utf-8", errors="backslashreplace")
        if len(resp_body) > 4000:
            resp_body = resp_body[:4000] + "...[truncated]"
        return ExchangeRow(
            label=self.label,
            request=RequestRow(self.request.method, redactor.text(url),
                               tuple((k, redactor.header(k, v)) for k, v in self.request.headers),
                               body),
            response=ResponseRow(self.response.status,
                                 tuple((k, redactor.header(k, v))
                                       for k, v in self.response.headers),
                                 redactor.text(resp_body)),
            elapsed_ms=round(self.elapsed_ms, 2), tls=self.tls_note)

    def to_dict(self, redactor: Redactor) -> dict[str, object]:
        return self.row(redactor).to_dict()

    def render(self, redactor: Redactor) -> str:
        """A short, redacted HTTP/1.1-style transcript for console output."""
        return self.row(redactor).console()


class _NotJSONConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json accepts them, JSON (RFC 8259 §6) does not."""


def _reject_constant(name: str) -> object:
    raise _NotJSONConstant(f"{name} is not a JSON value (RFC 8259 §6 numbers have no NaN or "
                           "Infinity)")


def parse_json_object(body: bytes) -> tuple[dict[str, object] | None, list[str], str | None]:
    """Parse a JSON object, reporting duplicate member names. Returns (obj, dups, error).

    Strictly RFC 8259: the NaN / Infinity / -Infinity literals Python's json module accepts by
    default make the body not JSON (a conforming client's parser rejects it)."""
    dups: list[str] = []

    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for k, v in pairs:
            if k in seen:
                dups.append(k)
            seen[k] = v
        return seen

    try:
        obj = json.loads(body.decode("utf-8"), object_pairs_hook=hook,
                         parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJSONConstant) as exc:
        return None, [], f"not JSON: {exc}"
    if not isinstance(obj, dict):
        return None, dups, f"JSON is a {type(obj).__name__}, not an object"
    return obj, dups, None
