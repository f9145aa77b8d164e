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
