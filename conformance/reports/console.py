"""The console summary at the end of a run: the per-section verdict table, the requirements
that did not pass, expected findings, run notes, the seed and where the reports are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.results import RunResults, Verdict

if TYPE_CHECKING:  # pragma: no cover
    import pytest

    from conformance.redact import Redactor
    from conformance.reports import ReportSet

COLUMNS = ("pass", "fail", "warn", "info", "not_applicable", "error")
HEADINGS = ("pass", "fail", "warn", "info", "n/a", "error")


def write_summary(tr: pytest.TerminalReporter, r: RunResults, *, redactor: Redactor,
                  notes: list[str], json_path: str | None, reports: ReportSet | None) -> None:
    tr.section("cc-conformance: verdict per section")
    tr.write_line(f"{'section':<16}" + "".join(f"{h:>7}" for h in HEADINGS))
    for row in r.section_rows():
        tr.write_line(f"{row['section']!s:<16}" + "".join(f"{row[c]!s:>7}" for c in COLUMNS))
    c = r.counts()
    tr.write_line(f"{'total':<16}" + "".join(f"{c[k]:>7}" for k in COLUMNS))
    for rid, res in r.requirements.items():
        if res.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR):
            accepted = (f" [expected: {res.expected.reason}]"
                        if res.expected is not None else "")
            tr.write_line(f"{res.verdict.value.upper():>5} {rid} ({res.requirement.level}): "
                          f"{redactor.text(res.reason)}{accepted}",
                          red=res.verdict != Verdict.WARN and res.expected is None,
                          yellow=res.verdict == Verdict.WARN or res.expected is not None)
    if r.expectations is not None:
        ex = r.expectations
        tr.write_line(f"expected findings ({ex.source}): {len(ex.accepted)} accepted, "
                      f"{len(ex.stale)} stale, {len(ex.not_checked)} not checked in "
                      "this selection")
        for msg in ex.messages():
            tr.write_line(f"cc-conformance: {msg}", red=True, bold=True)
    for note in notes:
        warning = note.startswith("WARNING")
        tr.write_line(f"cc-conformance: {note}", red=warning, bold=warning)
    tr.write_line(f"seed {r.seed} (rerun with --cc-seed {r.seed}); exit status {r.exit_status}")
    if json_path:
        tr.write_line(f"JSON results: {json_path}")
    if reports is not None and reports.html is not None:
        size = sum(f.stat().st_size for f in reports.files if f.is_file())
        tr.write_line(f"reports: {len(reports.files)} files, {size / 1024:.0f} KiB, written in "
                      f"{reports.seconds:.2f} s; SHA-256 manifest {reports.manifest}")
        tr.write_line(f"HTML report: {reports.html}")
