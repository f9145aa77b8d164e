"""Helpers of the adoption tests: profiles for the reference and a broken variant, and the CLI
run as a subprocess (``python -m conformance`` from the checkout, so ``tests.adoption.apps``
imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT

REF_APP = "reference_impl.asgi:app"
NO_PRAGMA_APP = "tests.adoption.apps:no_pragma"
PRAGMA = "RFC6749-5.1-pragma"


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    @property
    def console(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 240) -> Run:
    proc = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "conformance", *map(str, args)], cwd=ROOT,
        capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, **DEMO_ENV, **(env or {})})
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write_profile(path: Path, *, app: str, name: str | None = None) -> Path:
    """The reference profile (examples/reference.toml) pointed at ``app``, named ``name``."""
    text = REFERENCE_PROFILE.read_text(encoding="utf-8")
    target = (f'name = "{name}"\n' if name else "") + f'app = "{app}"'
    text = text.replace(f'app = "{REF_APP}"', target, 1)
    assert target in text
    path.write_text(text, encoding="utf-8")
    return path


def verdicts(doc: dict[str, object]) -> dict[str, str]:
    reqs = doc["requirements"]
    assert isinstance(reqs, list)
    return {r["id"]: r["verdict"] for r in reqs}


def load_json(path: Path) -> dict[str, object]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def ref_profile(tmp_path: Path) -> Path:
    return write_profile(tmp_path / "ref.toml", app=REF_APP, name="ref")


@pytest.fixture
def broken_profile(tmp_path: Path) -> Path:
    return write_profile(tmp_path / "nopragma.toml", app=NO_PRAGMA_APP, name="nopragma")
