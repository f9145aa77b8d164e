"""The grant target itself: factory contract and its errors (exit 2), API detection without
importing oauthlib, the oauthlib shim (request conversion, worker thread), the profile key and
the example validator's HTTP Basic decoding."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from urllib.parse import quote_plus

import pytest

from conformance.profile import ProfileError, load_profile, parse_profile
from conformance.runner import RunError, run_suite
from conformance.targets import TargetConfigError, TargetSpec, make_target
from conformance.targets.grant import (
    GrantTarget,
    OAuthlibGrantShim,
    SyncSeedGrantShim,
    build_host,
    is_oauthlib_grant,
    load_grant,
    to_oauthlib_request,
)
from examples.grants.oauthlib_grant import DEMO_CLIENTS, DemoRequestValidator, basic_credentials
from reference_impl.endpoint import TokenEndpoint
from reference_impl.tokens import BearerToken as ReferenceBearerToken
from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT

from . import factories
from .conftest import OAUTHLIB_GRANT, REFERENCE_GRANT

SPECIAL_ID, SPECIAL_SECRET = "cc:special client/ü", DEMO_ENV["CC_SPECIAL_CLIENT_SECRET"]
FORM = ("Content-Type", "application/x-www-form-urlencoded")


def basic(client_id: str, secret: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: form-urlencode both parts, then RFC 7617 Basic."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return ("Authorization", "Basic " + base64.b64encode(raw).decode("ascii"))


# ------------------------------------------------------------------ factory contract
@pytest.mark.parametrize(("ref", "message"), [
    ("tests.grant.factories:not_a_grant",
     "returned object, which has no create_token_response(request, token_handler)"),
    ("tests.grant.factories:raises", "raised RuntimeError: factory exploded"),
    ("tests.grant.factories:triple", "returned a tuple of 3"),
    ("tests.grant.factories:bad_handler", "token handler object has no create_token"),
    ("tests.grant.factories:NOT_A_FACTORY", "is not callable"),
    ("tests.grant.factories:missing", "has no attribute 'missing'"),
    ("no_such_module_cc:make", "cannot import 'no_such_module_cc'"),
    ("no-colon", "expected module:attr"),
])
def test_unusable_factory_is_a_config_error(ref: str, message: str) -> None:
    with pytest.raises(TargetConfigError, match="^.*" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        load_grant(ref)


def test_factory_forms_and_detected_api() -> None:
    grant, handler, api = load_grant(REFERENCE_GRANT)
    assert api == "seed" and isinstance(handler, ReferenceBearerToken)
    grant, handler, api = load_grant(OAUTHLIB_GRANT)
    assert api == "oauthlib" and handler is None
    assert is_oauthlib_grant(grant)
    # a factory object works too (programmatic use)
    assert load_grant(factories.sync_seed_grant)[2] == "seed"


def test_oauthlib_grant_default_handler_is_oauthlibs_bearer_token() -> None:
    grant, handler, api = load_grant(OAUTHLIB_GRANT)
    endpoint = build_host(grant, handler, api)
    from oauthlib.oauth2 import BearerToken

    assert isinstance(endpoint.grant, OAuthlibGrantShim)
    assert isinstance(endpoint.token_handler, BearerToken)
    assert endpoint.token_handler.request_validator is grant.request_validator


async def test_make_target_kind_grant_and_location_names_the_host() -> None:
    target = make_target(TargetSpec("grant", REFERENCE_GRANT), timeout=5)
    try:
        assert isinstance(target, GrantTarget)
        assert target.kind == "grant" and target.api == "seed"
        assert target.location.startswith(REFERENCE_GRANT)
        assert "transport rules enforced by the host" in target.location
    finally:
        await target.aclose()


def test_detection_does_not_need_oauthlib() -> None:
    """With oauthlib made unimportable, a seed grant still loads (oauthlib is a dev
    dependency, not a core one) and nothing tried to import it."""
    code = (
        "import sys; sys.modules['oauthlib'] = None\n"
        "from conformance.targets.grant import load_grant, build_host\n"
        f"g, h, api = load_grant({REFERENCE_GRANT!r})\n"
        "build_host(g, h, api)\n"
        "assert api == 'seed' and sys.modules['oauthlib'] is None\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,  # noqa: S603
                          text=True, check=False, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_cli_bad_factory_exits_2_with_a_clear_message() -> None:
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "conformance", "run", "--grant",
         "tests.grant.factories:not_a_grant", "--profile", str(REFERENCE_PROFILE)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, **DEMO_ENV})
    assert proc.returncode == 2
    assert "has no create_token_response" in proc.stdout + proc.stderr


def test_runner_bad_factory_raises_run_error_2() -> None:
    with pytest.raises(RunError) as info:
        run_suite(TargetSpec("grant", "tests.grant.factories:raises"), REFERENCE_PROFILE,
                  environ=DEMO_ENV, select_requirements=["RFC6749-5.1-access-token"])
    assert info.value.exit_status == 2


# ------------------------------------------------------------------ the oauthlib shim
def test_oauthlib_request_carries_uri_method_headers_and_form() -> None:
    host = TokenEndpoint(object(), None)
    body = (b"grant_type=client_credentials&scope=read+write&x_extra=%C3%BC%2B")
    auth = basic(SPECIAL_ID, SPECIAL_SECRET)
    req = host.build_request("POST", "/token?foo=bar", [FORM, auth], body)
    oreq = to_oauthlib_request(req)
    assert oreq.uri == "/token?foo=bar" and oreq.http_method == "POST"
    assert oreq.headers["authorization"] == auth[1]  # passed through, case-insensitive
    assert oreq.headers["Content-Type"] == FORM[1]
    assert isinstance(oreq.body, str)
    assert oreq.grant_type == "client_credentials" and oreq.scope == "read write"
    assert oreq.x_extra == "ü+"
    assert oreq.foo == "bar"  # oauthlib reads the query too, as in a real deployment
    assert oreq.client_id is None  # Basic credentials are for the validator to decode


async def test_oauthlib_grant_runs_in_a_worker_thread_and_issues_a_token() -> None:
    grant, handler, api = load_grant("tests.grant.factories:recording_oauthlib_grant")
    endpoint = build_host(grant, handler, api)
    headers, body, status = await endpoint.create_token_response(
        "POST", "/token", [FORM, basic(SPECIAL_ID, SPECIAL_SECRET)],
        b"grant_type=client_credentials&scope=write")
    assert status == 200, body
    token = json.loads(body)
    assert token["token_type"] == "Bearer" and token["scope"] == "write"
    assert "refresh_token" not in token
    assert headers["Cache-Control"] == "no-store"
    threads = grant.request_validator.threads
    assert len(threads) == 1 and threads[0] != threading.get_ident()


async def test_sync_seed_grant_runs_in_a_worker_thread() -> None:
    grant, handler, api = load_grant("tests.grant.factories:sync_seed_grant")
    endpoint = build_host(grant, handler, api)
    assert isinstance(endpoint.grant, SyncSeedGrantShim)
    result = await endpoint.create_token_response(
        "POST", "/token", [FORM], b"grant_type=client_credentials")
    assert result == ({"Content-Type": "application/json"}, '{"error": "invalid_request"}', 400)
    (thread, request, token_handler), = grant.calls
    assert thread != threading.get_ident()
    assert request.grant_type == "client_credentials"  # the reference's Request, unchanged
    assert isinstance(token_handler, ReferenceBearerToken)


async def test_async_oauthlib_fork_is_awaited_on_the_loop() -> None:
    """aoauthlib (the seed's own API) installs under the name oauthlib but its grant is async:
    the shim awaits it instead of running it in a thread (where its coroutine was never
    awaited and every request became a 500)."""

    class AsyncForkGrant:
        def __init__(self) -> None:
            self.calls: list[tuple[int, object]] = []

        async def create_token_response(self, request: object,
                                        token_handler: object) -> tuple[dict[str, str], str, int]:
            self.calls.append((threading.get_ident(), request))
            return {"Content-Type": "application/json"}, '{"error": "invalid_client"}', 401

    AsyncForkGrant.__module__ = "oauthlib.oauth2.rfc6749.grant_types.client_credentials"
    grant = AsyncForkGrant()
    endpoint = build_host(grant, object(), "oauthlib")
    assert isinstance(endpoint.grant, OAuthlibGrantShim)
    result = await endpoint.create_token_response(
        "POST", "/token", [FORM], b"grant_type=client_credentials")
    assert result[2] == 401
    (thread, oreq), = grant.calls
    assert thread == threading.get_ident()  # awaited on the event loop
    assert type(oreq).__module__.startswith("oauthlib")  # the oauthlib request, as for oauthlib


def test_reprs_never_show_secrets() -> None:
    grant, _, _ = load_grant(OAUTHLIB_GRANT)
    shown = repr(OAuthlibGrantShim(grant)) + repr(grant.request_validator) + repr(DEMO_CLIENTS)
    for secret in DEMO_ENV.values():
        assert secret not in shown


# ------------------------------------------------------------------ the example validator
def test_basic_credentials_are_form_urldecoded() -> None:
    assert basic_credentials(basic(SPECIAL_ID, SPECIAL_SECRET)[1]) == (SPECIAL_ID, SPECIAL_SECRET)
    assert basic_credentials("Basic !!!") is None
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("Basic " + base64.b64encode(b"no-colon").decode()) is None


def test_demo_validator_refuses_public_unknown_and_wrong_secret() -> None:
    from oauthlib.common import Request

    v = DemoRequestValidator()

    def auth(*headers: tuple[str, str], body: str = "") -> bool:
        return v.authenticate_client(Request("/token", "POST", body, dict(headers)))

    assert auth(basic("cc-demo-client", DEMO_ENV["CC_DEMO_CLIENT_SECRET"]))
    assert auth(body="client_id=cc-demo-client&client_secret="
                + quote_plus(DEMO_ENV["CC_DEMO_CLIENT_SECRET"]))
    assert not auth(basic("cc-demo-client", "wrong"))
    assert not auth(basic("cc-public-client", ""))
    assert not auth(body="client_id=cc-public-client")
    assert not auth(basic("nobody", "x"))


# ------------------------------------------------------------------ profile
def test_profile_target_grant_key_and_overrides() -> None:
    base = {"clients": {"confidential": {"client_id": "c", "secret_env": "S"}}}
    env = {"S": "s3cret-value"}
    p = parse_profile({**base, "target": {"grant": "pkg.mod:make"}}, environ=env)
    assert p.grant == "pkg.mod:make" and p.app is None and p.url is None
    with pytest.raises(ProfileError, match="target"):
        parse_profile({**base, "target": {"grant": "pkg.mod:make", "app": "a:b"}}, environ=env)
    with pytest.raises(ProfileError, match=r"target\.grant"):
        parse_profile({**base, "target": {"grant": "no_colon"}}, environ=env)
    # a --grant on the command line replaces the file's app target
    q = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV, overrides={"grant": OAUTHLIB_GRANT})
    assert q.grant == OAUTHLIB_GRANT and q.app is None
    assert "s3cret-value" not in repr(p)
