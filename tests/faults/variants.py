"""The fault-injection set: broken variants of the reference, each breaking one requirement.

Every variant is a factory registered with :func:`fault`; its docstring's first line names the
requirement ID it breaks and how. Variants are built from ``reference_impl``'s public pieces
only: ASGI middleware that rewrites requests or responses (:func:`tests.faults.wrappers.rewrite`),
``RegistryRequestValidator`` / ``ClientCredentialsGrant`` / ``TokenEndpoint`` subclasses, or a
weak token generator handed to ``BearerToken``. ``README.md`` in this directory holds the table
(kept in sync by a test; regenerate with ``python -m tests.faults.variants --write``).

``collateral``: other requirement IDs whose verdict a variant necessarily changes too (a
second rule the same fault breaks, or a rule left with nothing to judge and so
not_applicable); documented here, checked exactly by the full-suite test for the variants it
runs. ``gap``: the suite does not (yet) report the intended ID for this
variant -- a suite bug; the test is xfail(strict=True) with this reason. ``broad``: the
variant disables something most of the suite's requests rely on (Basic, the default scope,
any token at all), so in a full run it changes many verdicts; it is meant for its selected run.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

from conformance.catalogue import load_catalogue
from reference_impl import errors
from reference_impl.common import Request
from reference_impl.endpoint import TokenEndpoint
from reference_impl.grant_types import ClientCredentialsGrant
from reference_impl.registry_validator import RegistryRequestValidator

from .wrappers import (
    Reply,
    Seen,
    build_app,
    form_body,
    form_pairs,
    header_value,
    on_error,
    on_token,
    rewrite,
    without_header,
)


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    requirement: str
    how: str
    build: Callable[[], object]
    spec: str = "rfc6749"
    collateral: frozenset[str] = frozenset()
    gap: str | None = None
    broad: str | None = None

    @property
    def level(self) -> str:
        return load_catalogue()[self.requirement].level

    @property
    def expected(self) -> str:
        """The verdict the intended ID must get (non-strict run)."""
        return "warn" if self.level == "SHOULD" else "fail"


FAULTS: list[Fault] = []

# Without a Basic challenge the RFC 7617 challenge rules have nothing left to judge: their
# verdicts go from pass to not_applicable (collateral, not a failure).
NO_BASIC_CHALLENGE = ("RFC7617-2-realm", "RFC7617-2.1-charset-utf8")
# Without any challenge on a 401 RFC 9110's rules fail (no challenge) or have nothing left to
# judge (no header sent at all).
NO_CHALLENGE = ("RFC9110-15.5.2-www-authenticate", "RFC9110-11.2-auth-param-syntax")
def fault(requirement: str, *, spec: str = "rfc6749", collateral: tuple[str, ...] = (),
          gap: str | None = None, broad: str | None = None,
          ) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(factory: Callable[[], object]) -> Callable[[], object]:
        first_paragraph = (factory.__doc__ or "").strip().split("\n\n")[0]
        how = " ".join(line.strip() for line in first_paragraph.splitlines())
        FAULTS.append(Fault(name=factory.__name__, requirement=requirement,
                            how=how, build=factory, spec=spec,
                            collateral=frozenset(collateral), gap=gap, broad=broad))
        return factory

    return register


def reference() -> object:
    """The unbroken reference (the control)."""
    return build_app()


# ============================================================ endpoint subclasses (§2.3, §3.2)

Headers = Any


class _BodyRewritingEndpoint(TokenEndpoint):
    """Base for endpoint faults: ``adjust`` may change the raw request before the reference's
    own ``build_request`` sees it."""

    def adjust(self, method: str, uri: str, headers: Headers,
               body: bytes) -> tuple[str, str, Headers, bytes]:
        return method, uri, headers, body

    def build_request(self, method: str, uri: str, headers: Headers,
                      body: bytes | None) -> Request:
        method, uri, headers, body = self.adjust(method, uri, headers, body or b"")
        return super().build_request(method, uri, headers, body)


@fault("RFC6749-2.3-one-auth-method")
def prefers_basic_over_body() -> object:
    """RFC6749-2.3-one-auth-method: Basic plus body credentials is served (body credentials
    silently dropped) instead of refused."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            if header_value(headers, "authorization") is not None:
                pairs = [(k, v) for k, v in form_pairs(body)
                         if k not in ("client_id", "client_secret")]
                body = form_body(pairs)
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-2.3.1-basic-supported",
       broad="most checks authenticate with Basic, the profile's first method")
def refuses_basic() -> object:
    """RFC6749-2.3.1-basic-supported: any Authorization header is refused with invalid_client
    (only client_secret_post works)."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            if method == "POST" and header_value(headers, "authorization") is not None:
                raise errors.InvalidClientError("Use client_secret_post.", realm=self.realm)
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


@fault("RFC6749-2.3.1-basic-form-encoding")
def basic_not_form_decoded() -> object:
    """RFC6749-2.3.1-basic-form-encoding: Basic user-id and password are base64-decoded but not
    form-urldecoded (the raw text is re-encoded so the reference's decoder restores it)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            auth = header_value(headers, "authorization")
            if auth is None:
                return method, uri, headers, body
            scheme, _, cred = auth.strip().partition(" ")
            try:
                raw = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return method, uri, headers, body
            user, _, password = raw.partition(":")
            again = f"{quote_plus(user, safe='')}:{quote_plus(password, safe='')}"
            new = f"{scheme} {base64.b64encode(again.encode('utf-8')).decode('ascii')}"
            return method, uri, [*without_header(headers, "authorization"),
                                 ("Authorization", new)], body

    return build_app(endpoint=Endpoint)


def _ignores_body_credentials() -> object:
    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            if (header_value(headers, "authorization") is None
                    and any(k == "client_secret" for k, _ in pairs)):
                body = form_body([(k, v) for k, v in pairs if k != "client_secret"])
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-2.3.1-client-secret-post",
       collateral=("RFC6749-4.4.3-token-issued", "RFC6749-5.2-unauthorized-client"))
def ignores_body_credentials() -> object:
    """RFC6749-2.3.1-client-secret-post: client_secret in the body is ignored although the
    server declares client_secret_post, so body-authenticated clients get invalid_client."""
    return _ignores_body_credentials()


@fault("OAUTH21-2.4.1-client-secret-post", spec="oauth2.1",
       collateral=("RFC6749-4.4.3-token-issued", "RFC6749-5.2-unauthorized-client"))
def ignores_body_credentials_oauth21() -> object:
    """OAUTH21-2.4.1-client-secret-post: under the OAuth 2.1 profile, body credentials (the one
    mandatory method there) are ignored."""
    return _ignores_body_credentials()


@fault("RFC6749-2.3.1-no-credentials-in-uri")
def accepts_query_credentials() -> object:
    """RFC6749-2.3.1-no-credentials-in-uri: client_id/client_secret in the URI query are moved
    into the body and honoured."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            parts = urlsplit(uri)
            query = parse_qsl(parts.query, keep_blank_values=True)
            creds = [(k, v) for k, v in query if k in ("client_id", "client_secret")]
            if creds:
                body = form_body([*form_pairs(body), *creds])
                uri = parts.path
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


# ------------------------------------------------------------ issue 10: refusals, probes


def _get_as_post(uri: str, headers: Headers) -> tuple[str, str, Headers, bytes]:
    """A GET rewritten as the POST of its query parameters as a form body."""
    parts = urlsplit(uri)
    headers = [*without_header(headers, "content-type"),
               ("Content-Type", "application/x-www-form-urlencoded")]
    return "POST", parts.path, headers, parts.query.encode("latin-1")




@fault("RFC6749-3.2.1-client-id-mismatch")
def basic_wins_over_body_client_id() -> object:
    """RFC6749-3.2.1-client-id-mismatch: with Basic credentials, a body client_id naming
    another client is dropped and the request served as the Basic client."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            if header_value(headers, "authorization") is not None:
                body = form_body([(k, v) for k, v in form_pairs(body) if k != "client_id"])
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-2.3.1-no-credentials-in-uri")
def honours_query_credentials_on_get() -> object:
    """RFC6749-2.3.1-no-credentials-in-uri: a GET whose query carries client_secret is served as
    a POST (a GET without credentials in the query is still refused)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            if method == "GET" and "client_secret=" in urlsplit(uri).query:
                return _get_as_post(uri, headers)
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-3.2.1-client-auth-required")
def empty_basic_password_authenticates() -> object:
    """RFC6749-3.2.1-client-auth-required: HTTP Basic with a confidential client's id and an
    empty password authenticates that client (found by the deterministic malformed-Basic
    probe, not left to the seed)."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            request = super().build_request(method, uri, headers, body)
            auth = header_value(headers, "authorization") or ""
            cred = auth.strip().partition(" ")[2].strip()
            try:
                raw = base64.b64decode(cred, validate=True)
            except (binascii.Error, ValueError):
                return request
            if raw.endswith(b":") and raw.count(b":") == 1:
                request.client_secret = "\0empty-password"
            return request

    class Validator(RegistryRequestValidator):
        async def authenticate_client(self, request: Request) -> bool:
            client = self.registry.get(request.client_id)
            if request.client_secret == "\0empty-password" and client is not None \
                    and client.confidential:
                request.client = client
                return True
            return await super().authenticate_client(request)

    return build_app(endpoint=Endpoint, validator=Validator)


@fault("RFC6749-5.2-status")
def server_error_on_non_utf8_basic() -> object:
    """RFC6749-5.2-status: Basic credentials that are not UTF-8 crash the decoder: 500
    server_error instead of 400/401 (found by the deterministic probe, not left to the seed)."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            auth = header_value(headers, "authorization") or ""
            try:
                base64.b64decode(auth.strip().partition(" ")[2].strip(),
                                 validate=True).decode("utf-8")
            except UnicodeDecodeError:
                raise errors.ServerError() from None
            except (binascii.Error, ValueError):
                pass
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


def _jwt(claims: dict[str, object], key: bytes) -> str:
    """A compact HS256 JWS (RFC 7515/7519), built with the standard library."""
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    head = b64(json.dumps({"alg": "HS256", "typ": "at+jwt"}).encode())
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


@fault("RFC9700-2.3-audience")
def jwt_tokens_without_audience() -> object:
    """RFC9700-2.3-audience (SHOULD): access tokens are RFC 9068-style JWTs (HS256, random
    key, random jti) that carry no aud claim, so they are not restricted to a resource
    server."""
    key = secrets.token_bytes(32)

    def generate(request: Any) -> str:
        return _jwt({"iss": "https://reference.invalid", "sub": str(request.client_id),
                     "client_id": str(request.client_id), "jti": secrets.token_urlsafe(16),
                     "scope": " ".join(request.scopes or [])}, key)

    return build_app(token_generator=generate)


@fault("RFC6749-3.2-post-only", collateral=("RFC6749-2.3.1-no-credentials-in-uri",))
def accepts_get() -> object:
    """RFC6749-3.2-post-only (SHOULD): a GET with the parameters in the query is treated as a
    POST and gets a token (so a GET with credentials in the query is served too)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            if method == "GET":
                return _get_as_post(uri, headers)
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-3.2-empty-params-omitted")
def empty_client_secret_counts() -> object:
    """RFC6749-3.2-empty-params-omitted: an empty client_secret= next to Basic counts as a
    second authentication method (invalid_request)."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            if (header_value(headers, "authorization") is not None
                    and ("client_secret", "") in form_pairs(body)):
                raise errors.InvalidRequestError(
                    "More than one client authentication method was used.")
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


@fault("RFC6749-3.2-empty-params-omitted")
def empty_scope_counts() -> object:
    """RFC6749-3.2-empty-params-omitted: scope= (empty) is taken as a present, malformed scope
    (invalid_scope) instead of an omitted one (default scope)."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            if ("scope", "") in form_pairs(body):
                raise errors.InvalidScopeError("The scope parameter is malformed.")
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


KNOWN_PARAMS = frozenset({"grant_type", "scope", "client_id", "client_secret"})


@fault("RFC6749-3.2-unknown-params-ignored")
def rejects_unknown_params() -> object:
    """RFC6749-3.2-unknown-params-ignored: any body parameter outside grant_type, scope,
    client_id and client_secret is refused with invalid_request."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            request = super().build_request(method, uri, headers, body)
            unknown = sorted({k for k, _ in request.decoded_body} - KNOWN_PARAMS)
            if unknown:
                raise errors.InvalidRequestError("Unknown parameter.")
            return request

    return build_app(endpoint=Endpoint)


@fault("RFC6749-3.2-no-repeated-params")
def last_repeated_param_wins() -> object:
    """RFC6749-3.2-no-repeated-params: a repeated parameter is accepted and its last value
    used (parameter pollution)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            last = dict(pairs)
            if len(last) != len(pairs):
                body = form_body(list(last.items()))
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-3.2-no-repeated-params")
def body_client_id_ignored_beside_basic() -> object:
    """RFC6749-3.2-no-repeated-params: beside HTTP Basic the body's client_id parameters are
    dropped unread, so a repeated client_id is never noticed (Glewlwyd 2.7 behaves so)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            ids = [v for k, v in pairs if k == "client_id"]
            if header_value(headers, "authorization") is not None and len(ids) > 1:
                body = form_body([(k, v) for k, v in pairs if k != "client_id"])
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-4.4.2-grant-type", collateral=("RFC6749-5.2-unsupported-grant-type",))
def case_insensitive_grant_type() -> object:
    """RFC6749-4.4.2-grant-type: grant_type is compared case-insensitively and trimmed, so
    'CLIENT_CREDENTIALS' or 'client_credentials ' get a token."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            fixed = [(k, v.strip().lower() if k == "grant_type" else v) for k, v in pairs]
            if fixed != pairs:
                body = form_body(fixed)
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-4.4.2-grant-type", collateral=("RFC6749-5.2-invalid-request",))
def missing_grant_type_defaults() -> object:
    """RFC6749-4.4.2-grant-type: a request without grant_type is served as client_credentials
    instead of invalid_request."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            if method == "POST" and not any(k == "grant_type" for k, _ in pairs):
                body = form_body([*pairs, ("grant_type", "client_credentials")])
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC6749-5.2-status")
def server_error_on_garbage() -> object:
    """RFC6749-5.2-status: a body that is not UTF-8 crashes the parser: 500 server_error
    instead of 400 invalid_request."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            try:
                (body or b"").decode("utf-8")
            except UnicodeDecodeError:
                raise errors.ServerError() from None
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


@fault("RFC7617-2-scheme-case-insensitive")
def case_sensitive_basic_scheme() -> object:
    """RFC7617-2-scheme-case-insensitive: only the exact scheme name 'Basic' is accepted;
    'basic' or 'BASIC' get invalid_client."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            auth = header_value(headers, "authorization")
            if auth is not None and auth.strip().partition(" ")[0] != "Basic":
                raise errors.InvalidClientError("Use Basic.", realm=self.realm)
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


# ============================================================ validator subclasses


@fault("RFC6749-3.2.1-client-auth-required",
       collateral=("RFC6749-5.2-invalid-client", "RFC6749-3.2-empty-params-omitted"))
def accepts_any_secret() -> object:
    """RFC6749-3.2.1-client-auth-required: the validator accepts any secret for a registered
    confidential client (the empty one too, so an empty client_secret is not treated as
    omitted either)."""

    class Validator(RegistryRequestValidator):
        async def authenticate_client(self, request: Request) -> bool:
            client = self.registry.get(request.client_id)
            if client is None or not client.confidential:
                return False
            request.client = client
            return True

    return build_app(validator=Validator)


@fault("RFC6749-3.2.1-client-auth-required", collateral=("RFC6749-5.2-invalid-client",))
def anonymous_is_demo_client() -> object:
    """RFC6749-3.2.1-client-auth-required: a request with no client authentication at all is
    served as a built-in default client."""

    class Validator(RegistryRequestValidator):
        async def authenticate_client(self, request: Request) -> bool:
            if request.client_id is None and request.client_secret is None:
                request.client = self.registry.get("cc-demo-client")
                return True
            return await super().authenticate_client(request)

    return build_app(validator=Validator)


@fault("RFC6749-4.4-confidential-only")
def accepts_public_clients() -> object:
    """RFC6749-4.4-confidential-only: a registered public client gets a token on its client_id
    alone."""

    class Validator(RegistryRequestValidator):
        async def client_authentication_required(self, request: Request) -> bool:
            return True

        async def authenticate_client(self, request: Request) -> bool:
            client = self.registry.get(request.client_id)
            if client is not None and not client.confidential:
                request.client = client
                return True
            return await super().authenticate_client(request)

    return build_app(validator=Validator)


@fault("RFC6749-5.2-unauthorized-client")
def ignores_allowed_grant_types() -> object:
    """RFC6749-5.2-unauthorized-client: the validator ignores the client's registered grant
    types, so a client only allowed authorization_code gets a token."""

    class Validator(RegistryRequestValidator):
        async def validate_grant_type(self, client_id: str, grant_type: str, client: Any,
                                      request: Request) -> bool:
            return client is not None

    return build_app(validator=Validator)


@fault("RFC6749-3.3-scope-policy")
def allows_not_allowed_scopes() -> object:
    """RFC6749-3.3-scope-policy: the validator grants any scope the server knows, including
    'admin' which the client may not have."""

    class Validator(RegistryRequestValidator):
        async def validate_scopes(self, client_id: str, scopes: list[str], client: Any,
                                  request: Request) -> bool:
            return client is not None and all(s in self.registry.known_scopes for s in scopes)

    return build_app(validator=Validator)


@fault("RFC6749-3.3-scope-policy", collateral=("RFC6749-5.2-invalid-scope",))
def allows_any_scope() -> object:
    """RFC6749-3.3-scope-policy: the validator grants every syntactically valid scope, even
    ones the server does not know."""

    class Validator(RegistryRequestValidator):
        async def validate_scopes(self, client_id: str, scopes: list[str], client: Any,
                                  request: Request) -> bool:
            return client is not None

    return build_app(validator=Validator)


@fault("RFC6749-3.3-default-scope")
def default_scope_is_everything() -> object:
    """RFC6749-3.3-default-scope: a scope-less request gets every allowed scope ('read write')
    instead of the documented default ('read')."""

    class Validator(RegistryRequestValidator):
        async def get_default_scopes(self, client_id: str, request: Request) -> list[str]:
            client = self.registry.get(client_id)
            return list(client.scopes) if client is not None else []

    return build_app(validator=Validator)


@fault("RFC6749-3.3-default-scope", broad="most checks send no scope and now get no token")
def no_default_scope() -> object:
    """RFC6749-3.3-default-scope: no default scope handling: a scope-less request gets
    invalid_scope although the documented policy is the default scope."""

    class Validator(RegistryRequestValidator):
        async def get_default_scopes(self, client_id: str, request: Request) -> list[str]:
            return []

    return build_app(validator=Validator)


# ============================================================ grant subclasses


@fault("RFC6749-4.4.3-no-refresh-token")
def issues_refresh_token() -> object:
    """RFC6749-4.4.3-no-refresh-token (SHOULD): the grant adds a refresh_token to the client
    credentials response."""

    class Grant(ClientCredentialsGrant):
        async def add_token(self, token: dict[str, Any], token_handler: Any,
                            request: Request) -> dict[str, Any]:
            token = await super().add_token(token, token_handler, request)
            token["refresh_token"] = secrets.token_urlsafe(32)
            return token

    return build_app(grant=Grant)


@fault("RFC6749-4.4.3-token-issued", broad="no request gets a token")
def refuses_valid_requests() -> object:
    """RFC6749-4.4.3-token-issued: after every check passed, the grant still answers
    invalid_grant instead of issuing the token."""

    class Grant(ClientCredentialsGrant):
        async def validate_token_request(self, request: Request) -> None:
            await super().validate_token_request(request)
            raise errors.InvalidGrantError()

    return build_app(grant=Grant)


@fault("RFC6749-4.4.2-scope-parameter")
def refuses_multiple_scopes() -> object:
    """RFC6749-4.4.2-scope-parameter: a request for several allowed scopes ('read write') is
    refused with invalid_scope; only single scopes are honoured."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            if request.scope and len(request.scope.split(" ")) > 1:
                raise errors.InvalidScopeError()
            await super().validate_scopes(request)

    return build_app(grant=Grant)


@fault("RFC6749-4.4.2-scope-parameter", collateral=("RFC9700-2.3-least-privilege",))
def ignores_requested_scope() -> object:
    """RFC6749-4.4.2-scope-parameter: the scope parameter is ignored; every request gets the
    client's default scope ('write' requested, 'read' granted)."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            request.scope = None
            await super().validate_scopes(request)

    return build_app(grant=Grant)


@fault("RFC9700-2.3-least-privilege")
def grants_all_allowed_scopes() -> object:
    """RFC9700-2.3-least-privilege (SHOULD): whenever a scope is requested, the grant widens it
    to every scope the client may have."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            await super().validate_scopes(request)
            if request.scope:
                request.scopes = list(request.client.scopes)

    return build_app(grant=Grant)


@fault("RFC6749-3.3-scope-policy", collateral=("RFC9700-2.3-least-privilege",))
def adds_admin_scope() -> object:
    """RFC6749-3.3-scope-policy: when a scope is requested, the grant adds 'admin' (known to
    the server, not allowed for the client) to the granted scopes."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            await super().validate_scopes(request)
            if request.scope:
                request.scopes = [*(request.scopes or []), "admin"]

    return build_app(grant=Grant)


@fault("RFC6749-5.1-scope",
       collateral=("RFC6749-3.3-scope-policy", "RFC6749-5.2-invalid-scope"))
def narrows_silently() -> object:
    """RFC6749-5.1-scope: scopes the client may not have are dropped from the grant, and the
    response then omits scope (the client believes it got what it asked for)."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            if request.scope:
                client = request.client
                wanted = request.scope.split(" ")
                kept = [s for s in wanted if s in client.scopes]
                if kept != wanted:
                    request.scope = " ".join(kept) or None
                    request.cc_narrowed = True
            await super().validate_scopes(request)

        async def add_token(self, token: dict[str, Any], token_handler: Any,
                            request: Request) -> dict[str, Any]:
            token = await super().add_token(token, token_handler, request)
            if getattr(request, "cc_narrowed", False):
                token.pop("scope", None)
            return token

    return build_app(grant=Grant)


@fault("RFC6749-5.2-invalid-request")
def missing_grant_type_unsupported() -> object:
    """RFC6749-5.2-invalid-request: a missing grant_type is answered unsupported_grant_type
    instead of invalid_request."""

    class Grant(ClientCredentialsGrant):
        async def validate_token_request(self, request: Request) -> None:
            if not request.grant_type:
                raise errors.UnsupportedGrantTypeError()
            await super().validate_token_request(request)

    return build_app(grant=Grant)


@fault("RFC6749-5.2-unsupported-grant-type")
def unknown_grant_invalid_request() -> object:
    """RFC6749-5.2-unsupported-grant-type: an unknown grant_type value is answered
    invalid_request instead of unsupported_grant_type."""

    class Grant(ClientCredentialsGrant):
        async def validate_token_request(self, request: Request) -> None:
            if request.grant_type and request.grant_type != self.grant_type:
                raise errors.InvalidRequestError("Bad grant_type.")
            await super().validate_token_request(request)

    return build_app(grant=Grant)


@fault("RFC6749-5.2-unauthorized-client")
def not_allowed_grant_is_invalid_client() -> object:
    """RFC6749-5.2-unauthorized-client: an authenticated client not allowed this grant gets
    invalid_client (401) instead of unauthorized_client."""

    class Grant(ClientCredentialsGrant):
        async def validate_grant_type(self, request: Request) -> None:
            try:
                await super().validate_grant_type(request)
            except errors.UnauthorizedClientError:
                raise errors.InvalidClientError(realm=self.realm) from None

    return build_app(grant=Grant)


@fault("RFC6749-5.2-invalid-scope")
def invalid_scope_as_invalid_request() -> object:
    """RFC6749-5.2-invalid-scope: a refused scope is answered invalid_request instead of
    invalid_scope."""

    class Grant(ClientCredentialsGrant):
        async def validate_scopes(self, request: Request) -> None:
            try:
                await super().validate_scopes(request)
            except errors.InvalidScopeError:
                raise errors.InvalidRequestError("Bad scope.") from None

    return build_app(grant=Grant)


@fault("RFC6749-5.2-invalid-client",
       collateral=("RFC6749-5.2-invalid-client-401", *NO_BASIC_CHALLENGE))
def failed_auth_as_invalid_request() -> object:
    """RFC6749-5.2-invalid-client: failed client authentication is answered invalid_request
    (400) instead of invalid_client."""

    class Grant(ClientCredentialsGrant):
        async def authenticate_client(self, request: Request) -> None:
            try:
                await super().authenticate_client(request)
            except errors.InvalidClientError:
                raise errors.InvalidRequestError("Bad client.") from None

    return build_app(grant=Grant)


# ============================================================ weak token generators (§10.10)


@fault("RFC6749-10.10-token-unique",
       collateral=("RFC6749-10.10-token-entropy-128", "RFC6749-10.10-token-entropy"))
def constant_token() -> object:
    """RFC6749-10.10-token-unique: every request gets the same access token."""
    token = secrets.token_urlsafe(32)
    return build_app(token_generator=lambda request: token)


@fault("RFC6749-10.10-token-unique")
def token_pool() -> object:
    """RFC6749-10.10-token-unique: tokens are drawn round-robin from a pool of 8 strong tokens,
    so they repeat."""
    pool = itertools.cycle([secrets.token_urlsafe(32) for _ in range(8)])
    return build_app(token_generator=lambda request: next(pool))


@fault("RFC6749-10.10-token-entropy-128", collateral=("RFC6749-10.10-token-entropy",))
def short_tokens() -> object:
    """RFC6749-10.10-token-entropy-128: tokens carry only 48 random bits (12 hex digits)."""
    return build_app(token_generator=lambda request: secrets.token_hex(6))


@fault("RFC6749-10.10-token-entropy-128", collateral=("RFC6749-10.10-token-entropy",))
def counter_tokens() -> object:
    """RFC6749-10.10-token-entropy-128: tokens are a fixed prefix plus a sequence number
    (unique, but predictable)."""
    counter = itertools.count(1)
    return build_app(token_generator=lambda request: f"cc-token-{next(counter):012d}")


@fault("RFC6750-2.1-b64token")
def token_outside_b64token() -> object:
    """RFC6750-2.1-b64token: Bearer tokens contain '*' and ',' (visible ASCII, but outside the
    b64token alphabet)."""
    return build_app(
        token_generator=lambda request: secrets.token_urlsafe(24) + "*," + secrets.token_hex(4))


# ============================================================ success response rewriting (§5.1)


def _token_rewrite(fn: Callable[[Reply], Reply]) -> object:
    return rewrite(build_app(), response=on_token(fn))


def _set(member: str, value: object) -> Callable[[Reply], Reply]:
    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        obj[member] = value
        return reply.with_json(obj)

    return apply


def _drop(member: str) -> Callable[[Reply], Reply]:
    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        obj.pop(member, None)
        return reply.with_json(obj)

    return apply


@fault("RFC6749-5.1-no-store")
def drops_cache_control() -> object:
    """RFC6749-5.1-no-store: token responses carry no Cache-Control header."""
    return _token_rewrite(lambda r: r.set_header("cache-control", None))


@fault("RFC6749-5.1-no-store")
def cache_control_no_cache() -> object:
    """RFC6749-5.1-no-store: token responses say Cache-Control: no-cache, max-age=0 instead of
    no-store."""
    return _token_rewrite(lambda r: r.set_header("cache-control", "no-cache, max-age=0"))


@fault("RFC6749-5.1-pragma")
def drops_pragma() -> object:
    """RFC6749-5.1-pragma: token responses carry no Pragma header."""
    return _token_rewrite(lambda r: r.set_header("pragma", None))


@fault("RFC6749-5.1-status-200")
def token_with_201() -> object:
    """RFC6749-5.1-status-200: tokens are issued with HTTP 201 Created."""

    def apply(reply: Reply) -> Reply:
        reply.status = 201
        return reply

    return _token_rewrite(apply)


@fault("RFC6749-5.1-json")
def token_as_text_html() -> object:
    """RFC6749-5.1-json: the JSON token body is served as Content-Type: text/html."""
    return _token_rewrite(lambda r: r.set_header("content-type", "text/html; charset=utf-8"))


@fault("RFC6749-5.1-json", broad="no response carries a JSON token any more")
def token_as_form_body() -> object:
    """RFC6749-5.1-json: the token response is form-encoded (access_token=...&token_type=...)
    like some legacy servers, not JSON."""

    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        pairs = [(k, str(v)) for k, v in obj.items()]
        return reply.with_body(form_body(pairs)).set_header(
            "content-type", "application/x-www-form-urlencoded")

    return _token_rewrite(apply)


@fault("RFC6749-5.1-access-token", broad="no response carries a top-level token any more")
def wrapped_json() -> object:
    """RFC6749-5.1-access-token: the token members are wrapped in {"data": {...}}, so there is
    no top-level access_token."""
    return _token_rewrite(lambda r: r.with_json({"data": r.json()}))


@fault("RFC6749-5.1-access-token",
       collateral=("RFC6749-10.10-token-unique", "RFC6749-10.10-token-entropy-128",
                   "RFC6749-10.10-token-entropy",
                   "RFC6750-2.1-b64token"))
def numeric_access_token() -> object:
    """RFC6749-5.1-access-token: access_token is a JSON number, not a string."""

    def apply(reply: Reply) -> Reply:
        return _set("access_token", secrets.randbits(62))(reply)

    return _token_rewrite(apply)


@fault("RFC6749-5.1-token-type",
       collateral=("RFC6749-7.1-token-type", "RFC6750-2.1-b64token"))
def drops_token_type() -> object:
    """RFC6749-5.1-token-type: the response has no token_type."""
    return _token_rewrite(_drop("token_type"))


@fault("RFC6749-7.1-token-type",
       collateral=("RFC6750-2.1-b64token", "RFC6750-6.1.1-bearer-type"))
def unregistered_token_type() -> object:
    """RFC6749-7.1-token-type: token_type is 'Token', which is neither registered nor an
    absolute URI."""
    return _token_rewrite(_set("token_type", "Token"))


@fault("RFC6750-6.1.1-bearer-type", collateral=("RFC6749-7.1-token-type",))
def bearer_type_with_space() -> object:
    """RFC6750-6.1.1-bearer-type: Bearer tokens are labelled 'Bearer ' (trailing space), not
    the registered name 'Bearer'."""
    return _token_rewrite(_set("token_type", "Bearer "))


@fault("RFC6749-5.1-expires-in", collateral=("RFC6749-5.1-expires-in-numeric",))
def drops_expires_in() -> object:
    """RFC6749-5.1-expires-in (SHOULD): the response has no expires_in."""
    return _token_rewrite(_drop("expires_in"))


@fault("RFC6749-5.1-expires-in-numeric")
def string_expires_in() -> object:
    """RFC6749-5.1-expires-in-numeric: expires_in is the string "3600"."""
    return _token_rewrite(_set("expires_in", "3600"))


@fault("RFC6749-5.1-expires-in-numeric")
def negative_expires_in() -> object:
    """RFC6749-5.1-expires-in-numeric: expires_in is -60 (not 1*DIGIT: a minus sign)."""
    return _token_rewrite(_set("expires_in", -60))


@fault("RFC6749-5.1-expires-in-numeric")
def fractional_expires_in() -> object:
    """RFC6749-5.1-expires-in-numeric: expires_in is 3599.5 (a fraction, not whole seconds)."""
    return _token_rewrite(_set("expires_in", 3599.5))


@fault("RFC6749-3.3-scope-syntax", collateral=("RFC9700-2.3-least-privilege",))
def double_spaced_scope() -> object:
    """RFC6749-3.3-scope-syntax: a granted scope of several tokens is joined with two spaces
    instead of one."""

    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        scope = obj.get("scope")
        if isinstance(scope, str) and " " in scope:
            obj["scope"] = "  ".join(scope.split(" "))
        return reply.with_json(obj)

    return _token_rewrite(apply)


def _duplicate(member: str) -> Callable[[Reply], Reply]:
    """Write raw JSON text with ``member`` twice (json.dumps cannot)."""

    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        text = json.dumps(obj)
        extra = f', {json.dumps(member)}: {json.dumps(obj.get(member))}'
        return reply.with_body(text[:-1] + extra + "}")

    return apply


@fault("RFC6749-3.2-response-no-repeated-params")
def duplicate_member_in_token() -> object:
    """RFC6749-3.2-response-no-repeated-params: the token response repeats token_type (raw JSON
    text with the member twice)."""
    return _token_rewrite(_duplicate("token_type"))


# ============================================================ error response rewriting (§5.2)


def _error_rewrite(fn: Callable[[Reply], Reply], code: str | None = None) -> object:
    return rewrite(build_app(), response=on_error(fn, code=code))


@fault("RFC6749-3.2-response-no-repeated-params")
def duplicate_member_in_error() -> object:
    """RFC6749-3.2-response-no-repeated-params: error responses repeat the error member."""
    return _error_rewrite(_duplicate("error"))


@fault("RFC6749-5.2-status")
def invalid_scope_403() -> object:
    """RFC6749-5.2-status: invalid_scope is sent with HTTP 403 instead of 400."""

    def apply(reply: Reply) -> Reply:
        reply.status = 403
        return reply

    return _error_rewrite(apply, code="invalid_scope")


@fault("RFC6749-5.2-invalid-client-401", collateral=(*NO_BASIC_CHALLENGE, *NO_CHALLENGE))
def invalid_client_without_challenge() -> object:
    """RFC6749-5.2-invalid-client-401: invalid_client is a 401 without any WWW-Authenticate
    header."""
    return _error_rewrite(lambda r: r.set_header("www-authenticate", None), code="invalid_client")


@fault("RFC6749-5.2-invalid-client-401", collateral=NO_BASIC_CHALLENGE)
def invalid_client_bearer_challenge() -> object:
    """RFC6749-5.2-invalid-client-401: the 401 challenges with Bearer although the client used
    Basic."""
    return _error_rewrite(lambda r: r.set_header("www-authenticate", 'Bearer realm="cc"'),
                          code="invalid_client")


@fault("RFC6749-5.2-invalid-client-401",
       collateral=("RFC6749-5.2-status", *NO_BASIC_CHALLENGE, *NO_CHALLENGE))
def invalid_client_400() -> object:
    """RFC6749-5.2-invalid-client-401: invalid_client is sent with 400 (no challenge) even when
    the client used HTTP Basic."""

    def apply(reply: Reply) -> Reply:
        reply.status = 400
        return reply.set_header("www-authenticate", None)

    return _error_rewrite(apply, code="invalid_client")


@fault("RFC6749-5.2-error-json")
def error_as_text_plain() -> object:
    """RFC6749-5.2-error-json: the JSON error body is served as Content-Type: text/plain."""
    return _error_rewrite(lambda r: r.set_header("content-type", "text/plain"))


@fault("RFC6749-5.2-error-json", collateral=(
    "RFC6749-5.2-invalid-request", "RFC6749-5.2-invalid-client", "RFC6749-5.2-invalid-scope",
    "RFC6749-5.2-unauthorized-client", "RFC6749-5.2-unsupported-grant-type",
    "RFC6749-5.2-error-charset", "RFC6749-5.2-error-uri", "RFC6749-5.2-error-code-registered"))
def html_error_page() -> object:
    """RFC6749-5.2-error-json: errors are an HTML page (text/html), not a JSON object."""

    def apply(reply: Reply) -> Reply:
        page = f"<html><body><h1>Error {reply.status}</h1></body></html>"
        return reply.with_body(page).set_header("content-type", "text/html")

    return _error_rewrite(apply)


@fault("RFC6749-5.2-error-charset")
def quote_in_error_description() -> object:
    """RFC6749-5.2-error-charset: error_description contains a double quote and a
    backslash."""
    return _error_rewrite(_set("error_description", 'bad "request" \\ try again'))


@fault("RFC6749-5.2-error-charset")
def non_ascii_error_description() -> object:
    """RFC6749-5.2-error-charset: error_description contains non-ASCII text."""
    return _error_rewrite(_set("error_description", "Anfrage ungültig"))


@fault("RFC6749-5.2-error-charset", collateral=("RFC6749-5.2-error-uri",))
def space_in_error_uri() -> object:
    """RFC6749-5.2-error-charset: error_uri contains spaces."""
    return _error_rewrite(_set("error_uri", "https://as.example/errors/invalid request"))


@fault("RFC6749-3.2.1-client-id-with-basic")
def refuses_client_id_with_basic() -> object:
    """RFC6749-3.2.1-client-id-with-basic: a body client_id next to Basic credentials (same id,
    no secret) is refused as a second authentication method."""

    class Endpoint(TokenEndpoint):
        def build_request(self, method: str, uri: str, headers: Headers,
                          body: bytes | None) -> Request:
            if (header_value(headers, "authorization") is not None
                    and any(k == "client_id" and v for k, v in form_pairs(body))):
                raise errors.InvalidRequestError(
                    "More than one client authentication method was used.")
            return super().build_request(method, uri, headers, body)

    return build_app(endpoint=Endpoint)


@fault("RFC7617-2-realm")
def basic_challenge_without_realm() -> object:
    """RFC7617-2-realm: the 401 Basic challenge has no realm (WWW-Authenticate: Basic
    charset="UTF-8")."""
    return _error_rewrite(lambda r: r.set_header("www-authenticate", 'Basic charset="UTF-8"'),
                          code="invalid_client")


@fault("RFC7617-2.1-charset-utf8")
def basic_challenge_latin1_charset() -> object:
    """RFC7617-2.1-charset-utf8: the Basic challenge announces charset="ISO-8859-1"."""
    return _error_rewrite(
        lambda r: r.set_header("www-authenticate", 'Basic realm="cc", charset="ISO-8859-1"'),
        code="invalid_client")


@fault("OAUTH21-3.2.3-scope-returned", spec="oauth2.1",
       collateral=("RFC6749-3.3-scope-syntax", "RFC9700-2.3-least-privilege"))
def omits_scope_oauth21() -> object:
    """OAUTH21-3.2.3-scope-returned (SHOULD): under the OAuth 2.1 profile, the token response
    never includes scope."""
    return _token_rewrite(_drop("scope"))


# ============================================================ error responses judged as the RFCs
# allow (RFC 9110 §15.5.2 / §11.2 challenges, §5.2 error codes and error_uri, RFC 8259 JSON).
# Each breaks one rule and nothing else: the public-client faults touch only the answers to the
# public client, whose refusal no code-specific rule judges.

PUBLIC_CLIENT_ID = "cc-public-client"


def _from_public_client(seen: Seen) -> bool:
    """Did the request come from the demo registry's public client (body or Basic)?"""
    if seen.param("client_id") == PUBLIC_CLIENT_ID:
        return True
    scheme, _, cred = (seen.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == PUBLIC_CLIENT_ID


def _public_client_error(fn: Callable[[Reply], Reply]) -> object:
    def apply(seen: Seen, reply: Reply) -> Reply:
        return fn(reply) if reply.error is not None and _from_public_client(seen) else reply

    return rewrite(build_app(), response=apply)


@fault("RFC9110-15.5.2-www-authenticate")
def body_auth_401_without_challenge() -> object:
    """RFC9110-15.5.2-www-authenticate: invalid_client for credentials sent in the body (no
    Authorization header) is a 401, as §5.2 allows, but without any WWW-Authenticate header."""

    def apply(seen: Seen, reply: Reply) -> Reply:
        if reply.error == "invalid_client" and seen.header("authorization") is None:
            return reply.set_header("www-authenticate", None)
        return reply

    return rewrite(build_app(), response=apply)


@fault("RFC9110-11.2-auth-param-syntax")
def unquoted_realm_with_space() -> object:
    """RFC9110-11.2-auth-param-syntax: the 401 Basic challenge writes its realm unquoted with a
    space in it (WWW-Authenticate: Basic realm=cc reference, charset="UTF-8")."""
    return _error_rewrite(
        lambda r: r.set_header("www-authenticate", 'Basic realm=cc reference, charset="UTF-8"'),
        code="invalid_client")


@fault("RFC6749-5.2-error-code-registered")
def unregistered_error_code() -> object:
    """RFC6749-5.2-error-code-registered (SHOULD): the public client is refused with the private
    code client_not_confidential (HTTP 400), neither a §5.2 code nor a registered one."""

    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        obj["error"] = "client_not_confidential"
        reply.status = 400
        return reply.with_json(obj).set_header("www-authenticate", None)

    return _public_client_error(apply)


@fault("RFC6749-5.2-error-uri")
def error_uri_template() -> object:
    """RFC6749-5.2-error-uri: error_uri is an unexpanded template,
    https://as.example/errors/{code} ('{' and '}' pass the §5.2 character set but are not URI
    characters)."""
    return _error_rewrite(_set("error_uri", "https://as.example/errors/{code}"))


@fault("RFC6749-5.2-error-json")
def nan_in_error_body() -> object:
    """RFC6749-5.2-error-json: the error body refusing the public client carries a NaN member
    ({..., "retry_in": NaN}), which Python's json writes but RFC 8259 does not allow."""

    def apply(reply: Reply) -> Reply:
        obj = reply.json() or {}
        obj["retry_in"] = float("nan")
        return reply.with_body(json.dumps(obj))  # allow_nan (the default) writes NaN

    return _public_client_error(apply)


# ============================================================ §10.10 guessing floors
# The MUST (guessing probability <= 2^-128) and the SHOULD (<= 2^-160) under their own IDs, and
# a counter that no token length hides (conformance/entropy.py).


@fault("RFC6749-10.10-token-entropy-128", collateral=("RFC6749-10.10-token-entropy",))
def random_96_bit_tokens() -> object:
    """RFC6749-10.10-token-entropy-128: tokens carry 96 random bits (16 base64url characters):
    unique, but under the 128-bit floor."""
    return build_app(token_generator=lambda request: secrets.token_urlsafe(12))


@fault("RFC6749-10.10-token-entropy")
def random_144_bit_tokens() -> object:
    """RFC6749-10.10-token-entropy (SHOULD): tokens carry 144 random bits (36 hex digits):
    above the 128-bit floor, below the recommended 160."""
    return build_app(token_generator=lambda request: secrets.token_hex(18))


@fault("RFC6749-10.10-token-entropy-128", collateral=("RFC6749-10.10-token-entropy",))
def long_counter_tokens() -> object:
    """RFC6749-10.10-token-entropy-128: tokens are a 256-bit counter in base64url (random start,
    a fixed odd stride near 2^200): 43 characters that nearly all vary, yet each token is the
    previous one plus the stride."""
    start, stride = secrets.randbits(254), secrets.randbits(200) | 1
    counter = itertools.count()

    def generate(request: Request) -> str:
        value = start + next(counter) * stride
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return build_app(token_generator=generate)



# ====================================================== RFC 8414 authorization server metadata

METADATA_PATH = "/.well-known/oauth-authorization-server"


def _on_metadata(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Seen, Reply], Reply]:
    """A response rewrite of the reference's metadata document (200 JSON answers only)."""

    def apply(seen: Seen, reply: Reply) -> Reply:
        obj = reply.json()
        if seen.path != METADATA_PATH or reply.status != 200 or obj is None:
            return reply
        return reply.with_json(fn(dict(obj)))

    return apply


@fault("RFC8414-3.2-metadata-response")
def metadata_served_as_text() -> object:
    """RFC8414-3.2-metadata-response: the metadata document is served as text/plain instead of
    application/json."""
    return rewrite(build_app(), response=lambda seen, reply: reply.set_header(
        "content-type", "text/plain") if seen.path == METADATA_PATH else reply)


@fault("RFC8414-2-required-members")
def metadata_without_issuer() -> object:
    """RFC8414-2-required-members: the metadata leaves out the REQUIRED issuer."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {k: v for k, v in doc.items() if k != "issuer"}))


@fault("RFC8414-2-issuer-format")
def issuer_with_query() -> object:
    """RFC8414-2-issuer-format: the issuer carries a query component (?tenant=main)."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {**doc, "issuer": f"{doc['issuer']}?tenant=main"}))


@fault("RFC8414-3.3-issuer-match")
def configured_issuer_mismatch() -> object:
    """RFC8414-3.3-issuer-match: the issuer is configured as another host
    (https://as.example.com), so it is not the one the metadata URL was built from."""
    app = build_app()
    app.issuer = "https://as.example.com"
    return app


@fault("RFC8414-2-token-endpoint")
def relative_token_endpoint() -> object:
    """RFC8414-2-token-endpoint: token_endpoint is the relative reference /token, not a URL."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {**doc, "token_endpoint": "/token"}))


@fault("RFC8414-2-grant-types-client-credentials")
def grant_types_omitted() -> object:
    """RFC8414-2-grant-types-client-credentials (SHOULD): grant_types_supported is left out, so
    its default (authorization_code, implicit) denies the client credentials grant the server
    serves."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {k: v for k, v in doc.items() if k != "grant_types_supported"}))


@fault("RFC8414-2-auth-methods-declared-work")
def declared_post_refused() -> object:
    """RFC8414-2-auth-methods-declared-work: the metadata still declares client_secret_post
    but the endpoint drops body client_secret values, so body credentials never authenticate
    (invalid_client)."""

    class Endpoint(_BodyRewritingEndpoint):
        def adjust(self, method: str, uri: str, headers: Headers,
                   body: bytes) -> tuple[str, str, Headers, bytes]:
            pairs = form_pairs(body)
            if any(k == "client_secret" for k, _ in pairs):
                body = form_body([(k, v) for k, v in pairs if k != "client_secret"])
            return method, uri, headers, body

    return build_app(endpoint=Endpoint)


@fault("RFC8414-2-auth-methods-undeclared")
def post_works_undeclared() -> object:
    """RFC8414-2-auth-methods-undeclared (SHOULD): the metadata declares client_secret_basic
    only, while the endpoint also accepts client_secret_post."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {**doc, "token_endpoint_auth_methods_supported": ["client_secret_basic"]}))


@fault("RFC8414-2-signing-alg-not-none")
def signing_algs_with_none() -> object:
    """RFC8414-2-signing-alg-not-none: token_endpoint_auth_signing_alg_values_supported lists
    none beside RS256."""
    return rewrite(build_app(), response=_on_metadata(
        lambda doc: {**doc, "token_endpoint_auth_signing_alg_values_supported": ["RS256",
                                                                                 "none"]}))


@fault("RFC8414-2-signing-algs-with-jwt")
def jwt_method_without_algs() -> object:
    """RFC8414-2-signing-algs-with-jwt: private_key_jwt is declared without
    token_endpoint_auth_signing_alg_values_supported."""

    def declare(doc: dict[str, Any]) -> dict[str, Any]:
        methods = [*doc.get("token_endpoint_auth_methods_supported", []), "private_key_jwt"]
        rest = {k: v for k, v in doc.items()
                if k != "token_endpoint_auth_signing_alg_values_supported"}
        return {**rest, "token_endpoint_auth_methods_supported": methods}

    return rewrite(build_app(), response=_on_metadata(declare))

def render_table() -> str:
    """The Markdown table of README.md."""
    lines = ["| # | variant | requirement ID | level | expected | how | collateral |",
             "|---|---|---|---|---|---|---|"]
    for i, f in enumerate(FAULTS, 1):
        how = f.how.split(": ", 1)[1] if ": " in f.how else f.how
        expected = f"{f.expected} (suite gap: xfail)" if f.gap else f.expected
        spec = f" [{f.spec}]" if f.spec != "rfc6749" else ""
        also = (f"broad: {f.broad}" if f.broad
                else ", ".join(f"`{c}`" for c in sorted(f.collateral)))
        lines.append(f"| {i} | `{f.name}` | `{f.requirement}`{spec} | {f.level} | {expected} | "
                     f"{how} | {also} |")
    return "\n".join(lines) + "\n"


def write_readme(path: Path) -> None:
    """Replace the table in README.md with the current one."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| # | variant"))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    path.write_text("".join(lines[:start]) + render_table() + "".join(lines[end:]),
                    encoding="utf-8")


# The JWT client authentication faults (RFC 7521, RFC 7523) and the mutual-TLS ones (RFC 8705)
# live in modules of their own and join FAULTS when imported, here, after everything they use
# is defined. (Not when run as a script: the imported tests.faults.variants registers them, in
# this order, so the README lists them as the tests do.)
if __name__ != "__main__":
    from . import jwt_variants, mtls_variants  # noqa: F401

if __name__ == "__main__":  # pragma: no cover - maintenance helper
    import sys

    # Run as a script this file is __main__; the set every module registers into is the
    # imported tests.faults.variants.
    from tests.faults import variants as the_set

    if sys.argv[1:] == ["--write"]:
        the_set.write_readme(Path(__file__).with_name("README.md"))
    else:
        print(the_set.render_table(), end="")
