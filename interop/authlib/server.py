"""Authlib's Flask OAuth 2.0 server with its ``ClientCredentialsGrant``, as the Authlib
documentation sets it up ("Flask OAuth 2.0 Server": ``AuthorizationServer(app, query_client,
save_token)``, a client model implementing ``ClientMixin``, ``register_grant``, and a POST token
route returning ``server.create_token_response()``). Clients are the fixture clients, held in
memory; secrets from the environment. Plain http on loopback needs Authlib's documented
``AUTHLIB_INSECURE_TRANSPORT`` switch.

    python -m interop.authlib.server      # prints "LISTENING <url>", serves until SIGTERM
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from typing import Any, ClassVar

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # loopback http only

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from flask import Flask

from interop.fixtures import (
    KNOWN_SCOPES,
    TOKEN_LIFETIME_S,
    FixtureClient,
    bind_loopback,
    fixture_clients,
)
from interop.wsgi import serve_wsgi

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


class Client(ClientMixin):
    """Authlib's client model contract over one fixture client."""

    def __init__(self, fixture: FixtureClient) -> None:
        self.fixture = fixture
        # RFC 7591 metadata: "none" for the public client.
        self.token_endpoint_auth_method = (
            "client_secret_basic" if fixture.confidential else "none")

    def get_client_id(self) -> str:
        return self.fixture.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        """Authlib's contract: the requested scope filtered to what the client may have. With
        no scope requested, the client's default scope (RFC 6749 §3.3)."""
        if not scope:
            return " ".join(self.fixture.default_scopes)
        allowed = set(self.fixture.scopes)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        if self.fixture.secret is None:
            return False
        return secrets.compare_digest(client_secret.encode("utf-8"),
                                      self.fixture.secret.encode("utf-8"))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            if not self.fixture.confidential:
                return method == "none"
            return method in SECRET_METHODS
        return True

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.fixture.grant_types


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Authlib's grant; both secret methods of RFC 6749 §2.3.1 enabled (the default is Basic
    only)."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(SECRET_METHODS)


def create_app() -> Flask:
    clients = {c.client_id: Client(c) for c in fixture_clients()}
    issued: dict[str, tuple[str, str]] = {}
    lock = threading.Lock()

    def query_client(client_id: str) -> Client | None:
        return clients.get(client_id)

    def save_token(token: dict[str, Any], request: Any) -> None:
        digest = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
        with lock:
            issued[digest] = (request.client.get_client_id(), token.get("scope", ""))

    app = Flask(__name__)
    app.config.update(
        OAUTH2_TOKEN_EXPIRES_IN={"client_credentials": TOKEN_LIFETIME_S},
        OAUTH2_SCOPES_SUPPORTED=list(KNOWN_SCOPES),
    )
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentialsGrant)

    @app.route(TOKEN_PATH, methods=["POST"])
    def issue_token() -> Any:
        return server.create_token_response()

    return app


def main() -> None:
    sock = bind_loopback()
    serve_wsgi(create_app(), sock, TOKEN_PATH)


if __name__ == "__main__":
    main()
