"""The seed API of ClientCredentialsGrant and the deny-by-default RequestValidator."""

from __future__ import annotations

import inspect
import json
from types import SimpleNamespace
from typing import Any

import pytest

import reference_impl
from reference_impl import (
    BearerToken,
    ClientCredentialsGrant,
    InvalidClientError,
    Request,
    RequestValidator,
)
from reference_impl.endpoint import TokenEndpoint
from reference_impl.errors import InvalidRequestError, sanitize_description

SEED_ASYNC = [
    "create_token_response",
    "validate_token_request",
    "validate_grant_type",
    "validate_scopes",
    "add_token",
    "create_authorization_response",
]
VALIDATOR_HOOKS = [
    "authenticate_client",
    "client_authentication_required",
    "validate_grant_type",
    "validate_scopes",
    "get_default_scopes",
    "save_token",
]


@pytest.mark.parametrize("name", SEED_ASYNC)
def test_seed_methods_are_coroutine_functions(name: str) -> None:
    assert inspect.iscoroutinefunction(getattr(ClientCredentialsGrant, name))


def test_prepare_authorization_response_is_sync_with_seed_signature() -> None:
    method = ClientCredentialsGrant.prepare_authorization_response
    assert not inspect.iscoroutinefunction(method)
    params = list(inspect.signature(method).parameters)
    assert params == ["self", "request", "token", "headers", "body", "status"]


def test_seed_signatures() -> None:
    init = list(inspect.signature(ClientCredentialsGrant.__init__).parameters)
    assert init == ["self", "request_validator", "kwargs"]
    sig = inspect.signature(ClientCredentialsGrant.create_token_response)
    assert list(sig.parameters) == ["self", "request", "token_handler"]
    assert list(inspect.signature(ClientCredentialsGrant.add_token).parameters) == [
        "self", "token", "token_handler", "request"]


@pytest.mark.parametrize("name", VALIDATOR_HOOKS)
def test_validator_hooks_are_async(name: str) -> None:
    assert inspect.iscoroutinefunction(getattr(RequestValidator, name))


def test_public_api_exports() -> None:
    for name in reference_impl.__all__:
        assert hasattr(reference_impl, name)


async def test_validator_denies_by_default() -> None:
    v = RequestValidator()
    r = Request("/token")
    assert await v.client_authentication_required(r) is True
    assert await v.authenticate_client(r) is False
    assert await v.validate_grant_type("c", "client_credentials", None, r) is False
    assert await v.validate_scopes("c", ["read"], None, r) is False
    assert await v.get_default_scopes("c", r) == []
    with pytest.raises(NotImplementedError):
        await v.save_token({}, r)


def make_request(**params: str) -> Request:
    return Request("/token", body=list(params.items()))


async def test_default_grant_rejects_everyone() -> None:
    grant = ClientCredentialsGrant()
    headers, body, status = await grant.create_token_response(
        make_request(grant_type="client_credentials", client_id="a", client_secret="b"),
        BearerToken(),
    )
    assert status == 401
    assert json.loads(body)["error"] == "invalid_client"
    assert headers["WWW-Authenticate"].startswith("Basic realm=")


class AllowAll(RequestValidator):
    """A validator that allows one client; records saved tokens."""

    def __init__(self, defaults: list[str] | None = None, client_id: str = "c") -> None:
        self.saved: list[dict[str, Any]] = []
        self.defaults = ["read"] if defaults is None else defaults
        self.client_id = client_id

    async def authenticate_client(self, request: Request) -> bool:
        request.client = SimpleNamespace(client_id=self.client_id)
        return request.client_secret == "s"

    async def validate_grant_type(self, client_id, grant_type, client, request) -> bool:
        return True

    async def validate_scopes(self, client_id, scopes, client, request) -> bool:
        return set(scopes) <= {"read", "write"}

    async def get_default_scopes(self, client_id, request) -> list[str]:
        return self.defaults

    async def save_token(self, token, request) -> None:
        self.saved.append(dict(token))


async def test_grant_issues_and_saves_token() -> None:
    validator = AllowAll()
    grant = ClientCredentialsGrant(validator)
    request = make_request(grant_type="client_credentials", client_secret="s")
    headers, body, status = await grant.create_token_response(request, BearerToken(expires_in=60))
    token = json.loads(body)
    assert status == 200
    assert headers["Cache-Control"] == "no-store" and headers["Pragma"] == "no-cache"
    assert token["expires_in"] == 60 and token["scope"] == "read"
    assert validator.saved == [token]
    assert request.client_id == "c"  # filled in from the authenticated client


async def test_grant_repeated_params_invalid_request() -> None:
    request = Request("/token", body=[("grant_type", "client_credentials"), ("scope", "a"),
                                      ("scope", "b")])
    assert request.duplicate_params == ["scope"]
    _, body, status = await ClientCredentialsGrant(AllowAll()).create_token_response(
        request, BearerToken())
    assert (status, json.loads(body)["error"]) == (400, "invalid_request")


async def test_grant_client_id_mismatch_is_invalid_request() -> None:
    request = make_request(grant_type="client_credentials", client_id="other", client_secret="s")
    _, body, status = await ClientCredentialsGrant(AllowAll()).create_token_response(
        request, BearerToken())
    assert (status, json.loads(body)["error"]) == (400, "invalid_request")


async def test_no_default_scope_is_invalid_scope() -> None:
    request = make_request(grant_type="client_credentials", client_secret="s")
    _, body, status = await ClientCredentialsGrant(AllowAll(defaults=[])).create_token_response(
        request, BearerToken())
    assert (status, json.loads(body)["error"]) == (400, "invalid_scope")


async def test_validator_must_set_client() -> None:
    class NoClient(AllowAll):
        async def authenticate_client(self, request: Request) -> bool:
            return True

    grant = ClientCredentialsGrant(NoClient())
    with pytest.raises(NotImplementedError):
        await grant.validate_token_request(make_request(grant_type="client_credentials"))


async def test_custom_validators_run_sync_and_async() -> None:
    calls: list[str] = []

    def pre(request: Request) -> None:
        calls.append("pre")

    async def post(request: Request) -> None:
        calls.append("post")
        raise InvalidRequestError("post says no")

    grant = ClientCredentialsGrant(AllowAll(), pre_token=[pre], post_token=[post])
    _, body, status = await grant.create_token_response(
        make_request(grant_type="client_credentials", client_secret="s"), BearerToken())
    assert calls == ["pre", "post"]
    assert status == 400
    assert json.loads(body) == {"error": "invalid_request", "error_description": "post says no",
                                "error_uri": "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"}


def test_unknown_kwargs_rejected() -> None:
    with pytest.raises(TypeError):
        ClientCredentialsGrant(nonsense=True)


async def test_add_token_drops_refresh_token_and_awaits_async_handler() -> None:
    class AsyncHandler:
        async def create_token(self, request, refresh_token=False):
            assert refresh_token is False
            return {"access_token": "x", "refresh_token": "r", "token_type": "Bearer"}

    token = await ClientCredentialsGrant().add_token({"a": 1}, AsyncHandler(), make_request())
    assert token == {"a": 1, "access_token": "x", "token_type": "Bearer"}


async def test_authorization_endpoint_is_refused() -> None:
    grant = ClientCredentialsGrant()
    headers, body, status = await grant.create_authorization_response(
        make_request(response_type="token"), BearerToken())
    assert status == 400
    assert json.loads(body)["error"] == "unsupported_response_type"
    headers, body, status = grant.prepare_authorization_response(
        make_request(), {"access_token": "secret-token"}, {"X-Keep": "1"}, None, 302)
    assert status == 400 and "Location" not in headers and headers["X-Keep"] == "1"
    assert "secret-token" not in body


def test_bearer_token_callable_expiry_and_no_scope() -> None:
    request = make_request()
    token = BearerToken(expires_in=lambda r: 5, token_generator=lambda r: "t").create_token(
        request, refresh_token=True)
    assert token == {"access_token": "t", "token_type": "Bearer", "expires_in": 5}
    assert "BearerToken" in repr(BearerToken())


def test_request_repr_redacts_secret_and_exposes_params() -> None:
    request = Request("/token?x=1", body="grant_type=client_credentials&client_secret=hunter2",
                      headers={"Authorization": "Basic aHVudGVyMg=="})
    request.client_secret = "hunter2"
    text = repr(request) + str(request) + repr(request.headers)
    assert "hunter2" not in text and "aHVudGVyMg" not in text
    assert request.headers["authorization"] == "Basic aHVudGVyMg=="
    del request.headers["AUTHORIZATION"]
    assert len(request.headers) == 0 and list(request.headers) == []
    with_params = Request("/token", body={"audience": "api", "grant_type": "x"})
    assert with_params.audience == "api"
    assert with_params.params == {"audience": "api", "grant_type": "x"}
    with pytest.raises(AttributeError):
        _ = with_params.missing


def test_error_descriptions_are_sanitized() -> None:
    assert sanitize_description('a"b\\cé\n') == "a?b?c??"
    error = InvalidClientError('bad "quote"', realm='r"x')
    assert error.description == "bad ?quote?"
    assert error.headers["WWW-Authenticate"] == 'Basic realm="r\\"x", charset="UTF-8"'
    assert "invalid_client" in repr(error)


async def test_endpoint_hosts_foreign_sync_grant_and_catches_failures() -> None:
    seen: list[Request] = []

    class SyncGrant:
        def create_token_response(self, request, token_handler):
            seen.append(request)
            return {"X": "1"}, "{}", 201

    endpoint = TokenEndpoint(SyncGrant(), None)
    body = b"grant_type=client_credentials&client_id=a&client_secret=b"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert await endpoint.create_token_response("POST", "/token", headers, body) == (
        {"X": "1"}, "{}", 201)
    assert (seen[0].client_id, seen[0].client_secret, seen[0].auth_method) == (
        "a", "b", "client_secret_post")
    assert "TokenEndpoint" in repr(endpoint)

    class Raising:
        async def create_token_response(self, request, token_handler):
            raise RuntimeError("boom with secret b")

    status_body = await TokenEndpoint(Raising(), None).create_token_response(
        "POST", "/token", headers, body)
    assert status_body[2] == 500 and "boom" not in status_body[1]

    class RaisingOAuth:
        async def create_token_response(self, request, token_handler):
            raise InvalidClientError()

    result = await TokenEndpoint(RaisingOAuth(), None).create_token_response(
        "POST", "/token", [(b"content-type", b"application/x-www-form-urlencoded")], None)
    assert result[2] == 401


async def test_endpoint_rejects_malformed_uri() -> None:
    endpoint = TokenEndpoint(ClientCredentialsGrant(), BearerToken())
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    _, body, status = await endpoint.create_token_response(
        "POST", "http://[::1/token", headers, b"grant_type=client_credentials")
    assert (status, json.loads(body)["error"]) == (400, "invalid_request")
