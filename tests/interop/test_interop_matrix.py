"""The interop matrix builder on canned results (no peer library needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from interop.matrix import Column, Note, build_matrix, load_notes, render_html, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def _doc(verdicts: dict[str, str]) -> dict[str, Any]:
    reqs = [{"id": rid, "document": "RFC 6749", "section": "5.1", "level": "MUST",
             "statement": f"statement of {rid}", "url": "https://www.rfc-editor.org/rfc/rfc6749",
             "verdict": v, "reason": "no fixture" if v == "not_applicable" else "",
             "finding_ids": [i]} for i, (rid, v) in enumerate(verdicts.items())]
    findings = [{"id": i, "requirement": rid, "verdict": v, "expected": "x",
                 "observed": "HTTP 200", "reason": "bad <thing>", "test": "t", "exchanges": []}
                for i, (rid, v) in enumerate(verdicts.items())]
    return {"run": {"exit_status": 1}, "requirements": reqs, "findings": findings}


def test_matrix_rows_columns_and_review_marks() -> None:
    a = Column("a", "Server A", "1.0", _doc({"R1": "pass", "R2": "fail", "R3": "not_applicable"}))
    b = Column("b", "Server B", "2.0", _doc({"R1": "warn", "R2": "pass"}))
    down = Column("c", "Server C", "3.0", None, "did not start")
    notes = [Note("a", "R2", "deviation", "title", "text of the finding")]
    m = build_matrix([a, b, down], notes)
    assert [r["id"] for r in m.rows] == ["R1", "R2", "R3"]
    assert m.unreviewed() == [("b", "R1", "warn")]
    md = render_markdown(m, title="T")
    assert "| Server A | 1.0 | 1 | 1 | 1 | 0 | 0 | 1 | 0 |" in md
    assert "no results: did not start" in md
    assert "FAIL [†](#a-r2)" in md and "warn ‡" in md
    assert "text of the finding" in md and "R3 (no fixture)" in md
    page = render_html(m, title="T <x>")
    assert "<title>T &lt;x&gt;</title>" in page
    assert 'title="bad &lt;thing&gt; (observed: HTTP 200)"' in page
    assert "<script" not in page


def test_findings_file_parses_and_names_known_servers() -> None:
    from interop.servers import SERVERS

    notes = load_notes(ROOT / "interop" / "findings.toml")
    names = {s.name for s in SERVERS}
    assert notes and all(n.server in names for n in notes)
    assert all(n.kind in ("deviation", "configuration") and n.text for n in notes)
    for profile in (s.profile for s in SERVERS):
        assert "secret_env" in profile.read_text(encoding="utf-8")
        assert "cc-demo-secret" not in profile.read_text(encoding="utf-8")
