"""The matrix of several targets' results: one row per requirement, one column per target,
rendered as HTML (``matrix.html``, the HTML report's styling and escaping) and Markdown
(``matrix.md``).

The input is a list of results documents (:class:`~conformance.resultdoc.ResultsDocument`, or
parsed ``results.json`` dicts, which go through :func:`~conformance.resultdoc.read_results`),
however they were produced -- a multi-target run, separate CLI runs, the interop harness -- so
:func:`build_matrix` / :func:`write_matrix` are the one builder for all of them. A target that
produced no results is a :class:`Missing` column. What a caller knows beyond the results (the
interop matrix's hand-checked notes) comes as an :class:`Overlay`: a title and preamble, marks
on cells linking to entries, and extra sections after the matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from conformance.reports.html import CSS, LABEL, VERDICTS, _anchor, _badge, _e
from conformance.resultdoc import RequirementRow, ResultsDocument, read_results

MATRIX_HTML, MATRIX_MD = "matrix.html", "matrix.md"
_EXIT_WORD = {0: "PASS", 1: "FAIL", 2: "ERROR", 3: "UNREACHABLE"}
_X = "\N{MULTIPLICATION SIGN}"


class Missing(NamedTuple):
    """A target that produced no results: an empty column saying why."""

    name: str
    error: str


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
    label: str = ""  # shown instead of the name
    version: str = ""  # of the target's software, when known
    error: str = ""  # why there are no results

    @property
    def title(self) -> str:
        return self.label or self.name

    def status_text(self, words: bool = True) -> str:
        if self.exit_status is None:
            return f"no results: {self.error}" if self.error else "no results"
        word = _EXIT_WORD.get(self.exit_status, "no results")
        return f"{self.exit_status} {word}" if words else word


@dataclass(slots=True)
class Matrix:
    columns: list[Column]
    rows: list[RequirementRow]  # catalogue order, from the first document that has each
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # (id, column) -> cell

    def cell(self, rid: str, column: str) -> Cell:
        return self.cells.get((rid, column), Cell(None))

    def verdicts(self, column: str) -> dict[str, str | None]:
        return {r.id: self.cell(r.id, column).verdict for r in self.rows}

    def differing(self) -> list[str]:
        """IDs whose verdict is not the same on every target."""
        return [r.id for r in self.rows
                if len({self.cell(r.id, c.name).verdict for c in self.columns}) > 1]

    def relabel(self, labels: Mapping[str, tuple[str, str]]) -> Matrix:
        """Columns shown by label and version (``name -> (label, version)``)."""
        cols = [replace(c, label=labels[c.name][0], version=labels[c.name][1])
                if c.name in labels else c for c in self.columns]
        return Matrix(cols, self.rows, self.cells)


def _name(doc: ResultsDocument, taken: set[str]) -> str:
    base = doc.run.target_name or doc.run.target_location or "target"
    name, i = base, 2
    while name in taken:
        name, i = f"{base} #{i}", i + 1
    taken.add(name)
    return name


def build_matrix(docs: Sequence[ResultsDocument | Mapping[str, Any] | Missing],
                 reports: Mapping[str, str] | None = None) -> Matrix:
    """``docs``: one results document per target (column order), or :class:`Missing`.
    ``reports``: optional column name -> link to that target's report.html."""
    taken: set[str] = set()
    columns: list[Column] = []
    rows: dict[str, RequirementRow] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for source in docs:
        if isinstance(source, Missing):
            taken.add(source.name)
            columns.append(Column(source.name, "", "", None, {}, error=source.error))
            continue
        doc = source if isinstance(source, ResultsDocument) else read_results(source)
        name = _name(doc, taken)
        columns.append(Column(name, doc.run.target_kind, doc.run.target_location,
                              doc.run.exit_status, dict(doc.summary.verdicts),
                              (reports or {}).get(name)))
        for r in doc.requirements:
            rows.setdefault(r.id, r)
            cells[(r.id, name)] = Cell(r.verdict.value, doc.why(r),
                                       r.expected.reason if r.expected else None)
    return Matrix(columns, list(rows.values()), cells)


# ---------------------------------------------------------------- overlay
@dataclass(frozen=True, slots=True)
class Mark:
    """A sign after a cell's verdict; ``anchor``: the id of the entry it links to."""

    text: str
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """A note in an overlay section: ``key`` (bold) -- ``title``, then ``text``."""

    anchor: str
    key: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """An overlay section after the matrix: groups of entries (``empty`` stands for none in a
    group), a table (header row first) and/or bullets ``(bold lead or "", text)``."""

    title: str
    groups: tuple[tuple[str, tuple[Entry, ...]], ...] = ()
    empty: str = ""
    table: tuple[tuple[str, ...], ...] = ()
    items: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Overlay:
    """What a caller adds to the matrix (see interop/notes.py)."""

    title: str = ""
    preamble: str = ""
    legend: str = ""  # a paragraph before the requirement table
    marks: Mapping[tuple[str, str], Mark] = field(default_factory=dict)  # (id, column)
    sections: tuple[Section, ...] = ()
    show_where: bool = True  # the kind and location of each target


_PLAIN = Overlay()


# ---------------------------------------------------------------- Markdown
def _md(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _md_row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _md_cell(cell: Cell, mark: Mark | None) -> str:
    if cell.verdict is None:
        return "—"
    word = LABEL.get(cell.verdict, cell.verdict)
    word = f"**{word.upper()}**" if cell.verdict in ("fail", "error") else word
    word += " (expected)" if cell.expected else ""
    if mark is not None:
        word += f" [{mark.text}](#{mark.anchor})" if mark.anchor else f" {mark.text}"
    return word


def _md_section(s: Section) -> list[str]:
    out = [f"## {s.title}", ""]
    for heading, entries in s.groups:
        out += [f"### {heading}", ""]
        if not entries:
            out += [s.empty, ""]
        for e in entries:
            out += [f'<a id="{e.anchor}"></a>', f"**{e.key}** — {e.title}", "", e.text, ""]
    if s.table:
        out += [_md_row(s.table[0]), "|" + "---|" * len(s.table[0])]
        out += [_md_row(_md(c) for c in row) for row in s.table[1:]]
        out.append("")
    out += [f"- **{lead}**: {text}" if lead else f"- {text}" for lead, text in s.items]
    return out + ([""] if s.items else [])


def _summary_head(m: Matrix, o: Overlay) -> list[str]:
    head = ["target"]
    head += ["version"] if any(c.version for c in m.columns) else []
    head += ["kind", "location"] if o.show_where else []
    return [*head, "exit", *(LABEL.get(v, v) for v in VERDICTS)]


def render_markdown(m: Matrix, overlay: Overlay | None = None) -> str:
    o = overlay or _PLAIN
    versions = any(c.version for c in m.columns)
    out = [f"# {o.title or f'cc-conformance: requirement {_X} target'}", ""]
    out += [o.preamble.strip(), ""] if o.preamble else []
    head = _summary_head(m, o)
    out += ["## Summary", "", _md_row(head), "|" + "---|" * len(head)]
    for c in m.columns:
        name = f"[{_md(c.title)}]({c.report})" if c.report else _md(c.title)
        cells = [name] + ([_md(c.version)] if versions else [])
        cells += [_md(c.kind), _md(c.location)] if o.show_where else []
        out.append(_md_row([*cells, _md(c.status_text()),
                            *(c.counts.get(v, 0) for v in VERDICTS)]))
    diff = m.differing()
    out += ["", "## Matrix", "", f"{len(m.rows)} requirements; {len(diff)} with different "
                                 "verdicts across targets.", ""]
    out += [o.legend, ""] if o.legend else []
    out += [_md_row(["requirement", "level", *(_md(c.title) for c in m.columns)]),
            "|---|---|" + "---|" * len(m.columns)]
    for r in m.rows:
        out.append(_md_row([f"[{_md(r.id)}]({r.url})", _md(r.level),
                            *(_md_cell(m.cell(r.id, c.name), o.marks.get((r.id, c.name)))
                              for c in m.columns)]))
    for s in o.sections:
        out += ([""] if out[-1] else []) + _md_section(s)
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------- HTML
def _html_cell(cell: Cell, column: Column, rid: str, mark: Mark | None) -> str:
    if cell.verdict is None:
        return '<td class="none">—</td>'
    badge = _badge(cell.verdict)
    if column.report and cell.verdict != "not_applicable":
        badge = f'<a href="{_e(column.report)}#{_anchor(rid)}">{badge}</a>'
    if cell.expected:
        badge += f' <span class="v expected" title="{_e(cell.expected)}">expected</span>'
    if mark is not None:
        badge += (f' <a href="#{_e(mark.anchor)}">{_e(mark.text)}</a>' if mark.anchor
                  else f" {_e(mark.text)}")
    return f'<td class="{_e(cell.verdict)}" title="{_e(cell.reason)}">{badge}</td>'


def _html_section(s: Section) -> str:
    parts = [f"<h2>{_e(s.title)}</h2>"]
    for heading, entries in s.groups:
        parts.append(f"<h3>{_e(heading)}</h3>")
        if not entries:
            parts.append(f"<p>{_e(s.empty)}</p>")
        parts += [f'<div class="finding" id="{_e(e.anchor)}"><b>{_e(e.key)}</b> — '
                  f"{_e(e.title)}<p>{_e(e.text)}</p></div>" for e in entries]
    if s.table:
        parts.append('<table class="matrix"><thead><tr>'
                     + "".join(f"<th>{_e(h)}</th>" for h in s.table[0]) + "</tr></thead><tbody>"
                     + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>"
                               for row in s.table[1:]) + "</tbody></table>")
    if s.items:
        parts.append("<ul>" + "".join(f"<li><b>{_e(lead)}</b>: {_e(text)}</li>" if lead
                                      else f"<li>{_e(text)}</li>" for lead, text in s.items)
                     + "</ul>")
    return "".join(parts)


def render_html(m: Matrix, overlay: Overlay | None = None) -> str:
    o = overlay or _PLAIN
    versions = any(c.version for c in m.columns)
    heads = "".join(f"<th>{_e(LABEL.get(v, v))}</th>" for v in VERDICTS)
    targets = []
    for c in m.columns:
        word = c.status_text(words=False)
        name = (f'<a href="{_e(c.report)}">{_e(c.title)}</a>' if c.report else _e(c.title))
        targets.append(f'<tr><td class="id">{name}</td>'
                       + (f"<td>{_e(c.version)}</td>" if versions else "")
                       + (f"<td>{_e(c.kind)}: {_e(c.location)}</td>" if o.show_where else "")
                       + f'<td><span class="banner {_e(word.split(":")[0])}">{_e(word)}</span>'
                       + (f" {_e(c.exit_status)}" if c.exit_status is not None else "") + "</td>"
                       + "".join(f"<td>{int(c.counts.get(v, 0))}</td>" for v in VERDICTS)
                       + "</tr>")
    diff = set(m.differing())
    body = []
    section = None
    for r in m.rows:
        if r.section_key != section:
            section = r.section_key
            body.append(f'<tr><th colspan="{2 + len(m.columns)}">{_e(section)}</th></tr>')
        mark = ' class="differs"' if r.id in diff else ""
        body.append(f'<tr{mark}><td class="id"><a href="{_e(r.url)}" '
                    f'title="{_e(r.statement)}">{_e(r.id)}</a></td>'
                    f"<td>{_e(r.level)}</td>"
                    + "".join(_html_cell(m.cell(r.id, c.name), c, r.id, o.marks.get((r.id, c.name)))
                              for c in m.columns) + "</tr>")
    cols = "".join(f"<th>{_e(c.title)}"
                   + (f"<br><small>{_e(c.version)}</small>" if c.version else "") + "</th>"
                   for c in m.columns)
    title = o.title or f"OAuth 2.0 Client Credentials conformance: requirement {_X} target"
    where = ("<th>Version</th>" if versions else "") + ("<th>Where</th>" if o.show_where else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(o.title or 'cc-conformance matrix')}</title><style>" + CSS
            + "tr.differs>td.id{border-left:4px solid var(--warn)}.banner{font-size:12px;"
              "padding:1px 8px}</style></head><body><header><div>"
              f"<h1>{_e(title)}</h1>"
            + (f"<p>{_e(o.preamble.strip())}</p>" if o.preamble else "")
            + f'<table class="matrix" id="targets"><thead><tr><th>Target</th>{where}'
              f"<th>Exit status</th>{heads}</tr></thead><tbody>{''.join(targets)}</tbody>"
              f"</table><p>{len(m.rows)} requirements; {len(diff)} with different verdicts "
              "across targets (marked)."
            + (" Each verdict links to the target's report." if any(c.report for c in m.columns)
               else "") + "</p>"
            + (f"<p>{_e(o.legend)}</p>" if o.legend else "")
            + f'</div></header><main><table class="matrix" id="matrix"><thead><tr>'
              f"<th>Requirement</th><th>Level</th>{cols}</tr></thead><tbody>{''.join(body)}"
              "</tbody></table>" + "".join(_html_section(s) for s in o.sections)
            + "</main><footer>Generated by cc-conformance from the targets' "
              "JSON results (schema cc-conformance/results). Requirement statements are the "
              "suite's paraphrase; the linked RFC section is normative.</footer></body></html>\n")


def write_matrix(docs: Sequence[ResultsDocument | Mapping[str, Any] | Missing],
                 out_dir: str | Path, reports: Mapping[str, str] | None = None,
                 overlay: Overlay | None = None) -> tuple[Path, Path]:
    """Write ``matrix.html`` and ``matrix.md`` into ``out_dir``; returns their paths."""
    m = build_matrix(docs, reports)
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    (d / MATRIX_HTML).write_text(render_html(m, overlay), encoding="utf-8")
    (d / MATRIX_MD).write_text(render_markdown(m, overlay), encoding="utf-8")
    return d / MATRIX_HTML, d / MATRIX_MD
