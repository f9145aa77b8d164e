"""Error classes for the token endpoint (RFC 6749 §5.2) and its HTTP transport.

Every error knows its RFC 6749 §5.2 ``error`` code and the HTTP status it is sent with, and can
render itself as the ``(headers, body, status)`` triple the grant and the endpoint return.
Error bodies are JSON (§5.2) and carry ``Cache-Control: no-store`` and ``Pragma: no-cache``
(§5.1 asks for these on responses with tokens; the reference sends them on errors too, so no
cache ever stores a token endpoint answer).
"""

from __future__ import annotations

import json
import re
from typing import ClassVar

#: Realm sent in ``WWW-Authenticate`` challenges (RFC 7617 §2).
DEFAULT_REALM = "cc-reference"

#: ``error_uri`` of the §5.2 errors: the section that defines the codes (a URI-reference whose
#: characters are all in %x21 / %x23-5B / %x5D-7E, as §5.2 requires).
ERROR_URI = "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"

# RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E
# (printable ASCII without '"' and '\').
_DESCRIPTION_FORBIDDEN = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')


def sanitize_description(text: str) -> str:
    """Replace every character §5.2 forbids in ``error_description`` with ``?``."""
    return _DESCRIPTION_FORBIDDEN.sub("?", text)


def json_headers() -> dict[str, str]:
    """Headers every token endpoint response carries (RFC 6749 §5.1, RFC 9111 no-store)."""
    return {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    }


def basic_challenge(realm: str = DEFAULT_REALM) -> str:
    """A ``WWW-Authenticate`` value for HTTP Basic (RFC 7617 §2, §2.1: charset UTF-8)."""
    safe_realm = realm.replace("\\", "\\\\").replace('"', '\\"')
    return f'Basic realm="{safe_realm}", charset="UTF-8"'


class OAuth2Error(Exception):
    """Base class: an error response of the token endpoint (RFC 6749 §5.2).

    ``description`` is turned into a §5.2-safe ``error_description``; it must never contain a
    client secret (callers pass fixed texts, never echo request values). ``uri`` (oauthlib's
    name) becomes ``error_uri``; the §5.2 errors default to :data:`ERROR_URI`.
    """

    error: ClassVar[str] = "invalid_request"
    status_code: ClassVar[int] = 400
    default_description: ClassVar[str] = ""
    default_uri: ClassVar[str | None] = None

    def __init__(self, description: str | None = None, *, uri: str | None = None,
                 headers: dict[str, str] | None = None):
        self.description = sanitize_description(
            description if description is not None else self.default_description
        )
        self.uri = uri if uri is not None else self.default_uri
        self.extra_headers: dict[str, str] = dict(headers or {})
        super().__init__(self.description)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(error={self.error!r}, description={self.description!r})"

    @property
    def twotuples(self) -> list[tuple[str, str]]:
        """The body members as pairs: ``error`` and, if set, ``error_description`` and
        ``error_uri``."""
        pairs = [("error", self.error)]
        if self.description:
            pairs.append(("error_description", self.description))
        if self.uri:
            pairs.append(("error_uri", self.uri))
        return pairs

    @property
    def json(self) -> str:
        """The JSON body of the §5.2 error response."""
        return json.dumps(dict(self.twotuples))

    @property
    def headers(self) -> dict[str, str]:
        """Response headers: JSON, no-store, plus any error specific header."""
        headers = json_headers()
        headers.update(self.extra_headers)
        return headers

    def to_response(self) -> tuple[dict[str, str], str, int]:
        """The ``(headers, body, status)`` triple for this error."""
        return self.headers, self.json, self.status_code


class InvalidRequestError(OAuth2Error):
    """``invalid_request`` (§5.2): missing, repeated or malformed parameters, more than one
    client authentication method, or otherwise malformed requests. HTTP 400."""

    error = "invalid_request"
    default_uri = ERROR_URI
    default_description = "The request is malformed."


class InvalidClientError(OAuth2Error):
    """``invalid_client`` (§5.2): client authentication failed (unknown client, wrong secret,
    no authentication, unsupported method, public client). Always HTTP 401 with a Basic
    challenge: §5.2 requires 401 plus a matching ``WWW-Authenticate`` when the client used the
    Authorization header, and RFC 9110 §15.5.2 requires the challenge on every 401, so the
    reference sends it in all cases (Basic is the only header scheme it supports)."""

    error = "invalid_client"
    default_uri = ERROR_URI
    status_code = 401
    default_description = "Client authentication failed."

    def __init__(
        self,
        description: str | None = None,
        *,
        realm: str = DEFAULT_REALM,
        headers: dict[str, str] | None = None,
    ):
        merged = {"WWW-Authenticate": basic_challenge(realm)}
        merged.update(headers or {})
        super().__init__(description, headers=merged)


class InvalidGrantError(OAuth2Error):
    """``invalid_grant`` (§5.2). Not raised by the client credentials grant (it has no
    authorization grant to be invalid) but part of the registered set. HTTP 400."""

    error = "invalid_grant"
    default_uri = ERROR_URI
    default_description = "The authorization grant is invalid."


class UnauthorizedClientError(OAuth2Error):
    """``unauthorized_client`` (§5.2): the authenticated client may not use this grant type.
    HTTP 400."""

    error = "unauthorized_client"
    default_uri = ERROR_URI
    default_description = "The client is not authorized to use this grant type."


class UnsupportedGrantTypeError(OAuth2Error):
    """``unsupported_grant_type`` (§5.2): the grant type is not supported here. HTTP 400."""

    error = "unsupported_grant_type"
    default_uri = ERROR_URI
    default_description = "The grant type is not supported."


class InvalidScopeError(OAuth2Error):
    """``invalid_scope`` (§5.2, §3.3): the scope is malformed, unknown, or exceeds what the
    client may have. HTTP 400."""

    error = "invalid_scope"
    default_uri = ERROR_URI
    default_description = "The requested scope is invalid, unknown or not allowed."


class UnsupportedResponseTypeError(OAuth2Error):
    """``unsupported_response_type`` (§4.1.2.1, §4.2.2.1): used to answer an authorization
    request made to a grant that has no authorization endpoint (§4.4). HTTP 400."""

    error = "unsupported_response_type"
    default_description = (
        "The client credentials grant has no authorization endpoint (RFC 6749 section 4.4)."
    )


class MethodNotAllowedError(InvalidRequestError):
    """A non-POST request to the token endpoint (§3.2 requires POST). HTTP 405 with
    ``Allow: POST`` (RFC 9110 §15.5.6)."""

    status_code = 405
    default_description = "The token endpoint only accepts POST."

    def __init__(self, description: str | None = None):
        super().__init__(description, headers={"Allow": "POST"})


class PayloadTooLargeError(InvalidRequestError):
    """A request body over the endpoint's limit. HTTP 413, error ``invalid_request``."""

    status_code = 413
    default_description = "The request body is too large."


class HeadersTooLargeError(InvalidRequestError):
    """Request headers over the endpoint's limit. HTTP 431 (RFC 6585 §5), ``invalid_request``."""

    status_code = 431
    default_description = "The request header fields are too large."


class NotFoundError(OAuth2Error):
    """A path other than the token endpoint. HTTP 404; not a §5.2 response, so it uses the
    non-registered code ``not_found``."""

    error = "not_found"
    status_code = 404
    default_description = "Not found."


class ServerError(OAuth2Error):
    """An unexpected failure inside a hosted grant or validator. HTTP 500, no traceback."""

    error = "server_error"
    status_code = 500
    default_description = "The server failed to handle the request."


#: The error codes RFC 6749 §5.2 registers for the token endpoint.
TOKEN_ENDPOINT_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
