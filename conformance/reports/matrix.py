"""The combined matrix of a multi-target run: one row per requirement, one column per target,
rendered as HTML (``matrix.html``, the HTML report's styling and escaping) and Markdown
(``matrix.md``).

The input is a list of JSON results documents (``conformance/results_schema.json``), however
they were produced -- a multi-target run, separate CLI runs, an interop harness -- so
:func:`build_matrix` / :func:`write_matrix` are the one builder for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reports.html import CSS, LABEL, VERDICTS, _anchor, _badge, _e

MATRIX_HTML, MATRIX_MD = "matrix.html", "matrix.md"
_EXIT_WORD = {0: "PASS", 1: "FAIL", 2: "ERROR", 3: "UNREACHABLE"}


@dataclass(frozen=True, slots=True)
class Cell:
    verdict: str | None  # None: the target's results do not have this requirement
    reason: str = ""
    expected: str | None = None  # reason of the accepted --expect entry


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str
    location: str
    exit_status: int | None
    counts: Mapping[str, int]
    report: str | None = None  # link to the target's report.html, relative to the matrix


@dataclass(slots=True)
class Matrix:
    columns: list[Column]
    rows: list[dict[str, Any]]  # id, document, section, level, statement, url
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # (id, column) -> cell

    def verdicts(self, column: str) -> dict[str, str | None]:
        return {r["id"]: self.cells[(r["id"], column)].verdict for r in self.rows}

    def differing(self) -> list[str]:
        """IDs whose verdict is not the same on every target."""
        return [r["id"] for r in self.rows
                if len({self.cells[(r["id"], c.name)].verdict for c in self.columns}) > 1]


def _name(doc: Mapping[str, Any], taken: set[str]) -> str:
    run = doc.get("run") or {}
    base = str(run.get("target_name") or (run.get("target") or {}).get("location") or "target")
    name, i = base, 2
    while name in taken:
        name, i = f"{base} #{i}", i + 1
    taken.add(name)
    return name


def build_matrix(docs: Sequence[Mapping[str, Any]],
                 reports: Mapping[str, str] | None = None) -> Matrix:
    """``docs``: JSON results documents, one per target (column order). ``reports``: optional
    column name -> link to that target's report.html."""
    taken: set[str] = set()
    columns: list[Column] = []
    rows: dict[str, dict[str, Any]] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for doc in docs:
        name = _name(doc, taken)
        run = doc.get("run") or {}
        target = run.get("target") or {}
        counts = (doc.get("summary") or {}).get("verdicts") or {}
        columns.append(Column(name, str(target.get("kind", "")), str(target.get("location", "")),
                              run.get("exit_status"), dict(counts),
                              (reports or {}).get(name)))
        for r in doc.get("requirements") or ():
            rows.setdefault(r["id"], {k: r.get(k, "") for k in
                                      ("id", "document", "section", "level", "statement",
                                       "url")})
            exp = r.get("expected")
            cells[(r["id"], name)] = Cell(r["verdict"], str(r.get("reason") or ""),
                                          exp.get("reason") if isinstance(exp, dict) else None)
    for rid in rows:
        for c in columns:
            cells.setdefault((rid, c.name), Cell(None))
    return Matrix(columns, list(rows.values()), cells)


# ---------------------------------------------------------------- Markdown
def _md(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _md_cell(cell: Cell) -> str:
    if cell.verdict is None:
        return "—"
    word = LABEL.get(cell.verdict, cell.verdict)
    word = f"**{word.upper()}**" if cell.verdict in ("fail", "error") else word
    return word + (" (expected)" if cell.expected else "")


def render_markdown(m: Matrix) -> str:
    out = ["# cc-conformance: requirement × target", "",
           "| target | kind | location | exit | " + " | ".join(
               LABEL.get(v, v) for v in VERDICTS) + " |",
           "|---|---|---|---|" + "---|" * len(VERDICTS)]
    for c in m.columns:
        word = _EXIT_WORD.get(c.exit_status, "no results") if c.exit_status is not None \
            else "no results"
        name = f"[{_md(c.name)}]({c.report})" if c.report else _md(c.name)
        out.append(f"| {name} | {_md(c.kind)} | {_md(c.location)} | {c.exit_status} {word} | "
                   + " | ".join(str(c.counts.get(v, 0)) for v in VERDICTS) + " |")
    diff = m.differing()
    out += ["", f"{len(m.rows)} requirements; {len(diff)} with different verdicts across "
                "targets.", "",
            "| requirement | level | " + " | ".join(_md(c.name) for c in m.columns) + " |",
            "|---|---|" + "---|" * len(m.columns)]
    for r in m.rows:
        out.append(f"| [{_md(r['id'])}]({r['url']}) | {_md(r['level'])} | "
                   + " | ".join(_md_cell(m.cells[(r["id"], c.name)]) for c in m.columns)
                   + " |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML
def _html_cell(cell: Cell, column: Column, rid: str) -> str:
    if cell.verdict is None:
        return '<td class="none">—</td>'
    badge = _badge(cell.verdict)
    if column.report and cell.verdict != "not_applicable":
        badge = f'<a href="{_e(column.report)}#{_anchor(rid)}">{badge}</a>'
    mark = (f' <span class="v expected" title="{_e(cell.expected)}">expected</span>'
            if cell.expected else "")
    return (f'<td class="{_e(cell.verdict)}" title="{_e(cell.reason)}">{badge}{mark}</td>')


def render_html(m: Matrix) -> str:
    heads = "".join(f"<th>{_e(LABEL.get(v, v))}</th>" for v in VERDICTS)
    targets = []
    for c in m.columns:
        word = _EXIT_WORD.get(c.exit_status, "no results") if c.exit_status is not None \
            else "no results"
        name = (f'<a href="{_e(c.report)}">{_e(c.name)}</a>' if c.report else _e(c.name))
        targets.append(f'<tr><td class="id">{name}</td><td>{_e(c.kind)}: {_e(c.location)}'
                       f'</td><td><span class="banner {_e(word)}">{_e(word)}</span> '
                       f"{_e(c.exit_status)}</td>"
                       + "".join(f"<td>{int(c.counts.get(v, 0))}</td>" for v in VERDICTS)
                       + "</tr>")
    diff = set(m.differing())
    body = []
    section = None
    for r in m.rows:
        key = f"{r['document']} §{r['section']}"
        if key != section:
            section = key
            body.append(f'<tr><th colspan="{2 + len(m.columns)}">{_e(key)}</th></tr>')
        mark = ' class="differs"' if r["id"] in diff else ""
        body.append(f'<tr{mark}><td class="id"><a href="{_e(r["url"])}" '
                    f'title="{_e(r["statement"])}">{_e(r["id"])}</a></td>'
                    f"<td>{_e(r['level'])}</td>"
                    + "".join(_html_cell(m.cells[(r["id"], c.name)], c, r["id"])
                              for c in m.columns) + "</tr>")
    cols = "".join(f"<th>{_e(c.name)}</th>" for c in m.columns)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">"
            "<title>cc-conformance matrix</title><style>" + CSS
            + "tr.differs>td.id{border-left:4px solid var(--warn)}.banner{font-size:12px;"
              "padding:1px 8px}</style></head><body><header><div>"
              "<h1>OAuth 2.0 Client Credentials conformance: requirement × target</h1>"
              f'<table class="matrix" id="targets"><thead><tr><th>Target</th><th>Where</th>'
              f"<th>Exit status</th>{heads}</tr></thead><tbody>{''.join(targets)}</tbody>"
              f"</table><p>{len(m.rows)} requirements; {len(diff)} with different verdicts "
              "across targets (marked). Each verdict links to the target's report.</p>"
              f'</div></header><main><table class="matrix" id="matrix"><thead><tr>'
              f"<th>Requirement</th><th>Level</th>{cols}</tr></thead><tbody>{''.join(body)}"
              "</tbody></table></main><footer>Generated by cc-conformance from the targets' "
              "JSON results (schema cc-conformance/results). Requirement statements are the "
              "suite's paraphrase; the linked RFC section is normative.</footer></body></html>\n")


def write_matrix(docs: Sequence[Mapping[str, Any]], out_dir: str | Path,
                 reports: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Write ``matrix.html`` and ``matrix.md`` into ``out_dir``; returns their paths."""
    m = build_matrix(docs, reports)
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    (d / MATRIX_HTML).write_text(render_html(m), encoding="utf-8")
    (d / MATRIX_MD).write_text(render_markdown(m), encoding="utf-8")
    return d / MATRIX_HTML, d / MATRIX_MD
