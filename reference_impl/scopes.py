"""Scope syntax (RFC 6749 §3.3).

``scope = scope-token *( SP scope-token )`` with ``scope-token = 1*( %x21 / %x23-5B / %x5D-7E )``.

Decisions of the reference (documented in the README):

- The separator is exactly one space. Leading, trailing or doubled spaces, tabs and any other
  character outside the scope-token set make the value malformed: ``invalid_scope``.
- The value is a set (§3.3: order does not matter). A token that appears twice is accepted
  and counted once; the granted scope keeps the first occurrence order.
- An empty value is "omitted" (§3.2), handled before this module sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCOPE_TOKEN = r"[\x21\x23-\x5b\x5d-\x7e]+"  # noqa: S105 - a regex, not a secret
_SCOPE_RE = re.compile(rf"{_SCOPE_TOKEN}(?: {_SCOPE_TOKEN})*")
_TOKEN_RE = re.compile(_SCOPE_TOKEN)


class ScopeSyntaxError(ValueError):
    """The scope value does not match the §3.3 grammar."""


def is_scope_token(token: str) -> bool:
    """True if ``token`` is one §3.3 scope-token."""
    return _TOKEN_RE.fullmatch(token) is not None


def parse_scope(value: str) -> list[str]:
    """Split a §3.3 scope value into its tokens, duplicates removed, order kept.

    Raises :class:`ScopeSyntaxError` for anything the grammar does not allow.
    """
    if not isinstance(value, str) or _SCOPE_RE.fullmatch(value) is None:
        raise ScopeSyntaxError("scope does not match RFC 6749 section 3.3")
    return list(dict.fromkeys(value.split(" ")))


def scope_to_string(tokens: Iterable[str]) -> str:
    """Join scope tokens with single spaces (§3.3), dropping duplicates, keeping order.

    Raises :class:`ScopeSyntaxError` if a token is not a valid scope-token.
    """
    unique = list(dict.fromkeys(tokens))
    for token in unique:
        if not is_scope_token(token):
            raise ScopeSyntaxError("not a RFC 6749 section 3.3 scope-token")
    return " ".join(unique)
