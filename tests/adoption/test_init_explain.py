"""``cc-conformance init`` and ``cc-conformance explain ID``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.cli import main
from conformance.explain import suite_tests
from conformance.profile import ProfileError, load_profile, parse_profile
from conformance.templates import profile_template
from tests.demo import ROOT


def test_init_writes_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ci" / "my-profile.toml"
    assert main(["init", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == profile_template()
    assert f"--profile {out}" in capsys.readouterr().out


def test_init_refuses_to_overwrite_without_force(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cc-profile.toml"
    out.write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "# mine\n"
    assert main(["init", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == profile_template()


def test_template_is_the_examples_copy_and_a_valid_profile() -> None:
    """One source: the packaged template and examples/profile-template.toml are identical, and
    the template is a profile the suite accepts once its secret variable is set."""
    text = profile_template()
    assert (ROOT / "examples" / "profile-template.toml").read_text(encoding="utf-8") == text
    prof = parse_profile(tomllib.loads(text), environ={"CC_CLIENT_SECRET": "s3cret"})
    assert prof.url == "https://as.example.com/oauth2/token"
    assert prof.confidential.client_id == "my-client"
    assert prof.confidential.secret_env == "CC_CLIENT_SECRET"
    # The secret comes only from the environment: without it the error names the variable.
    with pytest.raises(ProfileError, match="CC_CLIENT_SECRET"):
        parse_profile(tomllib.loads(text), environ={})


def test_template_documents_every_target_field() -> None:
    from conformance.profile import _TARGET

    text = profile_template()
    for key in sorted(_TARGET):
        assert f"{key} =" in text, key


def test_target_name_is_validated(tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text('[target]\nname = "eu west/1"\nurl = "https://as.example/token"\n'
                 '[clients.confidential]\nclient_id = "c"\nsecret_env = "S"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"target\.name"):
        load_profile(p, environ={"S": "x"})


def test_explain_known_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "RFC6749-5.1-pragma"]) == 0
    out = capsys.readouterr().out
    req = load_catalogue()["RFC6749-5.1-pragma"]
    flat = " ".join(out.split())
    assert req.statement in flat and req.why in flat and req.url in out
    # how the suite checks it: the tagged test and its docstring
    assert "conformance/suite/rfc6749/test_5_1_successful_response.py::" \
           "test_successful_response" in out
    assert "Pragma: no-cache" in flat
    assert "--requirement RFC6749-5.1-pragma" in out


def test_explain_unknown_requirement_suggests_close_ids(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "RFC6749-5.1-pragmaa"]) == 2
    err = capsys.readouterr().err
    assert "unknown requirement 'RFC6749-5.1-pragmaa'" in err
    assert "did you mean: RFC6749-5.1-pragma" in err


def test_every_tagged_test_is_found_by_explain() -> None:
    """explain reads the suite's source: every marker ID it finds is in the catalogue, and the
    tests it finds are the ones pytest collects (same count of test functions)."""
    cat = load_catalogue()
    found = suite_tests()
    assert found
    assert {rid for t in found for rid in t.requirements} <= set(cat.requirements)
    files = sorted((ROOT / "conformance" / "suite").rglob("test_*.py"))
    defs = sum(text.count("\ndef test_") + text.count("\nasync def test_")
               + text.count("    def test_")
               for text in (f.read_text(encoding="utf-8") for f in files))
    assert len(found) == defs


def test_init_reference_writes_the_packaged_reference_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The reference's profile ships in the package (a CI job needs no checkout) and is the
    examples/reference.toml the project's own tests use (tests.demo.REFERENCE_PROFILE)."""
    from conformance.templates import reference_profile
    from tests.demo import DEMO_ENV, REFERENCE_PROFILE

    assert REFERENCE_PROFILE.read_text(encoding="utf-8") == reference_profile()
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--reference"]) == 0
    written = tmp_path / "cc-reference.toml"
    assert written.read_text(encoding="utf-8") == reference_profile()
    out = capsys.readouterr().out
    assert "CC_DEMO_CLIENT_SECRET" in out and "--profile cc-reference.toml" in out
    for secret in DEMO_ENV.values():
        assert secret not in out
    assert load_profile(written, environ=DEMO_ENV).app == "reference_impl.asgi:app"


def test_init_reference_with_url(tmp_path: Path) -> None:
    from tests.demo import DEMO_ENV

    out = tmp_path / "ref.toml"
    url = 'http://127.0.0.1:8123/to"ken'
    assert main(["init", "--reference", str(out), "--url", url]) == 0
    prof = load_profile(out, environ=DEMO_ENV)
    assert prof.url == url and prof.app is None
    assert prof.confidential.client_id == "cc-demo-client"


@pytest.mark.parametrize("argv", [["--url", "http://127.0.0.1:1/token"],
                                  ["--reference", "--url", "ftp://x/token"],
                                  ["--reference", "--url", "http://a b/token"]])
def test_init_url_errors_are_usage_errors(tmp_path: Path, argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.toml"
    assert main(["init", str(out), *argv]) == 2
    assert not out.exists()
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
