"""Shared fixtures for the project's tests of the suite (not the suite itself)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
}


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    yield dict(os.environ)
