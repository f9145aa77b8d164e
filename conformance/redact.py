"""Secret redaction: nothing that leaves the suite (JSON, console) may carry a secret or token.

Two layers: structural (the Authorization credentials, the values of secret-bearing form
parameters and token members of JSON bodies are replaced wherever they appear), then textual
(every known secret in every encoding we produce, and every access token seen, is replaced in
any remaining text).
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
SECRET_PARAMS = frozenset(
    {"client_secret", "password", "client_assertion", "access_token", "refresh_token", "id_token"}
)
_TOKEN_MEMBER_RE = re.compile(
    r'("(?:access_token|refresh_token|id_token)"\s*:\s*)"(?:[^"\\]|\\.)*"'
)
_AUTH_RE = re.compile(r"^(\s*\S+)(\s+).*$", re.DOTALL)
_FORM_PARAM_RE = re.compile(r"(^|[&?;])([^=&]*)=([^&]*)")


def secret_variants(secret: str) -> set[str]:
    """The secret as it can appear on the wire: raw, form- and percent-encoded."""
    out = {secret, quote_plus(secret, safe=""), quote(secret, safe="")}
    return {v for v in out if v}


class Redactor:
    """Thread-safe set of sensitive strings plus the structural rules above."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        for s in secrets:
            self.add_secret(s)

    def add_secret(self, secret: str) -> None:
        if not secret:
            return
        with self._lock:
            self._values |= secret_variants(secret)

    def add_token(self, token: str) -> None:
        if token and len(token) >= 4:
            with self._lock:
                self._values.add(token)

    def add_basic_value(self, b64: str) -> None:
        if b64:
            with self._lock:
                self._values.add(b64)

    def add_credentials(self, client_id: str, secret: str) -> None:
        """Register the Basic values a request for this client may carry."""
        self.add_secret(secret)
        for user, pw in ((quote_plus(client_id, safe=""), quote_plus(secret, safe="")),
                         (client_id, secret)):
            raw = f"{user}:{pw}".encode()
            self.add_basic_value(base64.b64encode(raw).decode("ascii"))

    def text(self, value: str) -> str:
        if not value:
            return value
        value = _TOKEN_MEMBER_RE.sub(lambda m: f'{m.group(1)}"{REDACTED}"', value)
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for v in values:
            if v in value:
                value = value.replace(v, REDACTED)
        return value

    def header(self, name: str, value: str) -> str:
        if name.lower() in ("authorization", "proxy-authorization"):
            m = _AUTH_RE.match(value)
            return f"{m.group(1)} {REDACTED}" if m else REDACTED
        return self.text(value)

    def form(self, body: str) -> str:
        """Redact secret-bearing parameters of a form-urlencoded string (body or query)."""

        def repl(m: re.Match[str]) -> str:
            name = m.group(2)
            try:
                from urllib.parse import unquote_plus

                decoded = unquote_plus(name)
            except Exception:  # pragma: no cover - defensive
                decoded = name
            if decoded.strip().lower() in SECRET_PARAMS:
                return f"{m.group(1)}{name}={REDACTED}"
            return m.group(0)

        return self.text(_FORM_PARAM_RE.sub(repl, body))

    def obj(self, value: object) -> object:
        """Recursively redact strings in a JSON-able structure."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.obj(v) for v in value]
        return value
