"""Secret redaction: nothing that leaves the suite (JSON, console) may carry a secret or token.

Two layers: structural (the Authorization credentials, the values of secret-bearing form
parameters and token members of JSON bodies are replaced wherever they appear), then textual
(every known secret in every encoding we produce, and every access token seen, is replaced in
any remaining text).

:meth:`Redactor.free_text` is for text nobody structured: tracebacks (frame locals, function
arguments, exception messages), captured output, log records, warnings. After the known values
it also hides what merely looks like a credential: the value of a secret-bearing parameter
(``client_secret=...``, ``('client_secret', '...')``), an Authorization value and a Basic/Bearer
credential. A value cut short by pytest's repr truncation is no longer a known value, so this
second pass is what hides it.
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
_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_PARAMS))
#: idempotence: leave a redaction alone (ours, or the ``<redacted>`` of the reprs below)
_NOT_DONE = rf"(?!{re.escape(REDACTED)}|<redacted>)"
#: name=value (also %3D-encoded, or a keyword argument): the value runs to the next separator
_FREE_PARAM_RE = re.compile(
    rf"(?i)\b({_NAMES})(\s*(?:=|%3D)\s*){_NOT_DONE}('[^']*'|\"[^\"]*\"|[^&\s'\"\\,;)\]]+)")
#: ('client_secret', 'x'), {'client_secret': 'x'}, "access_token": "x"
_QUOTED_PAIR_RE = re.compile(
    rf"""(?i)(['"])({_NAMES})\1(\s*[:,]\s*[bB]?)(['"])((?:(?!\4)[^\\]|\\.)*)\4""")
#: ('Authorization', 'Basic x'), Authorization: Basic x, b'authorization: x\r\n'
_FREE_AUTH_RE = re.compile(
    r"""(?i)((?>\b(?:proxy-)?authorization['"]?\s*[,:=]\s*[bf]?['"]?\s*))"""
    rf"""(?>(?:([A-Za-z][\w.+-]*)(\s+))?){_NOT_DONE}([^\s'"\\,)\]{{}}]+)""")
#: a Basic/Bearer credential anywhere (base64 or token68 with a digit, '+', '/' or '=')
_SCHEME_CRED_RE = re.compile(r"(?i)\b(basic|bearer)(\s+)([A-Za-z0-9._~+/-]{6,}=*)(?![\w=])")


#: headers whose value is a credential
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
SHOWN = "<redacted>"


def repr_names(pairs: Iterable[tuple[str, str]], sensitive: frozenset[str]) -> str:
    """Names of (name, value) pairs for a ``repr()``: values are never shown, and a name that
    carries a credential says so (``[Content-Type, Authorization=<redacted>]``)."""
    return "[" + ", ".join(f"{k}={SHOWN}" if k.strip().lower() in sensitive else k
                           for k, _ in pairs) + "]"


def repr_body(body: bytes | str | None) -> str:
    """A body for a ``repr()``: its size only (it may hold ``client_secret=`` or a token)."""
    if body is None:
        return "None"
    unit = "bytes" if isinstance(body, bytes) else "chars"
    return f"<{len(body)} {unit} redacted>" if body else f"<0 {unit}>"


def repr_url(url: str) -> str:
    """A URL for a ``repr()``: scheme, host, port and path; userinfo and query withheld."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return SHOWN
    userinfo = f"{SHOWN}@" if "@" in parts.netloc else ""
    query = f"?{SHOWN}" if parts.query else ""
    return f"{parts.scheme}://{userinfo}{host}{port}{parts.path}{query}"


def secret_variants(secret: str) -> set[str]:
    """The secret as it can appear on the wire: raw, form- and percent-encoded; and as a bytes
    repr shows its UTF-8 (``w\\xc3\\xb6rd``: a body in a traceback)."""
    out = {secret, quote_plus(secret, safe=""), quote(secret, safe=""),
           secret.encode().decode("ascii", errors="backslashreplace")}
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

    def free_text(self, value: str) -> str:
        """Redact unstructured text (a traceback, captured output, a log record): the known
        values, then anything shaped like a credential (see the module docstring). Idempotent."""
        if not value:
            return value
        value = self.text(value)

        def auth(m: re.Match[str]) -> str:
            scheme = f"{m.group(2)}{m.group(3)}" if m.group(2) else ""
            return f"{m.group(1)}{scheme}{REDACTED}"

        def cred(m: re.Match[str]) -> str:
            if not re.search(r"[0-9+/=]", m.group(3)):
                return m.group(0)  # a word ("Basic authentication"), not a credential
            if m.group(3).endswith("=") and m.string.startswith('"', m.end()):
                return m.group(0)  # an auth-param (Basic realm="x"), not a credential
            return f"{m.group(1)}{m.group(2)}{REDACTED}"

        def param(m: re.Match[str]) -> str:
            quote_ = m.group(3)[0] if m.group(3)[0] in "'\"" else ""
            return f"{m.group(1)}{m.group(2)}{quote_}{REDACTED}{quote_}"

        value = _FREE_AUTH_RE.sub(auth, value)
        value = _QUOTED_PAIR_RE.sub(
            lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{REDACTED}"
                      f"{m.group(4)}", value)
        value = _FREE_PARAM_RE.sub(param, value)
        return _SCHEME_CRED_RE.sub(cred, value)

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
