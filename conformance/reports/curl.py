"""A copy-pasteable ``curl`` command that replays one recorded request, with every client secret
replaced by the environment variable the profile names (``"$CC_CLIENT_SECRET"``).

Secrets are matched in every form the suite puts on the wire (raw, form-urlencoded as RFC 6749
§2.3.1 and Appendix B require, percent-encoded) and the same form is rebuilt in the shell, so
the command sends the very bytes the suite sent. HTTP Basic credentials are never written as
base64: the header is computed in the shell (``printf ... | base64``). curl's own ``-u`` is not
used because it sends the id and secret without the form-encoding §2.3.1 requires. A last pass
through the redactor guarantees that nothing sensitive (e.g. an access token) survives.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from conformance.exchange import SentRequest
from conformance.redact import REDACTED, Redactor

_PY_ENC = ("python3 -c 'import sys,urllib.parse as u;"
           "sys.stdout.write(u.{fn}(sys.argv[1],safe=\"\"))' \"${env}\"")
_SKIP_HEADERS = frozenset({"host", "content-length"})
#: the variable a replay reads a client assertion from (RFC 7523 §2.2): the one the suite sent
#: is a bearer credential until it expires, never written out
ASSERTION_ENV = "CC_CLIENT_ASSERTION"


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret and the environment variable that holds it."""

    secret: str
    env: str

    def __repr__(self) -> str:
        return f"SecretRef(secret=<redacted>, env={self.env!r})"


def _variants(ref: SecretRef) -> list[tuple[str, str]]:
    """(wire text, shell expression producing it) for each encoding of the secret."""
    out = {ref.secret: f'"${ref.env}"'}
    for fn, enc in (("quote_plus", quote_plus), ("quote", quote)):
        wire = enc(ref.secret, safe="")
        out.setdefault(wire, '"$(' + _PY_ENC.format(fn=fn, env=ref.env) + ')"')
    return list(out.items())


def _sq(text: str) -> str:
    """Single-quote a literal for POSIX shells."""
    return "'" + text.replace("'", "'\\''") + "'"


def shell_word(text: str, refs: Sequence[SecretRef]) -> tuple[str, set[str]]:
    """``text`` as one shell word in which every secret occurrence is an env-var expansion.
    Returns the word and the names of the variables it needs."""
    pairs = sorted(((w, e, r.env) for r in refs for w, e in _variants(r)),
                   key=lambda t: len(t[0]), reverse=True)
    parts: list[str] = []
    used: set[str] = set()
    lit = ""
    i = 0
    while i < len(text):
        for wire, expr, env in pairs:
            if wire and text.startswith(wire, i):
                if lit:
                    parts.append(_sq(lit))
                    lit = ""
                parts.append(expr)
                used.add(env)
                i += len(wire)
                break
        else:
            lit += text[i]
            i += 1
    if lit or not parts:
        parts.append(_sq(lit))
    return "".join(parts), used


def _basic_header(value: str, refs: Sequence[SecretRef]) -> tuple[str, set[str]] | None:
    scheme, _, cred = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    word, used = shell_word(decoded, refs)
    return f'"Authorization: {scheme} $(printf %s {word} | base64 | tr -d \'\\n\')"', used


def _assertion_refs(request: SentRequest) -> list[SecretRef]:
    """The client assertions in the request's body or query, each to be read from
    :data:`ASSERTION_ENV` in the replay."""
    texts = [urlsplit(request.url).query]
    if request.body:
        texts.append(request.body.decode("utf-8", errors="replace"))
    values = {v for t in texts for n, v in parse_qsl(t, keep_blank_values=True)
              if n == "client_assertion" and v}
    return [SecretRef(v, ASSERTION_ENV) for v in sorted(values, key=len, reverse=True)]


def curl_command(request: SentRequest, refs: Iterable[SecretRef], redactor: Redactor, *,
                 in_process: bool = False) -> str:
    """The shell command (with ``#`` comment lines) replaying ``request``."""
    refs = [r for r in refs if r.secret] + _assertion_refs(request)
    used: set[str] = set()
    notes: list[str] = []
    args: list[str] = ["curl", "-sS", "-i", "-X", _sq(request.method)]
    url, u = shell_word(request.url, refs)
    used |= u
    args.append(url)
    has_ctype = False
    for name, value in request.headers:
        low = name.lower()
        if low in _SKIP_HEADERS:
            continue
        has_ctype = has_ctype or low == "content-type"
        if low == "authorization":
            basic = _basic_header(value, refs)
            if basic is not None:
                word, u = basic
                used |= u
                args += ["-H", word]
                continue
        word, u = shell_word(f"{name}: {value}", refs)
        used |= u
        args += ["-H", word]
    prefix = ""
    if request.body:
        if not has_ctype:
            args += ["-H", _sq("Content-Type:")]  # curl would add a form content type
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            octal = "".join(f"\\{b:03o}" for b in request.body)
            prefix = f"printf {_sq(octal)} | "
            args += ["--data-binary", "@-"]
        else:
            word, u = shell_word(body, refs)
            used |= u
            args += ["--data-raw", word]
    lines = [" ".join(args[:6])]
    lines += [f"{a} {b}" for a, b in zip(args[6::2], args[7::2], strict=True)]
    cmd = prefix + " \\\n  ".join(lines)
    if used - {ASSERTION_ENV}:
        notes.append("needs " + ", ".join(f"${e}" for e in sorted(used - {ASSERTION_ENV}))
                     + " (the client secret, as for the suite)")
    if ASSERTION_ENV in used:
        notes.append(f"needs ${ASSERTION_ENV}: a fresh JWT client assertion (RFC 7523 §2.2) "
                     "of the client; the one the suite sent is not shown")
    if any(r.env in used and r.secret != quote_plus(r.secret, safe="") for r in refs):
        notes.append("python3 form-encodes the secret exactly as the suite did (RFC 6749 §2.3.1)")
    if in_process:
        notes.append("the target ran in-process: serve it and point the URL at it")
    safe = redactor.text(cmd)
    if REDACTED in safe:
        notes.append("a token issued during the run is shown as [REDACTED]")
    return "\n".join([*(f"# {n}" for n in notes), safe])
