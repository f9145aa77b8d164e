"""Fixtures of the machinery tests: the suite's engine (harness, checks, profile, requests,
exchanges, catalogue, runner), tested here; the conformance checks themselves live in
conformance/suite/."""

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
