"""The async ``RequestValidator`` base: every site-specific decision of the grant.

Modelled on oauthlib's ``RequestValidator`` (same hook names and arguments), but every hook is
a coroutine and every decision **denies by default**: a subclass must opt in to authenticating
clients, allowing grant types and allowing scopes. ``save_token`` has no safe default and
raises ``NotImplementedError``.
"""

from __future__ import annotations

from typing import Any

from .common import Request


class RequestValidator:
    """Hooks the :class:`~reference_impl.grant_types.ClientCredentialsGrant` calls."""

    async def client_authentication_required(self, request: Request) -> bool:
        """Whether the client must authenticate (RFC 6749 §3.2.1, §2.1).

        Return ``False`` only for public clients. The client credentials grant is for
        confidential clients only (§4.4, §2.1), so a ``False`` here makes the grant answer
        ``invalid_client``. Default: ``True``.
        """
        return True

    async def authenticate_client(self, request: Request) -> bool:
        """Authenticate the client (RFC 6749 §2.3, §3.2.1, §4.4.2).

        Read ``request.client_id`` / ``request.client_secret`` (``request.auth_method`` says
        how they arrived), and on success set ``request.client`` to an object with a
        ``client_id`` attribute and return ``True``. Compare secrets in constant time.
        Mutual TLS (RFC 8705 §2): ``request.client_cert`` is the PEM of the certificate the
        client presented in the TLS handshake (``None``: none); a validator that accepts it
        sets ``request.certificate_thumbprint`` to its ``x5t#S256`` so the token handler binds
        the access token to it (§3). Default: ``False``.
        """
        return False

    async def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request
    ) -> bool:
        """Whether this authenticated client may use ``grant_type`` (RFC 6749 §5.2
        ``unauthorized_client``, §10.1). Default: ``False``."""
        return False

    async def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request
    ) -> bool:
        """Whether the client may have every scope in ``scopes`` (RFC 6749 §3.3, §5.2
        ``invalid_scope``). Return ``False`` for unknown scopes too. Default: ``False``."""
        return False

    async def get_default_scopes(self, client_id: str, request: Request) -> list[str]:
        """The scope to grant when the request has none (RFC 6749 §3.3). Return an empty
        list to make an omitted scope fail with ``invalid_scope``. Default: ``[]``."""
        return []

    async def save_token(self, token: dict[str, Any], request: Request) -> None:
        """Persist the issued token (so resource servers can check it, RFC 6749 §7).

        No safe default exists; subclasses must implement it.
        """
        raise NotImplementedError("Subclasses must implement save_token.")
