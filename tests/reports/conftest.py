"""One CLI run against a deliberately broken target (the reference without Cache-Control, which
also logs every access token it issues), shared by the report tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT

CLIENT_IDS = {"CC_DEMO_CLIENT_SECRET": "cc-demo-client",
              "CC_SPECIAL_CLIENT_SECRET": "cc:special client/ü",
              "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-client",
              "CC_JWT_SECRET_CLIENT_SECRET": "cc-jwt-secret-client"}

TARGET = "tests.reports.targets:recorded"
FAILING = "RFC6749-5.1-no-store"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    report_dir: Path
    tokens: list[str]


@pytest.fixture(scope="session")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("report-run")
    report_dir = tmp / "reports"
    token_log = tmp / "tokens.txt"
    env = {**os.environ, **DEMO_ENV, "CC_TEST_TOKEN_LOG": str(token_log)}
    proc = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "conformance", "run", "--app", TARGET, "--profile",
         str(REFERENCE_PROFILE), "--seed", "7", "--examples", "5",
         "--report-dir", str(report_dir)],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=ROOT)
    tokens = token_log.read_text(encoding="utf-8").split() if token_log.exists() else []
    return Run(proc.returncode, proc.stdout, proc.stderr, report_dir, tokens)
