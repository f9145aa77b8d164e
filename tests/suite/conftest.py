"""Shared fixtures for the project's tests of the suite (not the suite itself)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.demo import DEMO_ENV


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    yield dict(os.environ)
