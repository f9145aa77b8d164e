"""Render an HTML report in headless Chromium: ``--dump-dom`` text or a PNG screenshot.

    python scripts/report_screenshot.py REPORT.html OUT.png   # screenshot (docs/img/report.png)

Used by tests/reports/test_browser.py; the browser comes from scripts/ensure-chromium.sh.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def ensure_chromium() -> tuple[str | None, str]:
    """(path, "") or (None, reason)."""
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "ensure-chromium.sh")],  # noqa: S603,S607
                          capture_output=True, text=True, check=False, timeout=900)
    if proc.returncode != 0:
        return None, proc.stderr.strip() or "ensure-chromium.sh failed"
    return proc.stdout.strip().splitlines()[-1], ""


def chromium(browser: str, args: list[str], report: Path) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(  # noqa: S603
            [browser, *FLAGS, f"--user-data-dir={profile}", *args, report.resolve().as_uri()],
            capture_output=True, text=True, check=False, timeout=120)


def dump_dom(browser: str, report: Path) -> str:
    return chromium(browser, ["--dump-dom"], report).stdout


def screenshot(browser: str, report: Path, out: Path, size: str = "1280,1500") -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    chromium(browser, [f"--screenshot={out.resolve()}", f"--window-size={size}"], report)


if __name__ == "__main__":
    path, why = ensure_chromium()
    if path is None:
        sys.exit(f"no chromium: {why}")
    screenshot(path, Path(sys.argv[1]), Path(sys.argv[2]))
    print(sys.argv[2])
