"""End-to-end runs of the suite: reference passes, broken variants are caught, exit statuses,
JSON results, strict mode, secrets never printed, plugin inert without options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.results import SCHEMA, SCHEMA_VERSION, Verdict
from conformance.runner import RunError, run_suite, run_suite_subprocess
from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT

from .broken import breaking

SECRETS = list(DEMO_ENV.values())


def _app() -> object:
    from reference_impl.asgi import create_app

    return create_app()


def test_reference_passes_every_applicable_must(demo_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = run_suite(_app(), REFERENCE_PROFILE, json_path=out, examples=10, token_count=40)
    assert res.exit_status == 0, res.failed()
    musts = [r for r in res.requirements.values()
             if r.requirement.level == "MUST" and r.requirement.applies_to("rfc6749")]
    ran = [r for r in musts if r.verdict != Verdict.NOT_APPLICABLE]
    assert ran and all(r.verdict == Verdict.PASS for r in ran)
    # n/a is never counted as a pass, and only TLS is n/a in-process
    assert res.verdict("RFC6749-3.2-tls") == Verdict.NOT_APPLICABLE
    doc = json.loads(out.read_text(encoding="utf-8"))
    check_schema(doc)
    assert_every_pass_observed(doc)
    text = out.read_text(encoding="utf-8")
    for s in SECRETS:
        assert s not in text


def assert_every_pass_observed(doc: dict) -> None:  # type: ignore[type-arg]
    """No pass without an observation: every pass finding in results.json points at the
    exchanges (for TLS: the exchange whose handshake was verified) that showed it, and every
    requirement that passes has such a finding."""
    unobserved = [(f["requirement"], f["test"]) for f in doc["findings"]
                  if f["verdict"] == "pass" and not f["exchanges"]]
    assert unobserved == [], f"passes without an exchange: {unobserved}"
    by_id = {f["id"]: f for f in doc["findings"]}
    for r in doc["requirements"]:
        if r["verdict"] == "pass":
            assert any(by_id[i]["verdict"] == "pass" and by_id[i]["exchanges"]
                       for i in r["finding_ids"]), r["id"]


def check_schema(doc: dict) -> None:  # type: ignore[type-arg]
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert {"target", "spec_profile", "strict", "seed", "exit_status"} <= set(doc["run"])
    assert set(doc["summary"]["verdicts"]) == {v.value for v in Verdict}
    ids = {f["id"] for f in doc["findings"]}
    for r in doc["requirements"]:
        assert {"id", "document", "section", "level", "url", "verdict", "finding_ids"} <= set(r)
        assert r["verdict"] in {v.value for v in Verdict}
        assert set(r["finding_ids"]) <= ids
    for f in doc["findings"]:
        assert {"requirement", "verdict", "expected", "observed", "reason", "test",
                "exchanges"} <= set(f)
        for ex in f["exchanges"]:
            assert {"method", "url", "headers", "body"} <= set(ex["request"])
            assert {"status", "headers", "body"} <= set(ex["response"])
    assert doc["tests"] and all({"nodeid", "outcome"} <= set(t) for t in doc["tests"])


def test_missing_no_store_fails_without_hiding_pragma(demo_env: dict[str, str]) -> None:
    app = breaking(_app(), drop_headers=("cache-control", "pragma"))
    res = run_suite(app, REFERENCE_PROFILE, select_requirements=["RFC6749-5.1-no-store"])
    assert res.exit_status == 1
    assert res.verdict("RFC6749-5.1-no-store") == Verdict.FAIL
    assert res.verdict("RFC6749-5.1-pragma") == Verdict.FAIL  # recorded separately
    assert res.verdict("RFC6749-5.1-access-token") == Verdict.PASS
    f = next(f for f in res.findings if f.requirement == "RFC6749-5.1-no-store"
             and f.verdict == Verdict.FAIL)
    assert f.exchanges and f.exchanges[0].response.status == 200


def test_oauth21_profile_has_no_pragma_rule(demo_env: dict[str, str]) -> None:
    app = breaking(_app(), drop_headers=("pragma",))
    res = run_suite(app, REFERENCE_PROFILE, spec="oauth2.1",
                    select_requirements=["RFC6749-5.1-no-store"])
    assert res.exit_status == 0
    assert res.verdict("RFC6749-5.1-pragma") == Verdict.NOT_APPLICABLE


def test_should_is_warn_and_strict_makes_it_fail(demo_env: dict[str, str]) -> None:
    app = breaking(_app(), set_json={"refresh_token": "rt-should-not-be-here-123"})
    sel = ["RFC6749-4.4.3-no-refresh-token"]
    res = run_suite(app, REFERENCE_PROFILE, select_requirements=sel)
    assert res.verdict("RFC6749-4.4.3-no-refresh-token") == Verdict.WARN
    assert res.exit_status == 0
    strict = run_suite(app, REFERENCE_PROFILE, select_requirements=sel, strict=True)
    assert strict.verdict("RFC6749-4.4.3-no-refresh-token") == Verdict.FAIL
    assert strict.exit_status == 1


def test_string_expires_in_fails_numeric_rule(demo_env: dict[str, str]) -> None:
    app = breaking(_app(), set_json={"expires_in": "3600"})
    res = run_suite(app, REFERENCE_PROFILE, select_requirements=["RFC6749-5.1-expires-in-numeric"])
    assert res.verdict("RFC6749-5.1-expires-in-numeric") == Verdict.FAIL


def test_console_and_json_never_show_secrets_or_tokens(tmp_path: Path) -> None:
    # A failing run, so failure messages with exchanges are printed too.
    out = tmp_path / "r.json"
    code, doc, console = run_suite_subprocess(
        "tests.machinery.broken_app:app", REFERENCE_PROFILE, env=DEMO_ENV, examples=5)
    assert code == 1, console[-2000:]
    assert "RFC6749-5.1-no-store" in console
    text = console + json.dumps(doc, ensure_ascii=False)
    for s in SECRETS:
        assert s not in text
    import base64
    from urllib.parse import quote_plus

    for s in SECRETS:
        assert quote_plus(s, safe="") not in text
    assert base64.b64encode(b"cc-demo-client:" + SECRETS[0].encode()).decode() not in text
    assert doc["run"]["exit_status"] == 1
    tokens = [f for f in doc["findings"] for ex in f["exchanges"]
              if '"access_token"' in ex["response"]["body"]]
    assert tokens and all('"access_token": "[REDACTED]"' in ex["response"]["body"]
                          for f in tokens for ex in f["exchanges"]
                          if '"access_token"' in ex["response"]["body"])
    _ = out


def test_unreachable_url_exits_3(demo_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--url", "http://127.0.0.1:9/token",
         "--profile", str(REFERENCE_PROFILE), "--json", str(out)],
        capture_output=True, text=True, timeout=60, check=False, env=demo_env)
    assert proc.returncode == 3, proc.stdout[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["verdicts"]["error"] > 0 and doc["summary"]["verdicts"]["pass"] == 0


def test_list_prints_catalogue() -> None:
    proc = subprocess.run([sys.executable, "-m", "conformance", "list", "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    ids = {r["id"] for r in json.loads(proc.stdout)}
    assert "RFC6749-5.1-no-store" in ids


def test_plugin_inert_without_target_options(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_a():\n    assert 1\n")
    base = [sys.executable, "-m", "pytest", str(tmp_path), "-q", "-p", "no:cacheprovider",
            "--rootdir", str(tmp_path), "-c", str(tmp_path / "none.ini")]
    (tmp_path / "none.ini").write_text("[pytest]\n")
    on = subprocess.run([*base, "--markers"], capture_output=True, text=True, check=False)
    assert "requirement(" not in on.stdout
    fixtures = subprocess.run([*base, "--fixtures"], capture_output=True, text=True, check=False)
    assert "cc-conformance" not in fixtures.stdout and "\ncc " not in fixtures.stdout
    with_p = subprocess.run(base, capture_output=True, text=True, check=False)
    without = subprocess.run([*base, "-p", "no:cc_conformance"], capture_output=True, text=True,
                             check=False)
    assert with_p.returncode == without.returncode == 0
    assert "verdict per section" not in with_p.stdout
    assert with_p.stdout.splitlines()[-1].split(" in ")[0] == \
        without.stdout.splitlines()[-1].split(" in ")[0]


def test_suite_without_target_is_a_usage_error() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-q",
                           "-p", "no:cacheprovider"], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=120)
    assert proc.returncode == 4
    assert "needs a target" in proc.stdout + proc.stderr


@pytest.mark.parametrize("seed", [1234])
def test_seed_is_reported_and_reused(demo_env: dict[str, str], seed: int) -> None:
    res = run_suite(_app(), REFERENCE_PROFILE, seed=seed,
                    select_requirements=["RFC6749-3.2-unknown-params-ignored"], examples=5)
    assert res.seed == seed and res.exit_status == 0


def test_run_suite_refuses_plugin_options_it_would_ignore() -> None:
    """run_suite builds its options itself; a --cc-* option in extra_args would be silently
    ignored, so it is refused with a usage error instead."""
    with pytest.raises(RunError) as info:
        run_suite("reference_impl.asgi:app", REFERENCE_PROFILE, environ=DEMO_ENV,
                  extra_args=["--cc-request-timeout", "0.2"])
    assert info.value.exit_status == 2
    assert "--cc-request-timeout" in str(info.value)
