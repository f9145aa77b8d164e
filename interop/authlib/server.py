"""Authlib's Flask OAuth 2.0 server with its ``ClientCredentialsGrant``, as the Authlib
documentation sets it up ("Flask OAuth 2.0 Server": ``AuthorizationServer(app, query_client,
save_token)``, a client model implementing ``ClientMixin``, ``register_grant``, and a POST token
route returning ``server.create_token_response()``). Clients are the fixture clients, held in
memory; secrets from the environment. Plain http on loopback needs Authlib's documented
``AUTHLIB_INSECURE_TRANSPORT`` switch.

JWT client authentication as Authlib documents it ("Using JWTs for Client Authentication",
docs/specs/rfc7523.rst, and the docstrings of ``authlib.oauth2.rfc7523.JWTBearerClientAssertion``
at the pinned version): one ``JWTBearerClientAssertion`` subclass, registered with
``register_client_auth_method`` under its ``CLIENT_AUTH_METHOD`` and added to the grant's
``TOKEN_ENDPOINT_AUTH_METHODS``; ``get_audiences`` is the token endpoint URL,
``resolve_client_public_key`` the client's registered key (the private_key_jwt client's public
JWK set, generated at start by ``interop.fixtures.generate_client_key``; the client_secret_jwt
client's secret as an HMAC key), ``validate_jti`` the documented cache of used ``jti`` values.
Authlib's documentation gives ``client_secret_jwt`` and ``private_key_jwt`` one class, told apart
by the key the client has ("If this alg is a MAC SHA like HS256, it is called
client_secret_jwt"); the client model accepts the method only for the two JWT clients.

    python -m interop.authlib.server      # prints "LISTENING <url>", serves until SIGTERM
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from typing import Any, ClassVar

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # loopback http only

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import Flask
from joserfc.jwk import KeySet, OctKey

from interop.fixtures import (
    CLIENT_SECRET_JWT_CLIENT,
    KNOWN_SCOPES,
    PRIVATE_KEY_JWT_CLIENT,
    TOKEN_LIFETIME_S,
    FixtureClient,
    bind_loopback,
    fixture_clients,
    generate_client_key,
    jwt_client_secret,
)
from interop.wsgi import serve_wsgi

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
CLIENT_SECRET_JWT = "client_secret_jwt"  # noqa: S105 - a method name (RFC 7591)
#: Authlib's one name for both JWT methods (JWTBearerClientAssertion.CLIENT_AUTH_METHOD)
JWT_AUTH_METHOD = JWTBearerClientAssertion.CLIENT_AUTH_METHOD
#: how long a used jti is remembered (the documented cache keeps it an hour)
JTI_TTL_S = 3600


class Client(ClientMixin):
    """Authlib's client model contract over one fixture client."""

    def __init__(self, fixture: FixtureClient, *, jwt_method: str = "",
                 jwks: dict[str, Any] | None = None) -> None:
        self.fixture = fixture
        # RFC 7591 metadata: "none" for the public client; the JWT method for a JWT client.
        self.token_endpoint_auth_method = jwt_method or (
            "client_secret_basic" if fixture.confidential else "none")
        self.jwks = jwks  # the private_key_jwt client's public keys

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
        if self.fixture.secret is None or self.jwt_client:
            return False
        return secrets.compare_digest(client_secret.encode("utf-8"),
                                      self.fixture.secret.encode("utf-8"))

    @property
    def jwt_client(self) -> bool:
        return self.token_endpoint_auth_method in ("private_key_jwt", CLIENT_SECRET_JWT)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            if self.jwt_client:
                return method == JWT_AUTH_METHOD
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
    only), and the JWT assertion method (Authlib's documentation adds it to a grant this way)."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*SECRET_METHODS, JWT_AUTH_METHOD]


class JWTClientAuth(JWTBearerClientAssertion):
    """Authlib's documented ``JWTClientAuth``: the audience is the token endpoint URL, the key
    is the client's registered one, and a ``jti`` already used is refused (the docstring's
    cache, in memory with a lock: the server is threaded)."""

    def __init__(self, token_url: str) -> None:
        super().__init__()  # validate_jti=True, leeway=60: Authlib's defaults
        self._audiences = [token_url]
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def get_audiences(self) -> list[str]:
        return self._audiences

    def resolve_client_public_key(self, client: Client) -> KeySet | OctKey:
        """private_key_jwt: the client's public JWK set; client_secret_jwt: its secret as an
        HMAC key. Authlib calls this for whatever client the assertion's sub names, before it
        checks the client's method (rfc7523/client.py:58-75) and outside its try: a client
        registered for another method has no key, which is refused here as invalid_client."""
        if client.token_endpoint_auth_method == CLIENT_SECRET_JWT and client.fixture.secret:
            return OctKey.import_key(client.fixture.secret)
        if client.jwks:
            return KeySet.import_key_set(client.jwks)
        raise InvalidClientError(description="The client has no key for JWT authentication.")

    def validate_jti(self, claims: Any, jti: str) -> bool:
        key = f"jti:{claims['sub']}-{jti}"
        now = time.monotonic()
        with self._lock:
            self._used = {k: t for k, t in self._used.items() if t > now}
            if key in self._used:
                return False
            self._used[key] = now + JTI_TTL_S
            return True


def jwt_clients() -> list[Client]:
    """The two JWT clients of interop.fixtures: private_key_jwt with a key pair generated now
    (the private key goes to $CC_INTEROP_KEY_DIR/authlib/ for the suite, the server keeps the
    public JWK), client_secret_jwt with $CC_JWT_CLIENT_SECRET."""
    jwk = generate_client_key(PRIVATE_KEY_JWT_CLIENT, server="authlib")
    scopes = ("read", "write")
    return [
        Client(FixtureClient("private_key_jwt", PRIVATE_KEY_JWT_CLIENT, None,
                             ("client_credentials",), scopes),
               jwt_method="private_key_jwt", jwks={"keys": [jwk]}),
        Client(FixtureClient(CLIENT_SECRET_JWT, CLIENT_SECRET_JWT_CLIENT, jwt_client_secret(),
                             ("client_credentials",), scopes),
               jwt_method=CLIENT_SECRET_JWT),
    ]


def create_app(token_url: str = f"http://127.0.0.1{TOKEN_PATH}") -> Flask:
    """The Flask app; ``token_url`` is the audience JWT client assertions must name."""
    clients = {c.client_id: Client(c) for c in fixture_clients()}
    clients.update({c.get_client_id(): c for c in jwt_clients()})
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
    server.register_client_auth_method(JWT_AUTH_METHOD, JWTClientAuth(token_url))

    @app.route(TOKEN_PATH, methods=["POST"])
    def issue_token() -> Any:
        return server.create_token_response()

    return app


def main() -> None:
    sock = bind_loopback()
    host, port = sock.getsockname()[:2]
    serve_wsgi(create_app(f"http://{host}:{port}{TOKEN_PATH}"), sock, TOKEN_PATH)


if __name__ == "__main__":
    main()
