"""Client registry: TOML loading, secret hashing, constant-time verification and caching."""

from __future__ import annotations

import pytest

from reference_impl import registry as reg
from reference_impl.common import Request
from reference_impl.registry import ClientRegistry, RegistryError, demo_registry
from reference_impl.registry_validator import RegistryRequestValidator

from .conftest import DEMO_ID, DEMO_SECRET, PUBLIC_ID, SPECIAL_ID, SPECIAL_SECRET, fast_hash


def test_demo_registry_matches_design() -> None:
    registry = demo_registry()
    assert registry.known_scopes == {"read", "write", "admin"}
    assert registry.token_lifetime == 3600
    demo = registry.clients[DEMO_ID]
    assert demo.confidential and demo.scopes == ("read", "write")
    assert demo.default_scopes == ("read",) and demo.grant_types == ("client_credentials",)
    assert not registry.clients[PUBLIC_ID].confidential
    assert registry.clients["cc-code-only-client"].grant_types == ("authorization_code",)
    assert registry.authenticate(DEMO_ID, DEMO_SECRET) is demo
    assert registry.authenticate(SPECIAL_ID, SPECIAL_SECRET) is registry.clients[SPECIAL_ID]
    assert registry.authenticate("cc-code-only-client", "cc-code-only-secret") is not None
    assert registry.authenticate(DEMO_ID, DEMO_SECRET + "x") is None


def test_hash_and_verify_round_trip() -> None:
    stored = reg.hash_secret("s3cret ü")
    assert stored.startswith("scrypt$16384$8$1$")
    assert reg.verify_secret("s3cret ü", stored)
    assert not reg.verify_secret("s3cret u", stored)
    assert reg.verify_secret("x", fast_hash("x")) and not reg.verify_secret("y", fast_hash("x"))


@pytest.mark.parametrize(
    "stored", ["md5$abc", "scrypt$1$2$3$!!$!!", "pbkdf2_sha256$x$YQ==$YQ==", "scrypt$a$b"]
)
def test_malformed_hashes_rejected(stored: str) -> None:
    with pytest.raises(RegistryError):
        reg.verify_secret("x", stored)


def test_secrets_never_in_repr() -> None:
    registry = demo_registry()
    text = repr(registry) + repr(registry.clients[DEMO_ID])
    assert "scrypt" not in text and DEMO_SECRET not in text
    assert "RegistryRequestValidator" in repr(RegistryRequestValidator(registry))


def test_successful_verification_is_cached_failures_are_not(
    fast_registry: ClientRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = reg.verify_secret
    monkeypatch.setattr(reg, "verify_secret", lambda s, h: calls.append(h) or real(s, h))
    assert fast_registry.authenticate(DEMO_ID, DEMO_SECRET) is not None
    assert fast_registry.authenticate(DEMO_ID, DEMO_SECRET) is not None
    assert len(calls) == 1
    assert fast_registry.authenticate(DEMO_ID, "bad") is None
    assert fast_registry.authenticate(DEMO_ID, "bad") is None
    assert len(calls) == 3
    # Unknown, public and secret-less clients still pay one (dummy) verification each.
    for cid, secret in [("ghost", "x"), (PUBLIC_ID, "x"), (DEMO_ID, None), (None, "x")]:
        assert fast_registry.authenticate(cid, secret) is None
    assert len(calls) == 7


def test_cache_is_bounded(fast_registry: ClientRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reg, "CACHE_SIZE", 1)
    assert fast_registry.authenticate(DEMO_ID, DEMO_SECRET)
    assert fast_registry.authenticate(SPECIAL_ID, SPECIAL_SECRET)
    assert len(fast_registry._cache) == 1


GOOD = """
[server]
token_lifetime = 60
realm = "r"

[[clients]]
client_id = "a"
secret_hash = "{h}"
scopes = ["read"]
default_scopes = ["read"]

[[clients]]
client_id = "p"
type = "public"
"""


def test_from_toml_and_file(tmp_path) -> None:
    text = GOOD.format(h=fast_hash("s"))
    path = tmp_path / "clients.toml"
    path.write_text(text, encoding="utf-8")
    registry = ClientRegistry.from_file(path)
    assert registry.token_lifetime == 60 and registry.realm == "r"
    assert registry.known_scopes == {"read"}  # default: union of client scopes
    assert registry.clients["a"].grant_types == ("client_credentials",)
    assert registry.authenticate("a", "s") is registry.clients["a"]


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        "server = 1",
        "clients = 1",
        "clients = [1]",
        "[[clients]]\nclient_id = ''",
        "[[clients]]\nclient_id = 'a'\ntype = 'other'",
        "[[clients]]\nclient_id = 'a'",
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\nsecret_hash = 'x'",
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\nscopes = 'read'",
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\nscopes = ['bad scope']",
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\nscopes = ['a']\ndefault_scopes = ['b']",
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\n"
        "[[clients]]\nclient_id = 'a'\ntype = 'public'",
        "[server]\nknown_scopes = ['a b']",
        "[server]\ntoken_lifetime = 0",
        "[server]\ntoken_lifetime = true",
        "[server]\nrealm = 1",
        "[server]\nknown_scopes = ['a']\n"
        "[[clients]]\nclient_id = 'a'\ntype = 'public'\nscopes = ['b']",
    ],
)
def test_malformed_registry_rejected(text: str) -> None:
    with pytest.raises(RegistryError):
        ClientRegistry.from_toml(text)


async def test_registry_validator_hooks(fast_registry: ClientRegistry) -> None:
    validator = RegistryRequestValidator(fast_registry)
    request = Request("/token")
    request.client_id = "ghost"
    assert await validator.client_authentication_required(request)
    assert await validator.get_default_scopes("ghost", request) == []
    assert not await validator.validate_grant_type("ghost", "client_credentials", None, request)
    assert not await validator.validate_scopes("ghost", ["read"], None, request)
    request.client_id = PUBLIC_ID
    assert not await validator.client_authentication_required(request)
    demo = fast_registry.clients[DEMO_ID]
    assert not await validator.validate_scopes(DEMO_ID, ["admin"], demo, request)
    assert await validator.validate_scopes(DEMO_ID, ["write", "read"], demo, request)
    request.client_id, request.scopes = DEMO_ID, ["read"]
    await validator.save_token({"access_token": "tok", "expires_in": 10}, request)
    record = validator.lookup_token("tok")
    assert record is not None and record.client_id == DEMO_ID and record.scopes == ("read",)
    assert validator.lookup_token("other") is None
    await validator.save_token({"access_token": "old", "expires_in": -1}, request)
    assert validator.lookup_token("old") is None


async def test_token_store_is_bounded(
    fast_registry: ClientRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reference_impl.registry_validator as val

    monkeypatch.setattr(val, "TOKEN_STORE_SIZE", 2)
    validator = RegistryRequestValidator(fast_registry)
    request = Request("/token")
    for name in ["a", "b", "c"]:
        await validator.save_token({"access_token": name, "expires_in": 10}, request)
    assert validator.lookup_token("a") is None and validator.lookup_token("c") is not None


def test_cache_keys_do_not_collide_across_the_id_secret_boundary(
        fast_registry: ClientRegistry) -> None:
    """('a', 'b\\x00c') and ('a\\x00b', 'c') are different credentials and must not share a
    cache or verification key."""
    key = fast_registry._cache_id
    assert key("a", "b\x00c", "h") != key("a\x00b", "c", "h")
    assert (fast_registry.verification_key("a", "b\x00c")
            != fast_registry.verification_key("a\x00b", "c"))
