"""HTTP-level rules of the reference token endpoint (RFC 6749 §2.3, §3.2, §4.4, §5), in-process."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from reference_impl.errors import ERROR_URI, TOKEN_ENDPOINT_ERROR_CODES
from reference_impl.formencoding import encode_basic_credentials

from .conftest import (
    CODE_ONLY_ID,
    CODE_ONLY_SECRET,
    DEMO_ID,
    DEMO_SECRET,
    FORM,
    PUBLIC_ID,
    SPECIAL_ID,
    SPECIAL_SECRET,
)

BASIC = {"Authorization": encode_basic_credentials(DEMO_ID, DEMO_SECRET), **FORM}
GRANT = b"grant_type=client_credentials"
DESCRIPTION_OK = re.compile(r'[\x20-\x21\x23-\x5b\x5d-\x7e]*')


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["error"] == code
    assert DESCRIPTION_OK.fullmatch(body.get("error_description", ""))
    if code in TOKEN_ENDPOINT_ERROR_CODES:  # every §5.2 error links its section
        assert body["error_uri"] == ERROR_URI
    return body


def assert_token(response: httpx.Response, scope: str) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["expires_in"], int)
    assert body["scope"] == scope
    assert "refresh_token" not in body
    # 32 random bytes, base64url without padding.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["access_token"])
    return body


# --- success paths (§4.4.2, §4.4.3, §5.1) -----------------------------------------------------


async def test_basic_auth_default_scope(client: httpx.AsyncClient) -> None:
    assert_token(await client.post("/token", content=GRANT, headers=BASIC), "read")


async def test_client_secret_post(client: httpx.AsyncClient) -> None:
    data = {"grant_type": "client_credentials", "client_id": DEMO_ID,
            "client_secret": DEMO_SECRET, "scope": "write"}
    assert_token(await client.post("/token", data=data), "write")


async def test_basic_with_matching_client_id_param(client: httpx.AsyncClient) -> None:
    data = {"grant_type": "client_credentials", "client_id": DEMO_ID}
    headers = {"Authorization": encode_basic_credentials(DEMO_ID, DEMO_SECRET)}
    assert_token(await client.post("/token", data=data, headers=headers), "read")


async def test_special_client_needs_form_encoding_in_basic(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": encode_basic_credentials(SPECIAL_ID, SPECIAL_SECRET), **FORM}
    body = GRANT + b"&scope=write+read"
    assert_token(await client.post("/token", content=body, headers=headers), "write read")


async def test_special_client_unencoded_basic_fails(client: httpx.AsyncClient) -> None:
    raw = base64.b64encode(f"{SPECIAL_ID}:{SPECIAL_SECRET}".encode()).decode()
    headers = {"Authorization": f"Basic {raw}", **FORM}
    response = await client.post("/token", content=GRANT, headers=headers)
    assert_error(response, 401, "invalid_client")


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC", "bAsIc"])
async def test_basic_scheme_is_case_insensitive(client: httpx.AsyncClient, scheme: str) -> None:
    token = encode_basic_credentials(DEMO_ID, DEMO_SECRET).split(" ", 1)[1]
    headers = {"Authorization": f"{scheme} {token}", **FORM}
    assert_token(await client.post("/token", content=GRANT, headers=headers), "read")


@pytest.mark.parametrize(
    ("content_type"),
    [
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-URLEncoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        'application/x-www-form-urlencoded;charset="utf-8"',
        "application/x-www-form-urlencoded ; foo=bar",
    ],
)
async def test_content_type_variants_accepted(
    client: httpx.AsyncClient, content_type: str
) -> None:
    headers = {**BASIC, "Content-Type": content_type}
    assert_token(await client.post("/token", content=GRANT, headers=headers), "read")


async def test_scope_duplicates_collapse_and_unknown_params_ignored(
    client: httpx.AsyncClient,
) -> None:
    body = GRANT + b"&scope=read+write+read&audience=x&foo="
    assert_token(await client.post("/token", content=body, headers=BASIC), "read write")


async def test_empty_values_are_omitted(client: httpx.AsyncClient) -> None:
    # scope= is omitted -> default scope; client_id= does not contradict Basic.
    body = GRANT + b"&scope=&client_id=&client_secret="
    assert_token(await client.post("/token", content=body, headers=BASIC), "read")


async def test_tokens_are_unique_and_saved(client: httpx.AsyncClient) -> None:
    first = (await client.post("/token", content=GRANT, headers=BASIC)).json()
    second = (await client.post("/token", content=GRANT, headers=BASIC)).json()
    assert first["access_token"] != second["access_token"]


async def test_demo_registry_app_issues_token() -> None:
    from reference_impl.asgi import app

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ref.test") as http:
        response = await http.post("/token", content=GRANT, headers=BASIC)
        assert_token(response, "read")
        response = await http.post("/token", content=GRANT, headers={
            "Authorization": encode_basic_credentials(DEMO_ID, "wrong"), **FORM})
        assert_error(response, 401, "invalid_client")


# --- transport errors (§3.2) --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
async def test_non_post_is_405(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/token", headers=BASIC)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if method != "HEAD":
        assert_error(response, 405, "invalid_request")


async def test_unknown_path_is_404_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/other", content=GRANT, headers=BASIC)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Content-Type": "application/x-www-form-urlencoded; charset=iso-8859-1"},
        {},
    ],
)
async def test_wrong_content_type(client: httpx.AsyncClient, headers: dict) -> None:
    auth = {"Authorization": BASIC["Authorization"], **headers}
    response = await client.post("/token", content=GRANT, headers=auth)
    assert_error(response, 400, "invalid_request")


async def test_repeated_content_type(client: httpx.AsyncClient) -> None:
    headers = [("Authorization", BASIC["Authorization"]), *FORM.items(), *FORM.items()]
    response = await client.post("/token", content=GRANT, headers=headers)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        GRANT + b"&grant_type=client_credentials",
        GRANT + b"&scope=read&scope=write",
        GRANT + b"&scope=read&scope=read",
        GRANT + b"&client_id=" + DEMO_ID.encode() + b"&client_id=" + DEMO_ID.encode(),
        b"grant_type=client_credentials&foo=1&foo=2",
    ],
)
async def test_repeated_parameter_is_invalid_request(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post("/token", content=body, headers=BASIC)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=client_credentials&scope=%zz",
        b"grant_type=client_credentials&scope=%4",
        b"grant_type=client_credentials&scope=read%",
        b"grant_type=client_credentials&scope=%ff",
        b"grant_type=client_credentials&scope=\xff\xfe",
        b"grant_type=client_credentials&sc%C3ope=%C3",
    ],
)
async def test_broken_encoding_is_invalid_request(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post("/token", content=body, headers=BASIC)
    assert_error(response, 400, "invalid_request")


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    body = GRANT + b"&pad=" + b"a" * (64 * 1024)
    response = await client.post("/token", content=body, headers=BASIC)
    assert_error(response, 413, "invalid_request")


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():
        for _ in range(70):
            yield b"a" * 1024

    response = await client.post("/token", content=chunks(), headers=BASIC)
    assert_error(response, 413, "invalid_request")


async def test_body_at_limit_is_accepted(client: httpx.AsyncClient) -> None:
    body = GRANT + b"&pad="
    body += b"a" * (64 * 1024 - len(body))
    assert_token(await client.post("/token", content=body, headers=BASIC), "read")


async def test_oversized_headers_are_431(client: httpx.AsyncClient) -> None:
    headers = {**BASIC, "X-Pad": "a" * 20000}
    response = await client.post("/token", content=GRANT, headers=headers)
    assert_error(response, 431, "invalid_request")


@pytest.mark.parametrize("query", ["client_id=" + DEMO_ID, "client_secret=x", "client%5Fid=a"])
async def test_credentials_in_query_rejected(client: httpx.AsyncClient, query: str) -> None:
    response = await client.post(f"/token?{query}", content=GRANT, headers=BASIC)
    assert_error(response, 400, "invalid_request")


async def test_other_query_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post("/token?tenant=1&x=%zz&", content=GRANT, headers=BASIC)
    assert_token(response, "read")


# --- grant type (§4.4.2, §5.2) ------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"scope=read", b"grant_type=", b"grant_type"])
async def test_missing_grant_type(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/token", content=body, headers=BASIC)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize("grant", ["password", "authorization_code", "Client_Credentials", "x"])
async def test_unsupported_grant_type(client: httpx.AsyncClient, grant: str) -> None:
    response = await client.post("/token", data={"grant_type": grant}, headers=BASIC)
    assert_error(response, 400, "unsupported_grant_type")


# --- client authentication (§2.3, §3.2.1, §5.2) -------------------------------------------------


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": encode_basic_credentials(client_id, secret), **FORM}


@pytest.mark.parametrize(
    "headers",
    [
        _basic(DEMO_ID, "wrong-secret"),
        _basic("unknown-client", "whatever"),
        _basic(DEMO_ID, ""),
        _basic(PUBLIC_ID, "anything"),
        {"Authorization": "Basic !!!notbase64", **FORM},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode(), **FORM},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode(), **FORM},
        {"Authorization": "Basic " + base64.b64encode(b"a%zz:x").decode(), **FORM},
        {"Authorization": "Basic " + base64.b64encode(b":secret").decode(), **FORM},
        {"Authorization": "Basic", **FORM},
        {"Authorization": "Basic abc", **FORM},
        {"Authorization": "Bearer abc", **FORM},
        {"Authorization": "Digest username=x", **FORM},
    ],
)
async def test_header_auth_failures_are_401_with_basic_challenge(
    client: httpx.AsyncClient, headers: dict
) -> None:
    response = await client.post("/token", content=GRANT, headers=headers)
    assert_error(response, 401, "invalid_client")
    challenge = response.headers["www-authenticate"]
    assert challenge.lower().startswith("basic ")
    assert 'realm="cc-reference"' in challenge


@pytest.mark.parametrize(
    "data",
    [
        {"grant_type": "client_credentials"},
        {"grant_type": "client_credentials", "client_id": DEMO_ID},
        {"grant_type": "client_credentials", "client_id": PUBLIC_ID},
        {"grant_type": "client_credentials", "client_id": DEMO_ID, "client_secret": "nope"},
        {"grant_type": "client_credentials", "client_id": "ghost", "client_secret": "x"},
    ],
)
async def test_body_auth_failures_are_401(client: httpx.AsyncClient, data: dict) -> None:
    response = await client.post("/token", data=data)
    assert_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_two_auth_methods_is_invalid_request(client: httpx.AsyncClient) -> None:
    data = {"grant_type": "client_credentials", "client_id": DEMO_ID,
            "client_secret": DEMO_SECRET}
    response = await client.post("/token", data=data, headers=_basic(DEMO_ID, DEMO_SECRET))
    assert_error(response, 400, "invalid_request")


async def test_two_authorization_headers_is_invalid_request(client: httpx.AsyncClient) -> None:
    auth = encode_basic_credentials(DEMO_ID, DEMO_SECRET)
    headers = [("Authorization", auth), ("Authorization", auth), *FORM.items()]
    response = await client.post("/token", content=GRANT, headers=headers)
    assert_error(response, 400, "invalid_request")


async def test_contradicting_client_id_is_rejected(client: httpx.AsyncClient) -> None:
    data = {"grant_type": "client_credentials", "client_id": SPECIAL_ID}
    response = await client.post("/token", data=data, headers=_basic(DEMO_ID, DEMO_SECRET))
    assert_error(response, 400, "invalid_request")


async def test_secret_without_client_id_is_invalid_request(client: httpx.AsyncClient) -> None:
    data = {"grant_type": "client_credentials", "client_secret": DEMO_SECRET}
    response = await client.post("/token", data=data)
    assert_error(response, 400, "invalid_request")


async def test_client_not_allowed_grant_is_unauthorized_client(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/token", content=GRANT, headers=_basic(CODE_ONLY_ID, CODE_ONLY_SECRET)
    )
    assert_error(response, 400, "unauthorized_client")


# --- scope (§3.3) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        "admin",  # known, not allowed
        "read admin",  # one disallowed token fails the request (no silent narrowing)
        "unknown-scope",
        " read",
        "read ",
        "read  write",
        "read\twrite",
        'read"',
        "read\\",
        "réad",
        " ",
    ],
)
async def test_invalid_scope(client: httpx.AsyncClient, scope: str) -> None:
    response = await client.post(
        "/token", data={"grant_type": "client_credentials", "scope": scope}, headers=BASIC
    )
    assert_error(response, 400, "invalid_scope")


async def test_every_error_code_is_registered(client: httpx.AsyncClient) -> None:
    bodies = [b"", b"grant_type=x", GRANT + b"&scope=admin"]
    for body in bodies:
        response = await client.post("/token", content=body, headers=BASIC)
        assert response.json()["error"] in TOKEN_ENDPOINT_ERROR_CODES
