"""The HTML report of a run against a broken target, rendered by a real browser (headless
Chromium from Debian, installed by scripts/ensure-chromium.sh when missing). Skipped, with the
reason, where Chromium cannot be installed -- a skip, never a pass."""

from __future__ import annotations

import importlib.util
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import FAILING, Run

_spec = importlib.util.spec_from_file_location(
    "report_screenshot", Path(__file__).resolve().parents[2] / "scripts" / "report_screenshot.py")
assert _spec and _spec.loader
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)


@pytest.fixture(scope="module")
def browser() -> str:
    path, why = shots.ensure_chromium()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return str(path)


class _OpenText(HTMLParser):
    """Text a reader sees: everything except the bodies of closed <details> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("details", "style"):
            self.stack.append((tag, tag == "details" and "open" in dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("details", "style") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if all(is_open for _, is_open in self.stack):
            self.out.append(data)


def test_browser_shows_summary_and_a_failure(browser: str, broken_run: Run,
                                             tmp_path: Path) -> None:
    report = broken_run.report_dir / "report.html"
    dom = shots.dump_dom(browser, report)
    assert "<body>" in dom, "the browser rendered nothing"
    p = _OpenText()
    p.feed(dom)
    seen = re.sub(r"\s+", " ", " ".join(p.out))
    assert "OAuth 2.0 Client Credentials conformance report" in seen
    assert "FAIL" in seen and "tests.reports.targets:recorded" in seen and "Seed 7" in seen
    assert f"{FAILING} (MUST): token response may be cached" in seen
    assert "expected Cache-Control: no-store" in seen and "observed Cache-Control: None" in seen
    assert "POST http://cc-target.test/token" in seen and "$CC_DEMO_CLIENT_SECRET" in seen
    png = tmp_path / "report.png"
    shots.screenshot(browser, report, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1500)
