"""Strict ``application/x-www-form-urlencoded`` and HTTP Basic codecs.

- Form bodies (RFC 6749 Appendix B, WHATWG URL "application/x-www-form-urlencoded"): UTF-8,
  ``+`` is a space, ``%XX`` must be two hex digits. Anything else -> :class:`FormDecodeError`.
- HTTP Basic (RFC 7617 §2) carrying client credentials that are first form-urlencoded
  (RFC 6749 §2.3.1): ``base64(urlencode(id) ":" urlencode(secret))``.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote_plus, unquote_to_bytes

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


class FormDecodeError(ValueError):
    """Malformed form encoding: broken percent-encoding or bytes that are not UTF-8."""


class BasicDecodeError(ValueError):
    """Malformed HTTP Basic credentials."""


def form_decode_component(text: str) -> str:
    """Decode one name or value of a form body; raise :class:`FormDecodeError` if broken."""
    if "%" not in text and "+" not in text:
        return text  # nothing to decode (the common case for names and plain values)
    if _BAD_PERCENT.search(text):
        raise FormDecodeError("broken percent-encoding")
    raw = unquote_to_bytes(text.replace("+", " "))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormDecodeError("percent-encoded bytes are not UTF-8") from exc


def form_encode_component(text: str) -> str:
    """Form-urlencode one name or value (UTF-8, space as ``+``, everything else escaped)."""
    return quote_plus(text, safe="", encoding="utf-8", errors="strict")


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Parse a form body strictly into ``(name, value)`` pairs, keeping repeats and order.

    Empty pieces (``a=1&&b=2``) are skipped; a piece without ``=`` is a name with an empty
    value. Raises :class:`FormDecodeError` for non-UTF-8 bytes or broken percent-encoding.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormDecodeError("body is not UTF-8") from exc
    pairs: list[tuple[str, str]] = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((form_decode_component(name), form_decode_component(value)))
    return pairs


def encode_form(pairs: list[tuple[str, str]]) -> bytes:
    """Encode pairs as a form body (the inverse of :func:`parse_form`)."""
    return "&".join(
        f"{form_encode_component(k)}={form_encode_component(v)}" for k, v in pairs
    ).encode("ascii")


def encode_basic_credentials(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value for client credentials (RFC 6749 §2.3.1, RFC 7617 §2)."""
    joined = f"{form_encode_component(client_id)}:{form_encode_component(client_secret)}"
    return "Basic " + base64.b64encode(joined.encode("ascii")).decode("ascii")


def split_authorization(value: str) -> tuple[str, str]:
    """Split an ``Authorization`` value into ``(scheme, credentials)`` (RFC 9110 §11.4).

    The scheme is returned as sent (compare it case-insensitively); surrounding whitespace is
    removed.
    """
    value = value.strip(" \t")
    scheme, _, rest = value.partition(" ")
    return scheme, rest.strip(" \t")


def decode_basic_credentials(token68: str) -> tuple[str, str]:
    """Decode Basic credentials into ``(client_id, client_secret)``.

    RFC 7617 §2: strict base64 of ``user-id ":" password`` in UTF-8 (the charset the
    reference announces), split at the first colon. RFC 6749 §2.3.1: both parts are then
    form-urldecoded. Raises :class:`BasicDecodeError` for anything malformed.
    """
    if not _TOKEN68.fullmatch(token68):
        raise BasicDecodeError("credentials are not a token68")
    try:
        raw = base64.b64decode(token68, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BasicDecodeError("credentials are not valid base64") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BasicDecodeError("credentials are not UTF-8") from exc
    user, colon, password = text.partition(":")
    if not colon:
        raise BasicDecodeError("credentials have no colon")
    try:
        return form_decode_component(user), form_decode_component(password)
    except FormDecodeError as exc:
        raise BasicDecodeError("credentials are not form-urlencoded") from exc
