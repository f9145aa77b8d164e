"""Build the side-by-side interoperability matrix (requirement by server) from cc-conformance
JSON results documents (conformance/results_schema.json) and render it as Markdown and HTML.

Independent of how the results were produced (one CLI run per server today, the multi-target
run later): the input is a mapping column name -> results document.
"""

from __future__ import annotations

import html
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERDICTS = ("pass", "fail", "warn", "info", "not_applicable", "error")
SHORT = {"pass": "pass", "fail": "FAIL", "warn": "warn", "info": "info",
         "not_applicable": "n/a", "error": "ERROR", None: "—"}
NEEDS_REVIEW = frozenset({"fail", "warn", "error"})


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    version: str
    doc: Mapping[str, Any] | None  # None: no results (the server did not start)
    error: str = ""

    def verdict(self, rid: str) -> str | None:
        req = self._reqs.get(rid)
        return req["verdict"] if req else None

    def reason(self, rid: str) -> str:
        req = self._reqs.get(rid)
        if not req:
            return ""
        if req.get("reason"):
            return str(req["reason"])
        fids = set(req.get("finding_ids") or ())
        for f in (self.doc or {}).get("findings", ()):
            if f.get("id") in fids and f.get("verdict") == req["verdict"]:
                return f"{f.get('reason') or ''} (observed: {f.get('observed') or ''})".strip()
        return ""

    @property
    def _reqs(self) -> dict[str, Mapping[str, Any]]:
        return {r["id"]: r for r in (self.doc or {}).get("requirements", ())}

    def counts(self) -> Counter[str]:
        return Counter(r["verdict"] for r in (self.doc or {}).get("requirements", ()))

    @property
    def exit_status(self) -> int | None:
        return (self.doc or {}).get("run", {}).get("exit_status")


@dataclass(frozen=True)
class Note:
    """A hand-checked entry of interop/findings.toml."""

    server: str
    requirement: str
    kind: str  # "deviation" (confirmed finding) | "configuration" (a choice we made)
    title: str
    text: str


@dataclass
class Matrix:
    rows: list[Mapping[str, Any]]  # requirement metadata, catalogue order
    columns: list[Column]
    notes: list[Note] = field(default_factory=list)

    def note(self, server: str, rid: str) -> Note | None:
        for n in self.notes:
            if n.server == server and n.requirement == rid and n.kind == "deviation":
                return n
        return None

    def unreviewed(self) -> list[tuple[str, str, str]]:
        """(server, requirement, verdict) of every fail/warn/error without a checked note."""
        out = []
        for col in self.columns:
            for row in self.rows:
                v = col.verdict(row["id"])
                if v in NEEDS_REVIEW and self.note(col.name, row["id"]) is None:
                    out.append((col.name, row["id"], v))
        return out


def load_notes(path: Path) -> list[Note]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Note(server=e["server"], requirement=e.get("requirement", ""),
                 kind=e.get("kind", "deviation"), title=e.get("title", ""),
                 text=" ".join(e.get("text", "").split()))
            for e in data.get("note", ())]


def build_matrix(columns: Sequence[Column], notes: Sequence[Note] = ()) -> Matrix:
    rows: dict[str, Mapping[str, Any]] = {}
    for col in columns:
        for req in (col.doc or {}).get("requirements", ()):
            rows.setdefault(req["id"], {k: req.get(k) for k in
                                        ("id", "document", "section", "level", "statement",
                                         "url")})
    return Matrix(rows=list(rows.values()), columns=list(columns), notes=list(notes))


def _anchor(server: str, rid: str) -> str:
    return f"{server}-{rid}".lower().replace(".", "-")


# ------------------------------------------------------------------------------- Markdown


def render_markdown(m: Matrix, *, title: str, preamble: str = "") -> str:
    out = [f"# {title}", ""]
    if preamble:
        out += [preamble.strip(), ""]
    out += ["## Summary", "",
            "| server | version | exit | pass | fail | warn | info | n/a | error |",
            "|---|---|---|---|---|---|---|---|---|"]
    for c in m.columns:
        n = c.counts()
        status = c.exit_status if c.doc is not None else f"no results: {c.error}"
        out.append(f"| {c.label} | {c.version} | {status} | {n['pass']} | {n['fail']} | "
                   f"{n['warn']} | {n['info']} | {n['not_applicable']} | {n['error']} |")
    out += ["", "## Matrix", "",
            "Cells marked † are confirmed findings (below); ‡ marks a fail, warning or error "
            "that has not been checked by hand yet.", "",
            "| requirement | level | " + " | ".join(c.label for c in m.columns) + " |",
            "|---|---|" + "---|" * len(m.columns)]
    for row in m.rows:
        cells = []
        for c in m.columns:
            v = c.verdict(row["id"])
            cell = SHORT[v]
            if v in NEEDS_REVIEW:
                cell += " [†](#" + _anchor(c.name, row["id"]) + ")" \
                    if m.note(c.name, row["id"]) else " ‡"
            cells.append(cell)
        out.append(f"| [{row['id']}]({row['url']}) | {row['level']} | " + " | ".join(cells)
                   + " |")
    out += ["", "## Confirmed findings", ""]
    for c in m.columns:
        found = [n for n in m.notes if n.server == c.name and n.kind == "deviation"]
        out += [f"### {c.label} {c.version}", ""]
        if not found:
            out += ["No deviation found.", ""]
        for n in found:
            out += [f'<a id="{_anchor(c.name, n.requirement)}"></a>',
                    f"**{n.requirement}** — {n.title}", "", n.text, ""]
    config = [n for n in m.notes if n.kind == "configuration"]
    if config:
        out += ["## Configuration choices (not-applicable rows)", "",
                "| server | requirement(s) | choice |", "|---|---|---|"]
        out += [f"| {_label(m, n.server)} | {n.requirement or '—'} | {n.text} |" for n in config]
        out.append("")
    out += ["## Not applicable, per server", ""]
    for c in m.columns:
        na = [(r["id"], c.reason(r["id"])) for r in m.rows
              if c.verdict(r["id"]) == "not_applicable"]
        if na:
            out += [f"- **{c.label}**: " + "; ".join(f"{rid} ({why})" for rid, why in na)]
    unreviewed = m.unreviewed()
    if unreviewed:
        out += ["", "## Not yet checked by hand", ""]
        out += [f"- {s}: {rid} ({v})" for s, rid, v in unreviewed]
    return "\n".join(out).rstrip() + "\n"


def _label(m: Matrix, server: str) -> str:
    return next((c.label for c in m.columns if c.name == server), server)


# ----------------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}
td.v{text-align:center;white-space:nowrap;font-weight:600}
.pass{background:#c8f0c8}.fail{background:#f7b4b4}.warn{background:#fbe3a1}
.info{background:#cfe3f7}.not_applicable{background:#eee;color:#777;font-weight:400}
.error{background:#e08080}.none{background:#fff;color:#aaa}
td.stmt{max-width:36em;font-size:12px;color:#555}
.finding{margin:0 0 1em 0;max-width:60em}
"""


def render_html(m: Matrix, *, title: str, preamble: str = "") -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>"]
    if preamble:
        parts.append(f"<p>{e(preamble.strip())}</p>")
    parts.append("<h2>Summary</h2><table><tr><th>server</th><th>version</th><th>exit</th>"
                 + "".join(f"<th>{SHORT[v]}</th>" for v in VERDICTS) + "</tr>")
    for c in m.columns:
        n = c.counts()
        status = c.exit_status if c.doc is not None else f"no results: {c.error}"
        parts.append(f"<tr><td>{e(c.label)}</td><td>{e(c.version)}</td><td>{e(str(status))}"
                     "</td>" + "".join(f'<td class="v {v}">{n[v]}</td>' for v in VERDICTS)
                     + "</tr>")
    parts.append("</table><h2>Matrix</h2><p>Hover a cell for the reason; † links to the "
                 "confirmed finding, ‡ marks a result not yet checked by hand.</p>")
    parts.append("<table><tr><th>requirement</th><th>level</th>"
                 + "".join(f"<th>{e(c.label)}<br><small>{e(c.version)}</small></th>"
                           for c in m.columns) + "<th>statement</th></tr>")
    for row in m.rows:
        parts.append(f'<tr><td><a href="{e(row["url"] or "")}">{e(row["id"])}</a></td>'
                     f"<td>{e(row['level'] or '')}</td>")
        for c in m.columns:
            v = c.verdict(row["id"])
            label = e(SHORT[v])
            if v in NEEDS_REVIEW:
                label += (f' <a href="#{_anchor(c.name, row["id"])}">†</a>'
                          if m.note(c.name, row["id"]) else " ‡")
            parts.append(f'<td class="v {v or "none"}" title="{e(c.reason(row["id"]))}">'
                         f"{label}</td>")
        parts.append(f'<td class="stmt">{e(row["statement"] or "")}</td></tr>')
    parts.append("</table><h2>Confirmed findings</h2>")
    for c in m.columns:
        parts.append(f"<h3>{e(c.label)} {e(c.version)}</h3>")
        found = [n for n in m.notes if n.server == c.name and n.kind == "deviation"]
        if not found:
            parts.append("<p>No deviation found.</p>")
        for n in found:
            parts.append(f'<div class="finding" id="{_anchor(c.name, n.requirement)}">'
                         f"<b>{e(n.requirement)}</b> — {e(n.title)}<p>{e(n.text)}</p></div>")
    config = [n for n in m.notes if n.kind == "configuration"]
    if config:
        parts.append("<h2>Configuration choices (not-applicable rows)</h2><table><tr>"
                     "<th>server</th><th>requirement(s)</th><th>choice</th></tr>")
        parts += [f"<tr><td>{e(_label(m, n.server))}</td><td>{e(n.requirement or '—')}</td>"
                  f"<td>{e(n.text)}</td></tr>" for n in config]
        parts.append("</table>")
    unreviewed = m.unreviewed()
    if unreviewed:
        parts.append("<h2>Not yet checked by hand</h2><ul>")
        parts += [f"<li>{e(s)}: {e(rid)} ({e(v)})</li>" for s, rid, v in unreviewed]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
