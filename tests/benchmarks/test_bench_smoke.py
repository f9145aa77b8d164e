"""``make bench`` end to end in --quick mode (tiny counts): it runs, writes the three tables,
and never fails for a peer library that is missing. No timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import peers, run
from interop.servers import ServerSpec

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("## 1. In-process cost", "## 2. HTTP throughput", "## 3. The suite itself",
          "## Targets", "## Machine and versions")


def _check_page(text: str) -> None:
    for heading in TABLES:
        assert heading in text
    assert "| reference_impl |" in text
    assert "Quick smoke run" in text
    assert "cc-demo-secret" not in text


def test_quick_bench_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out)], cwd=ROOT,
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    _check_page(text)
    for peer in peers.PEERS:
        assert f"| {peer.label} |" in text


def test_missing_peers_are_skipped_not_failed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ServerSpec, "available", lambda self: self.name == "reference")
    monkeypatch.chdir(ROOT)
    out = tmp_path / "benchmarks.md"
    assert run.main(["--quick", "--out", str(out), "--generator", "raw"]) == 0
    text = out.read_text(encoding="utf-8")
    _check_page(text)
    assert text.count("not installed: skipped") == 2 * (len(peers.PEERS) - 1)
    assert "not installed, skipped" in text
    assert "python-raw-asyncio" in text
