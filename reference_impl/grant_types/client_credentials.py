"""The client credentials grant (RFC 6749 §4.4), async and I/O-free.

All protocol logic lives here; every site-specific decision is a
:class:`~reference_impl.request_validator.RequestValidator` hook. The HTTP transport rules
(§3.1, §3.2, §2.3) are the job of :class:`~reference_impl.endpoint.TokenEndpoint`.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from .. import errors
from ..common import Request
from ..request_validator import RequestValidator
from ..scopes import ScopeSyntaxError, parse_scope

log = logging.getLogger(__name__)

ResponseTriple = tuple[dict[str, str], str, int]
CustomValidator = Callable[[Request], Any]


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


class ClientCredentialsGrant:
    """Client Credentials Grant (RFC 6749 §4.4).

    The client authenticates with the authorization server and asks the token endpoint for an
    access token for resources under its own control (§4.4.1 has no authorization step); if
    authentication and policy pass, an access token is issued (§4.4.3) without a refresh token.
    Only confidential clients may use it (§4.4, §2.1).

    ``kwargs``: ``realm`` (for ``WWW-Authenticate``), ``pre_token`` and ``post_token`` (lists
    of callables ``(request) -> None``, sync or async, that may raise
    :class:`~reference_impl.errors.OAuth2Error`; they run before and after the built-in
    checks, like oauthlib's custom validators).

    Order of checks in :meth:`validate_token_request` (each failure stops):

    1. ``pre_token`` validators;
    2. ``grant_type`` missing -> ``invalid_request``; not ``client_credentials`` ->
       ``unsupported_grant_type``; a repeated ``grant_type``/``scope`` -> ``invalid_request``;
    3. client authentication (§4.4.2, §3.2.1): public client or failed authentication ->
       ``invalid_client`` (401);
    4. the client may use this grant type, else ``unauthorized_client``;
    5. scope syntax (§3.3), default scope when omitted, scope policy -> ``invalid_scope``;
    6. ``post_token`` validators.
    """

    grant_type = "client_credentials"

    def __init__(self, request_validator: RequestValidator | None = None, **kwargs: Any):
        self.request_validator = request_validator or RequestValidator()
        self.realm: str = kwargs.pop("realm", errors.DEFAULT_REALM)
        self.pre_token: list[CustomValidator] = list(kwargs.pop("pre_token", ()))
        self.post_token: list[CustomValidator] = list(kwargs.pop("post_token", ()))
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {sorted(kwargs)}")

    def __repr__(self) -> str:
        return f"ClientCredentialsGrant(request_validator={self.request_validator!r})"

    async def create_token_response(self, request: Request, token_handler: Any) -> ResponseTriple:
        """Return the token response or the error response (RFC 6749 §4.4.3, §5.1, §5.2).

        On success: 200, a JSON object with ``access_token``, ``token_type``, ``expires_in``
        and ``scope``, with ``Cache-Control: no-store`` and ``Pragma: no-cache`` (§5.1), and
        no refresh token (§4.4.3). The token is saved with the validator's ``save_token``.
        On failure: the §5.2 error triple.
        """
        try:
            await self.validate_token_request(request)
        except errors.OAuth2Error as exc:
            log.debug("token request refused: %s (%s)", exc.error, request)
            return exc.to_response()
        token = await self.add_token({}, token_handler, request)
        await self.request_validator.save_token(token, request)
        log.debug("token issued to client_id=%r", request.client_id)
        return errors.json_headers(), json.dumps(token), 200

    async def add_token(
        self, token: dict[str, Any], token_handler: Any, request: Request
    ) -> dict[str, Any]:
        """Add the members of a new access token (RFC 6749 §5.1) to ``token`` and return it.

        ``token_handler.create_token(request, refresh_token=False)`` may be sync or async.
        A ``refresh_token`` member is removed: §4.4.3 says it SHOULD NOT be included.
        """
        created = await _maybe_await(token_handler.create_token(request, refresh_token=False))
        token.update(created)
        token.pop("refresh_token", None)
        return token

    async def create_authorization_response(
        self, request: Request, token_handler: Any
    ) -> ResponseTriple:
        """Always an error: this grant has no authorization endpoint (RFC 6749 §4.4, §4.4.1).

        Returns 400 with ``{"error": "unsupported_response_type", ...}`` (the §4.1.2.1 code
        an authorization endpoint uses for response types it does not serve).
        """
        return errors.UnsupportedResponseTypeError().to_response()

    def prepare_authorization_response(
        self,
        request: Request,
        token: dict[str, Any],
        headers: dict[str, str],
        body: str | None,
        status: int,
    ) -> ResponseTriple:
        """Refuse to place a token in an authorization response (RFC 6749 §4.4).

        There is no redirection URI in this grant, so no token is ever placed in a ``Location``
        header (that would leak it, §10.3). The caller's headers are kept; the body and status
        become the ``unsupported_response_type`` error of
        :meth:`create_authorization_response`.
        """
        error = errors.UnsupportedResponseTypeError()
        error_headers, error_body, error_status = error.to_response()
        merged = dict(headers)
        merged.update(error_headers)
        return merged, error_body, error_status

    async def validate_token_request(self, request: Request) -> None:
        """Validate an access token request (RFC 6749 §4.4.2); raise ``OAuth2Error`` if not
        valid. See the class docstring for the order of checks."""
        for validator in self.pre_token:
            await _maybe_await(validator(request))

        if not request.grant_type:
            raise errors.InvalidRequestError("Request is missing the grant_type parameter.")
        if request.grant_type != self.grant_type:
            raise errors.UnsupportedGrantTypeError()
        for param in ("grant_type", "scope"):
            if param in request.duplicate_params:
                raise errors.InvalidRequestError(f"Repeated {param} parameter.")

        await self.authenticate_client(request)
        await self.validate_grant_type(request)
        await self.validate_scopes(request)

        for validator in self.post_token:
            await _maybe_await(validator(request))

    async def authenticate_client(self, request: Request) -> None:
        """Authenticate the confidential client (RFC 6749 §4.4.2, §3.2.1, §2.3).

        A client the validator calls public (``client_authentication_required`` is false) may
        not use this grant (§4.4): ``invalid_client``. A failed authentication:
        ``invalid_client``. The validator must set ``request.client``; an authenticated
        client whose id differs from ``request.client_id`` is ``invalid_request``.
        """
        validator = self.request_validator
        if not await validator.client_authentication_required(request):
            raise errors.InvalidClientError(
                "Public clients may not use the client credentials grant.", realm=self.realm
            )
        if not await validator.authenticate_client(request):
            raise errors.InvalidClientError(realm=self.realm)
        client_id = getattr(request.client, "client_id", None)
        if client_id is None:
            raise NotImplementedError(
                "authenticate_client must set request.client with a client_id attribute."
            )
        if request.client_id is None:
            request.client_id = client_id
        elif request.client_id != client_id:
            raise errors.InvalidRequestError(
                "The client_id does not match the authenticated client."
            )

    async def validate_grant_type(self, request: Request) -> None:
        """Check the authenticated client may use this grant (RFC 6749 §5.2
        ``unauthorized_client``)."""
        allowed = await self.request_validator.validate_grant_type(
            request.client_id, request.grant_type, request.client, request
        )
        if not allowed:
            raise errors.UnauthorizedClientError()

    async def validate_scopes(self, request: Request) -> None:
        """Resolve and check the scope (RFC 6749 §3.3, §4.4.2).

        A requested scope must match the §3.3 grammar; an omitted scope becomes the validator's
        default scope (none -> ``invalid_scope``); the validator must allow every token. The
        reference never narrows silently: one disallowed token fails the whole request. Sets
        ``request.scopes`` to the granted list.
        """
        if request.scope:
            try:
                scopes = parse_scope(request.scope)
            except ScopeSyntaxError as exc:
                raise errors.InvalidScopeError(
                    "The scope parameter is malformed (RFC 6749 section 3.3)."
                ) from exc
        else:
            scopes = list(
                dict.fromkeys(
                    await self.request_validator.get_default_scopes(request.client_id, request)
                )
            )
            if not scopes:
                raise errors.InvalidScopeError(
                    "No scope was requested and the client has no default scope."
                )
        request.scopes = scopes
        allowed = await self.request_validator.validate_scopes(
            request.client_id, scopes, request.client, request
        )
        if not allowed:
            raise errors.InvalidScopeError()
