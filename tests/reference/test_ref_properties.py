"""Hypothesis properties of the parsers: no 5xx on any input, Basic and scope round-trips."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.asgi import build_endpoint
from reference_impl.formencoding import (
    decode_basic_credentials,
    encode_basic_credentials,
    encode_form,
    parse_form,
)
from reference_impl.scopes import ScopeSyntaxError, parse_scope, scope_to_string

from .conftest import make_fast_registry

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENDPOINT = build_endpoint(make_fast_registry())

header_names = st.sampled_from(
    ["Authorization", "Content-Type", "content-type", "authorization", "X-Other", "Host"]
)
header_values = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "Basic Y2MtZGVtby1jbGllbnQ6Y2MtZGVtby1zZWNyZXQtN0ZqZnAwWkJyMUt0RFJibmZWZG1Jdw==",
            "Basic ",
            "Basic Og==",
            "Bearer x",
        ]
    ),
)
params = st.sampled_from(["grant_type", "scope", "client_id", "client_secret", "x", ""])
values = st.one_of(
    st.sampled_from(["client_credentials", "read", "read write", "cc-demo-client", "%zz", ""]),
    st.text(max_size=20),
)



@pytest.fixture(scope="module")
def loop():
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


@PROPS
@given(
    method=st.sampled_from(["POST", "POST", "GET", "post", "PUT"]),
    query=st.text(max_size=30),
    headers=st.lists(st.tuples(header_names, header_values), max_size=5),
    body=st.one_of(st.binary(max_size=300), st.lists(st.tuples(params, values), max_size=6)),
)
def test_random_requests_never_5xx(loop, method, query, headers, body) -> None:
    raw = body if isinstance(body, bytes) else "&".join(f"{k}={v}" for k, v in body).encode(
        "utf-8", "surrogatepass")
    response_headers, text, status = loop.run_until_complete(
        ENDPOINT.create_token_response(method, f"/token?{query}", headers, raw)
    )
    assert 200 <= status < 500
    assert response_headers["Cache-Control"] == "no-store"
    assert "Traceback" not in text


@PROPS
@given(st.text(min_size=1, max_size=40), st.text(max_size=40))
def test_basic_round_trips_any_unicode(client_id: str, secret: str) -> None:
    client_id = client_id.encode("utf-8", "replace").decode("utf-8")
    secret = secret.encode("utf-8", "replace").decode("utf-8")
    header = encode_basic_credentials(client_id, secret)
    scheme, _, token = header.partition(" ")
    assert scheme == "Basic"
    assert decode_basic_credentials(token) == (client_id, secret)


@PROPS
@given(st.lists(st.tuples(st.text(max_size=15), st.text(max_size=15)), max_size=6))
def test_form_round_trips(pairs: list[tuple[str, str]]) -> None:
    pairs = [(k.encode("utf-8", "replace").decode(), v.encode("utf-8", "replace").decode())
             for k, v in pairs]
    decoded = parse_form(encode_form(pairs))
    assert decoded == pairs


scope_tokens = st.text(
    st.characters(codec="ascii", min_codepoint=0x21, max_codepoint=0x7E,
                  exclude_characters='"\\'),
    min_size=1, max_size=12,
)


@PROPS
@given(st.lists(scope_tokens, min_size=1, max_size=8, unique=True))
def test_valid_scope_sets_round_trip(tokens: list[str]) -> None:
    text = scope_to_string(tokens)
    assert parse_scope(text) == tokens
    assert set(parse_scope(" ".join(tokens + tokens))) == set(tokens)


@PROPS
@given(st.text(max_size=20))
def test_scope_parser_accepts_only_the_grammar(text: str) -> None:
    try:
        tokens = parse_scope(text)
    except ScopeSyntaxError:
        return
    assert tokens and " ".join(tokens) == " ".join(dict.fromkeys(text.split(" ")))
    assert all(t and all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in t) for t in tokens)


def test_scope_to_string_rejects_bad_tokens() -> None:
    with pytest.raises(ScopeSyntaxError):
        scope_to_string(["ok", "not ok"])
    with pytest.raises(ScopeSyntaxError):
        parse_scope(None)  # type: ignore[arg-type]
