"""aoauthlib 3.2.2's ``ClientCredentialsGrant`` (the seed document's API) as a grant target.

    .venv-aoauthlib/bin/python -m conformance.cli run \\
        --grant interop.aoauthlib.grant:make_grant --profile interop/aoauthlib/profile.toml

aoauthlib installs under the top-level name ``oauthlib``, so it lives in a virtual environment
of its own (``.venv-aoauthlib``, made by ``make interop``). The grant and its ``BearerToken`` are
aoauthlib's, unchanged. The deployment's part is the ``RequestValidator``: :class:`
AsyncDemoValidator` implements the hooks aoauthlib's ``RequestValidator`` documents for the
client credentials grant (``authenticate_client``, ``validate_grant_type``, ``validate_scopes``,
``get_default_scopes``, ``save_token``; all coroutines in aoauthlib) for the fixture clients, as
examples/grants/oauthlib_grant.py does for oauthlib, and adds no behaviour of its own.

Why an adapter: the grant target recognises a grant whose class comes from the ``oauthlib``
package as oauthlib's *synchronous* API and calls ``create_token_response`` in a worker thread
without awaiting its result, so aoauthlib's coroutine would never run. :class:`AsyncOAuthlibGrant`
gives the host what its factory contract calls the seed API (a coroutine taking the host's
request) and hands aoauthlib the ``oauthlib.common.Request`` the target's own
``to_oauthlib_request`` builds for oauthlib. It changes nothing else.
"""

from __future__ import annotations

import hashlib
from typing import Any

from oauthlib.oauth2 import BearerToken, ClientCredentialsGrant, RequestValidator

from conformance.targets.grant import to_oauthlib_request
from examples.grants.oauthlib_grant import KNOWN_SCOPES, DemoClient, authenticated_client
from interop.fixtures import TOKEN_LIFETIME_S, fixture_clients

ResponseTriple = tuple[dict[str, str], str, int]


class AsyncDemoValidator(RequestValidator):  # type: ignore[misc]
    """The hooks aoauthlib's ``ClientCredentialsGrant`` awaits, for the fixture clients."""

    def __init__(self, clients: tuple[DemoClient, ...]) -> None:
        self.clients = {c.client_id: c for c in clients}
        self.issued: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __repr__(self) -> str:
        return f"AsyncDemoValidator(clients={sorted(self.clients)!r})"

    async def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        """The documented contract: authenticate by means outside OAuth 2 (RFC 6749 §2.3.1:
        HTTP Basic, else client_id/client_secret in the body), set ``request.client``, return
        False for an unknown client and for a public one."""
        client = authenticated_client(self.clients, request)
        if client is None:
            return False
        request.client = client
        return True

    async def validate_grant_type(self, client_id: str, grant_type: str, client: Any,
                                  request: Any, *args: Any, **kwargs: Any) -> bool:
        return isinstance(client, DemoClient) and grant_type in client.grant_types

    async def validate_scopes(self, client_id: str, scopes: list[str], client: Any,
                              request: Any, *args: Any, **kwargs: Any) -> bool:
        return isinstance(client, DemoClient) and all(
            s in KNOWN_SCOPES and s in client.scopes for s in scopes)

    async def get_default_scopes(self, client_id: str, request: Any, *args: Any,
                                 **kwargs: Any) -> list[str]:
        client = self.clients.get(client_id)
        return list(client.default_scopes) if client is not None else []

    async def save_token(self, token: dict[str, Any], request: Any, *args: Any,
                         **kwargs: Any) -> None:
        digest = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
        self.issued[digest] = (request.client.client_id, tuple(request.scopes or ()))


class AsyncOAuthlibGrant:
    """aoauthlib's grant behind the host's coroutine ``create_token_response``."""

    def __init__(self, grant: ClientCredentialsGrant) -> None:
        self.grant = grant
        self.request_validator = grant.request_validator

    def __repr__(self) -> str:
        return f"AsyncOAuthlibGrant({type(self.grant).__module__}.{type(self.grant).__name__})"

    async def create_token_response(self, request: Any, token_handler: Any) -> ResponseTriple:
        result: ResponseTriple = await self.grant.create_token_response(
            to_oauthlib_request(request), token_handler)
        return result


def make_grant() -> tuple[AsyncOAuthlibGrant, BearerToken]:
    """The factory contract's ``(grant, token_handler)`` form: aoauthlib's grant and its own
    ``BearerToken`` (the fixture lifetime), the validator holding the fixture clients."""
    clients = tuple(DemoClient(c.client_id, c.secret, c.grant_types, c.scopes, c.default_scopes)
                    for c in fixture_clients())
    validator = AsyncDemoValidator(clients)
    grant = ClientCredentialsGrant(request_validator=validator)
    return AsyncOAuthlibGrant(grant), BearerToken(validator, expires_in=TOKEN_LIFETIME_S)
