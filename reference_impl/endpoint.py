"""The HTTP token endpoint adapter (RFC 6749 §3.2, §3.1, §2.3, §5).

:class:`TokenEndpoint` turns a raw HTTP request into a :class:`~reference_impl.common.Request`
and hands it to any grant object with an async ``create_token_response(request,
token_handler)``, returning ``(headers, body, status)``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from . import errors
from .client_assertions import JWT_BEARER, SIGNING_ALGS
from .common import Request
from .formencoding import (
    BasicDecodeError,
    FormDecodeError,
    decode_basic_credentials,
    parse_form,
    split_authorization,
)

log = logging.getLogger(__name__)

#: Largest accepted request body (bytes).
MAX_BODY_SIZE = 64 * 1024
#: Largest accepted sum of header name and value lengths (bytes, 4 per field for ": " CRLF).
MAX_HEADER_SIZE = 16 * 1024
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

ResponseTriple = tuple[dict[str, str], str, int]
HeadersInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers: HeadersInput | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(_text(name), _text(value)) for name, value in items]


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type`` value into a lower-cased ``type/subtype`` and its parameters
    (names lower-cased, quotes removed) per RFC 9110 §8.3.1."""
    parts = value.split(";")
    media_type = parts[0].strip(" \t").lower()
    params: dict[str, str] = {}
    for part in parts[1:]:
        name, _, raw = part.strip(" \t").partition("=")
        raw = raw.strip(" \t")
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1]
        if name:
            params[name.strip(" \t").lower()] = raw
    return media_type, params


class TokenEndpoint:
    """Strict HTTP adapter for a token endpoint grant.

    ``TokenEndpoint(grant, token_handler, *, realm="cc-reference", max_body_size=65536,
    max_header_size=16384)``. ``grant`` is any object whose ``create_token_response(request,
    token_handler)`` returns ``(headers, body, status)`` (a coroutine or a plain value); its
    answer is passed through unchanged.

    Order of checks in :meth:`create_token_response` (the first failure answers):

    1. method: only ``POST`` (§3.2) -> else 405 ``invalid_request`` with ``Allow: POST``;
    2. header size -> 431 ``invalid_request``; body size over 64 KiB -> 413 ``invalid_request``;
    3. ``Content-Type`` must be present once and be ``application/x-www-form-urlencoded``
       (case-insensitive, parameters allowed; a ``charset`` must be UTF-8) -> else 400
       ``invalid_request`` (§5.2 "malformed"; the reference does not use 415 so that every
       malformed request gets a §5.2 body and status);
    4. the body: UTF-8, valid percent-encoding (§3.2, Appendix B) -> else ``invalid_request``;
       empty values are dropped as omitted (§3.2), then a repeated name is ``invalid_request``
       (§3.2); unknown names are ignored (§3.2);
    5. ``client_id``/``client_secret`` in the URI query -> ``invalid_request`` (§2.3.1);
    6. client authentication methods (§2.3): more than one ``Authorization`` header, or an
       ``Authorization`` header together with a body ``client_secret`` -> ``invalid_request``
       (§2.3: one method per request); a non-Basic scheme or malformed Basic credentials ->
       401 ``invalid_client`` (the client tried the header, §5.2); a body ``client_id`` that
       contradicts the Basic id, or a body ``client_secret`` without ``client_id`` ->
       ``invalid_request``;
    7. the grant: grant_type, client authentication, grant permission, scope (see
       :class:`~reference_impl.grant_types.ClientCredentialsGrant`).

    Transport security (TLS, §3.2 / §10.9) is left to the deployment (``python -m
    reference_impl serve --tls-dir DIR`` serves https). Mutual TLS (RFC 8705 §2): the caller
    passes ``client_cert=``, the PEM of the leaf certificate the TLS layer received (``None``:
    none); it is put on the request as ``request.client_cert`` and only the validator decides
    what it proves (a certificate beside a client of another method is ignored).

    Exceptions other than :class:`~reference_impl.errors.OAuth2Error` raised by the grant
    become 500 ``server_error`` without a traceback in the response (the log gets the
    exception type only, never the request body or credentials).
    """

    #: the JWS algorithms a client assertion may use (RFC 8414 §2
    #: token_endpoint_auth_signing_alg_values_supported): the registered key decides which one
    #: a given private_key_jwt client may use; never "none"
    signing_algs: tuple[str, ...] = SIGNING_ALGS
    #: the client authentication methods the metadata lists (``None``: the default set,
    #: :data:`reference_impl.common.AUTH_METHODS`); ``build_endpoint`` adds the mutual-TLS
    #: methods when the registry has such clients
    auth_methods: tuple[str, ...] | None = None
    #: whether access tokens of mutual-TLS clients are certificate-bound (RFC 8705 §3.3)
    certificate_bound_access_tokens: bool = False

    def __init__(
        self,
        grant: Any,
        token_handler: Any,
        *,
        realm: str = errors.DEFAULT_REALM,
        max_body_size: int = MAX_BODY_SIZE,
        max_header_size: int = MAX_HEADER_SIZE,
    ):
        self.grant = grant
        self.token_handler = token_handler
        self.realm = realm
        self.max_body_size = max_body_size
        self.max_header_size = max_header_size

    def __repr__(self) -> str:
        return f"TokenEndpoint(grant={self.grant!r}, token_handler={self.token_handler!r})"

    async def create_token_response(
        self,
        method: str,
        uri: str,
        headers: HeadersInput | None,
        body: bytes | None,
        *,
        client_cert: str | None = None,
    ) -> ResponseTriple:
        """Handle one raw HTTP request to the token endpoint (RFC 6749 §3.2, §4.4.2).
        ``client_cert``: the PEM of the TLS client certificate (leaf), if one was presented."""
        try:
            # The certificate is attached after build_request, not passed to it: subclasses
            # that override build_request with the four-argument signature keep working, and
            # the transport rules it applies do not depend on the certificate.
            request = self.build_request(method, uri, headers, body)
        except errors.OAuth2Error as exc:
            return exc.to_response()
        request.client_cert = client_cert or None
        try:
            result = self.grant.create_token_response(request, self.token_handler)
            if inspect.isawaitable(result):
                result = await result
            response_headers, response_body, status = result
        except errors.OAuth2Error as exc:
            return exc.to_response()
        except Exception as exc:
            log.error("grant failed with %s", type(exc).__name__)
            return errors.ServerError().to_response()
        return dict(response_headers or {}), response_body, int(status)

    def build_request(
        self,
        method: str,
        uri: str,
        headers: HeadersInput | None,
        body: bytes | None,
        *,
        client_cert: str | None = None,
    ) -> Request:
        """Apply the transport rules and build the grant's request, or raise
        :class:`~reference_impl.errors.OAuth2Error`. See the class docstring for the order."""
        if method != "POST":
            raise errors.MethodNotAllowedError()
        header_list = _header_list(headers)
        if sum(len(n) + len(v) + 4 for n, v in header_list) > self.max_header_size:
            raise errors.HeadersTooLargeError()
        body = body or b""
        if len(body) > self.max_body_size:
            raise errors.PayloadTooLargeError()

        self._check_content_type(header_list)
        try:
            pairs = parse_form(body)
        except FormDecodeError as exc:
            raise errors.InvalidRequestError(
                "The body is not valid UTF-8 application/x-www-form-urlencoded data."
            ) from exc
        pairs = [(name, value) for name, value in pairs if value != ""]
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise errors.InvalidRequestError(f"Repeated parameter: {name}")
            seen.add(name)
        params = dict(pairs)
        self._check_query(uri)

        request = Request(uri, http_method=method, body=pairs, headers=header_list)
        request.body = body.decode("utf-8")
        request.client_cert = client_cert or None
        self._authenticate_transport(request, header_list, params)
        return request

    @staticmethod
    def _check_content_type(header_list: list[tuple[str, str]]) -> None:
        values = [v for n, v in header_list if n.lower() == "content-type"]
        if len(values) != 1:
            raise errors.InvalidRequestError(
                f"Exactly one Content-Type: {FORM_MEDIA_TYPE} header is required."
            )
        media_type, params = parse_media_type(values[0])
        if media_type != FORM_MEDIA_TYPE:
            raise errors.InvalidRequestError(f"The body must be {FORM_MEDIA_TYPE}.")
        charset = params.get("charset")
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):
            raise errors.InvalidRequestError("The body must be UTF-8.")

    @staticmethod
    def _check_query(uri: str) -> None:
        try:
            query = urlsplit(uri).query
        except ValueError as exc:
            raise errors.InvalidRequestError("The request URI is malformed.") from exc
        for piece in query.split("&"):
            raw_name = piece.partition("=")[0]
            try:
                name = parse_form(raw_name.encode("utf-8", "surrogatepass"))
            except FormDecodeError:
                continue  # not a parameter the endpoint reads
            if name and name[0][0] in ("client_id", "client_secret"):
                raise errors.InvalidRequestError(
                    "Client credentials must not be sent in the request URI."
                )

    def _authenticate_transport(
        self, request: Request, header_list: list[tuple[str, str]], params: dict[str, str]
    ) -> None:
        """Extract client credentials (RFC 6749 §2.3.1) and record the method used."""
        authorizations = [v for n, v in header_list if n.lower() == "authorization"]
        body_id = params.get("client_id")
        body_secret = params.get("client_secret")
        if len(authorizations) > 1:
            raise errors.InvalidRequestError("More than one Authorization header.")
        if "client_assertion" in params or "client_assertion_type" in params:
            self._assertion_transport(request, params, bool(authorizations) or
                                      body_secret is not None)
            return
        if authorizations:
            if body_secret is not None:
                raise errors.InvalidRequestError(
                    "More than one client authentication method was used."
                )
            scheme, credentials = split_authorization(authorizations[0])
            if scheme.lower() != "basic":
                raise errors.InvalidClientError(
                    "Unsupported authentication scheme; use Basic.", realm=self.realm
                )
            try:
                client_id, client_secret = decode_basic_credentials(credentials)
            except BasicDecodeError as exc:
                raise errors.InvalidClientError(
                    "Malformed Basic credentials.", realm=self.realm
                ) from exc
            if not client_id:
                raise errors.InvalidClientError("Empty client identifier.", realm=self.realm)
            if body_id is not None and body_id != client_id:
                raise errors.InvalidRequestError(
                    "The client_id parameter contradicts the authenticated client."
                )
            request.client_id = client_id
            request.client_secret = client_secret
            request.auth_method = "client_secret_basic"
        elif body_secret is not None:
            if body_id is None:
                raise errors.InvalidRequestError("client_secret was sent without client_id.")
            request.client_id = body_id
            request.client_secret = body_secret
            request.auth_method = "client_secret_post"
        else:
            request.client_id = body_id
            request.client_secret = None
            request.auth_method = None

    def _assertion_transport(self, request: Request, params: dict[str, str],
                             other_method: bool) -> None:
        """A JWT client assertion (RFC 7521 §4.2): both parameters, the JWT bearer type, and no
        second method beside it (RFC 6749 §2.3). The grant's validator verifies the JWT."""
        if other_method:
            raise errors.InvalidRequestError(
                "More than one client authentication method was used.")
        assertion_type = params.get("client_assertion_type")
        if "client_assertion" not in params or assertion_type is None:
            raise errors.InvalidRequestError(
                "client_assertion and client_assertion_type are sent together.")
        if assertion_type != JWT_BEARER:
            raise errors.InvalidClientError("Unsupported client_assertion_type.",
                                            realm=self.realm)
        request.client_id = params.get("client_id")
        request.client_secret = None
        request.auth_method = "client_assertion"
