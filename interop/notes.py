"""The hand-checked notes of the interoperability matrix (``interop/findings.toml``), as an
overlay on the one matrix builder (:mod:`conformance.reports.matrix`).

A fail, warning or error a note confirms is marked † and linked to the note; one without a note
is marked ‡ and listed as not yet checked by hand (``make interop`` then exits 1). The overlay
adds the confirmed findings per server, the configuration choices, the not-applicable reasons
per server and the unchecked results after the matrix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.reports.matrix import Entry, Mark, Matrix, Overlay, Section

NEEDS_REVIEW = frozenset({"fail", "warn", "error"})
LEGEND = ("Cells marked † are confirmed findings (below); ‡ marks a fail, warning or error that "
          "has not been checked by hand yet.")


@dataclass(frozen=True)
class Note:
    """A hand-checked entry of interop/findings.toml."""

    server: str
    requirement: str
    kind: str  # "deviation" (confirmed finding) | "configuration" (a choice we made)
    title: str
    text: str


def load_notes(path: Path) -> list[Note]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Note(server=e["server"], requirement=e.get("requirement", ""),
                 kind=e.get("kind", "deviation"), title=e.get("title", ""),
                 text=" ".join(e.get("text", "").split()))
            for e in data.get("note", ())]


def anchor(server: str, rid: str) -> str:
    return f"{server}-{rid}".lower().replace(".", "-")


def deviation(notes: Sequence[Note], server: str, rid: str) -> Note | None:
    return next((n for n in notes if n.server == server and n.requirement == rid
                 and n.kind == "deviation"), None)


def unreviewed(m: Matrix, notes: Sequence[Note]) -> list[tuple[str, str, str]]:
    """(server, requirement, verdict) of every fail/warn/error without a checked note."""
    out = []
    for col in m.columns:
        for row in m.rows:
            v = m.cell(row.id, col.name).verdict
            if v in NEEDS_REVIEW and deviation(notes, col.name, row.id) is None:
                out.append((col.name, row.id, v))
    return out


def overlay(m: Matrix, notes: Sequence[Note], *, title: str, preamble: str = "") -> Overlay:
    marks = {}
    for c in m.columns:
        for r in m.rows:
            if m.cell(r.id, c.name).verdict in NEEDS_REVIEW:
                marks[(r.id, c.name)] = (Mark("†", anchor(c.name, r.id))
                                         if deviation(notes, c.name, r.id) else Mark("‡"))
    label = {c.name: c.title for c in m.columns}
    sections = [Section("Confirmed findings", empty="No deviation found.", groups=tuple(
        (f"{c.title} {c.version}".strip(),
         tuple(Entry(anchor(c.name, n.requirement), n.requirement, n.title, n.text)
               for n in notes if n.server == c.name and n.kind == "deviation"))
        for c in m.columns))]
    config = [n for n in notes if n.kind == "configuration"]
    if config:
        sections.append(Section("Configuration choices (not-applicable rows)", table=(
            ("server", "requirement(s)", "choice"),
            *((label.get(n.server, n.server), n.requirement or "—", n.text) for n in config))))
    na = tuple((c.title, "; ".join(f"{r.id} ({m.cell(r.id, c.name).reason})" for r in m.rows
                                   if m.cell(r.id, c.name).verdict == "not_applicable"))
               for c in m.columns)
    sections.append(Section("Not applicable, per server", items=tuple(i for i in na if i[1])))
    todo = unreviewed(m, notes)
    if todo:
        sections.append(Section("Not yet checked by hand",
                                items=tuple(("", f"{s}: {rid} ({v})") for s, rid, v in todo)))
    return Overlay(title=title, preamble=preamble, legend=LEGEND, marks=marks,
                   sections=tuple(sections), show_where=False)
