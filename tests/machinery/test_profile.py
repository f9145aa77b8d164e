"""Target profiles: required fields, clear errors naming the field, secrets never in repr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.profile import ProfileError, load_profile, parse_profile
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

GOOD = {"target": {"url": "https://as.example/token"},
        "clients": {"confidential": {"client_id": "c1", "secret_env": "S1"}}}


def test_reference_profile_loads(demo_env: dict[str, str]) -> None:
    p = load_profile(REFERENCE_PROFILE)
    assert p.app == "reference_impl.asgi:app"
    assert p.confidential.secret == DEMO_ENV["CC_DEMO_CLIENT_SECRET"]
    assert p.client("public") is not None and p.client("public").secret is None  # type: ignore[union-attr]
    assert p.scopes.default == ("read",)
    for obj in (p, p.confidential, p.client("needs_encoding")):
        for secret in DEMO_ENV.values():
            assert secret not in repr(obj) and secret not in str(obj)


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["clients"].pop("confidential"), "clients.confidential"),
    (lambda d: d["clients"]["confidential"].pop("secret_env"), "clients.confidential.secret_env"),
    (lambda d: d["clients"]["confidential"].update(secret_env="NOPE"),
     "clients.confidential.secret_env"),
    (lambda d: d["target"].update(url="ftp://x"), "target.url"),
    (lambda d: d.update(spec="oauth3"), "spec"),
    (lambda d: d["target"].update(tiemout=3), "target.tiemout"),
    (lambda d: d.update(scopes={"allowed": ["a b"]}), "scopes.allowed"),
    (lambda d: d.update(server={"auth_methods": ["client_secret_jwt"]}), "server.auth_methods"),
    (lambda d: d.update(scopes={"omitted_policy": "default"}), "scopes.default"),
])
def test_bad_profile_names_the_field(mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    import copy

    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ProfileError) as info:
        parse_profile(data, environ={"S1": "secret-value"})
    assert info.value.field == field
    assert field in str(info.value)


def test_good_profile_parses() -> None:
    p = parse_profile(GOOD, environ={"S1": "secret-value"})
    assert p.url == "https://as.example/token" and p.auth_methods == ("client_secret_basic",)


def test_cli_bad_profile_exits_2_naming_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[target]\napp = "reference_impl.asgi:app"\n[clients.confidential]\n'
                   'client_id = "x"\n')
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", str(bad)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "clients.confidential.secret_env" in proc.stderr


def _jwt_profile(tmp_path: Path, client: dict[str, object], *,
                 methods: tuple[str, ...] = ("client_secret_basic", "private_key_jwt")
                 ) -> dict[str, object]:
    data: dict[str, object] = {"target": {"url": "https://as.example/token"},
                               "clients": {"confidential": {"client_id": "c1",
                                                            "secret_env": "S1"},
                                           "private_key_jwt": client},
                               "server": {"auth_methods": list(methods)}}
    return data


@pytest.mark.parametrize(("client", "field", "message"), [
    ({"client_id": "k"}, "clients.private_key_jwt.private_key_file", "is required"),
    ({"client_id": "k", "private_key_file": "nope.pem"}, "clients.private_key_jwt.private_key_file",
     "cannot read"),
    ({"client_id": "k", "private_key_file": "pub.pem"}, "clients.private_key_jwt.private_key_file",
     "not a usable private key"),
    ({"client_id": "k", "private_key_file": "key.pem", "alg": "HS256"},
     "clients.private_key_jwt.private_key_file", "not an asymmetric"),
    ({"client_id": "k", "private_key_file": "key.pem", "private_key_passphrase_env": "NOPE"},
     "clients.private_key_jwt.private_key_passphrase_env", "not set"),
])
def test_jwt_client_errors_name_the_field(tmp_path: Path, client: dict[str, object],
                                          field: str, message: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (tmp_path / "pub.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(ProfileError) as info:
        parse_profile(_jwt_profile(tmp_path, client), source=str(tmp_path / "p.toml"),
                      environ={"S1": "x"})
    assert info.value.field == field and message in str(info.value)


def test_jwt_method_needs_its_client(tmp_path: Path) -> None:
    data = _jwt_profile(tmp_path, {"client_id": "k"},
                        methods=("client_secret_basic", "client_secret_jwt"))
    data["clients"].pop("private_key_jwt")  # type: ignore[attr-defined]
    with pytest.raises(ProfileError, match=r"client_secret_jwt is listed but the profile has "
                                           r"no \[clients.client_secret_jwt\]"):
        parse_profile(data, source=str(tmp_path / "p.toml"), environ={"S1": "x"})


def test_jwt_key_never_in_repr(tmp_path: Path) -> None:
    from tests.demo import DEMO_JWT_KEY, JWT_PROFILE, ensure_demo_jwt_key

    ensure_demo_jwt_key()
    p = load_profile(JWT_PROFILE, environ=DEMO_ENV)
    client = p.client("private_key_jwt")
    assert client is not None and client.signing_key is not None
    shown = repr(p) + repr(client) + str(client) + repr(client.signing_key)
    body = [ln for ln in DEMO_JWT_KEY.read_text().splitlines() if not ln.startswith("-----")]
    assert not any(line in shown for line in body)
    assert DEMO_ENV["CC_JWT_SECRET_CLIENT_SECRET"] not in repr(p.client("client_secret_jwt"))
