"""Report writers. Every run with a target writes, under the report folder (``reports/`` by
default; ``--report-dir`` / ``--cc-report-dir``):

- ``report.html`` -- the self-contained HTML conformance report (:mod:`.html`)
- ``results.json`` -- the versioned JSON results (``conformance/results_schema.json``)
- ``junit.xml`` -- JUnit XML, one test case per requirement ID (:mod:`.junit`)
- ``allure-results/`` -- when allure-pytest is active (``--alluredir``; :mod:`.allure`)
- ``SHA256SUMS`` -- SHA-256 of every file above that this run wrote (:mod:`.manifest`)

All of them are rendered from one redacted, typed document (:func:`.document.build_document`,
a :class:`conformance.resultdoc.ResultsDocument`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.reports.document import build_document
from conformance.reports.html import render_html
from conformance.reports.junit import render_junit
from conformance.reports.manifest import MANIFEST, write_manifest
from conformance.results import RunResults

DEFAULT_REPORT_DIR = "reports"
REPORT_DIR_ENV = "CC_REPORT_DIR"  # overrides the default folder (the project's tests set it)


def default_report_dir() -> str:
    return os.environ.get(REPORT_DIR_ENV) or DEFAULT_REPORT_DIR
HTML, JSON, JUNIT, ALLURE = "report.html", "results.json", "junit.xml", "allure-results"


def _snapshot(folder: Path | None) -> dict[Path, tuple[int, int]]:
    if folder is None or not folder.is_dir():
        return {}
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


@dataclass(slots=True)
class ReportSet:
    """What one run wrote, for the console summary."""

    report_dir: Path | None
    files: list[Path] = field(default_factory=list)
    html: Path | None = None
    manifest: Path | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class ReportWriter:
    """Created when the run starts (to tell this run's Allure files from older ones) and asked
    to write everything when it ends."""

    report_dir: Path | None
    json_path: Path | None = None
    allure_dir: Path | None = None
    _before: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._before = _snapshot(self.allure_dir)

    def write(self, results: RunResults, redactor: Redactor,
              profile: Profile | None) -> ReportSet:
        t0 = time.perf_counter()
        out = ReportSet(self.report_dir)
        doc = build_document(results, redactor, profile)
        text = doc.to_json()
        if self.json_path is not None:
            self.json_path.parent.mkdir(parents=True, exist_ok=True)
            self.json_path.write_text(text, encoding="utf-8")
            out.files.append(self.json_path)
        if self.report_dir is not None:
            d = self.report_dir
            d.mkdir(parents=True, exist_ok=True)
            (d / JSON).write_text(text, encoding="utf-8")
            (d / HTML).write_text(render_html(doc), encoding="utf-8")
            (d / JUNIT).write_bytes(render_junit(doc))
            out.files += [d / HTML, d / JSON, d / JUNIT]
            out.html = d / HTML
            if self.allure_dir is not None:
                out.files += sorted(p for p, st in _snapshot(self.allure_dir).items()
                                    if self._before.get(p) != st)
            out.manifest = write_manifest(d, out.files)
            out.files.append(out.manifest)
        out.seconds = time.perf_counter() - t0
        return out


__all__ = ["ALLURE", "DEFAULT_REPORT_DIR", "HTML", "JSON", "JUNIT", "MANIFEST", "REPORT_DIR_ENV",
           "ReportSet", "ReportWriter", "default_report_dir"]
