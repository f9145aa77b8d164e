"""The hand-checked notes of the interoperability matrix (``interop/findings.toml``), as an
overlay on the one matrix builder (:mod:`conformance.reports.matrix`).

A fail, warning or error a note confirms is marked † and linked to the note; one without a note
is marked ‡ and listed as not yet checked by hand (``make interop`` then exits 1). The overlay
adds the confirmed findings per server, the configuration choices, the not-applicable reasons
per server and the unchecked results after the matrix.

A note confirms what it reviewed, not a whole requirement: a ``deviation`` names the tests
whose findings were checked (``tests = [...]``, pytest node ids, the ``conformance/suite/``
prefix left out, parameters included). With the results at hand (:func:`failing_tests`), a
(server, requirement) counts as checked only when every test that now gives it a fail, warning
or error is named by its note; a new test (or a new parametrisation) failing under an
already-noted requirement is ‡ again until a person has looked at it. ``python -m interop.notes
reports/interop`` prints, per unchecked (server, requirement), the tests not yet named.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.reports.matrix import Entry, Mark, Matrix, Missing, Overlay, Section
from conformance.resultdoc import ResultsDocument

NEEDS_REVIEW = frozenset({"fail", "warn", "error"})
#: The kind of note that covers a fail, warning or error (the tests it names).
CHECKED_KINDS = ("deviation",)
LEGEND = ("Cells marked † are confirmed findings (below); ‡ marks a fail, warning or error that "
          "has not been checked by hand yet.")


@dataclass(frozen=True)
class Note:
    """A hand-checked entry of interop/findings.toml."""

    server: str
    requirement: str
    kind: str  # "deviation" (a hand-checked fail or warning) | "configuration" (a choice we made)
    title: str
    text: str
    #: The test node ids whose findings the note reviewed (``conformance/suite/`` left out).
    tests: frozenset[str] = frozenset()


#: The prefix of the suite's node ids, left out of the notes' test names.
SUITE_PREFIX = "conformance/suite/"
#: The stand-in test of a requirement whose bad verdict no finding explains.
NO_TEST = "(no finding names a test)"

#: (server, requirement) -> the tests that give it a fail, warning or error in this run.
Failing = Mapping[tuple[str, str], frozenset[str]]


def test_key(nodeid: str) -> str:
    """A test's name in the notes: its node id without the suite's folder."""
    return nodeid.removeprefix(SUITE_PREFIX)


def load_notes(path: Path) -> list[Note]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Note(server=e["server"], requirement=e.get("requirement", ""),
                 kind=e.get("kind", "deviation"), title=e.get("title", ""),
                 text=" ".join(e.get("text", "").split()),
                 tests=frozenset(test_key(t) for t in e.get("tests", ())))
            for e in data.get("note", ())]


def failing_tests(columns: Iterable[ResultsDocument | Missing]) -> dict[tuple[str, str],
                                                                          frozenset[str]]:
    """(column, requirement) -> the tests whose findings carry the requirement's fail, warning
    or error (any of the three), for every requirement with such a verdict. A bad verdict no
    finding explains maps to :data:`NO_TEST` (so only a note naming that covers it)."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    for doc in columns:
        if isinstance(doc, Missing):
            continue
        name = doc.run.target_name or doc.run.target_location or "target"
        for req in doc.requirements:
            if req.verdict.value not in NEEDS_REVIEW:
                continue
            tests = frozenset(test_key(f.test) for f in doc.findings_of(req)
                              if f.verdict.value in NEEDS_REVIEW and f.test)
            out[(name, req.id)] = tests or frozenset({NO_TEST})
    return out


def anchor(server: str, rid: str) -> str:
    return f"{server}-{rid}".lower().replace(".", "-")


def checked(notes: Sequence[Note], server: str, rid: str) -> list[Note]:
    """The deviation notes of ``rid`` on ``server``."""
    return [n for n in notes if n.server == server and n.requirement == rid
            and n.kind in CHECKED_KINDS]


def not_covered(notes: Sequence[Note], server: str, rid: str,
                failing: Failing | None = None) -> frozenset[str]:
    """The tests failing ``rid`` on ``server`` that no deviation note names ({""}
    when there is no such note at all). Without ``failing`` (no results at hand) any such
    note of the requirement covers it."""
    mine = checked(notes, server, rid)
    if not mine:
        return frozenset({""})
    if failing is None:
        return frozenset()
    named = frozenset().union(*(n.tests for n in mine))
    return failing.get((server, rid), frozenset()) - named


def unchecked(m: Matrix, notes: Sequence[Note], failing: Failing | None = None
              ) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(server, requirement, verdict, tests no note names) of every fail/warn/error not fully
    checked by hand; the tests are () when the requirement has no note at all."""
    out = []
    for col in m.columns:
        for row in m.rows:
            v = m.cell(row.id, col.name).verdict
            if v in NEEDS_REVIEW:
                left = not_covered(notes, col.name, row.id, failing)
                if left:
                    out.append((col.name, row.id, v, tuple(sorted(left - {""}))))
    return out


def unreviewed(m: Matrix, notes: Sequence[Note], failing: Failing | None = None
               ) -> list[tuple[str, str, str]]:
    """(server, requirement, verdict) of every fail/warn/error without a note that checked
    all its failing tests (any note of the requirement, when ``failing`` is not given)."""
    return [(s, rid, v) for s, rid, v, _ in unchecked(m, notes, failing)]


def stale_tests(notes: Sequence[Note], failing: Failing) -> list[tuple[str, str, tuple[str, ...]]]:
    """(server, requirement, tests) a deviation note names that no longer fail (the note may
    need trimming; reported, never a failure). Only for servers present in ``failing``."""
    servers = {s for s, _ in failing}
    out = []
    for n in notes:
        if n.kind in CHECKED_KINDS and n.server in servers:
            now = failing.get((n.server, n.requirement))
            if now is None and (n.tests or n.requirement.startswith("RFC")):
                # the requirement does not fail at all now
                out.append((n.server, n.requirement, ("(the requirement no longer fails)",)))
            elif now is not None and n.tests - now:
                out.append((n.server, n.requirement, tuple(sorted(n.tests - now))))
    return out


def overlay(m: Matrix, notes: Sequence[Note], *, title: str, preamble: str = "",
            failing: Failing | None = None) -> Overlay:
    marks = {}
    for c in m.columns:
        for r in m.rows:
            if m.cell(r.id, c.name).verdict in NEEDS_REVIEW:
                if not_covered(notes, c.name, r.id, failing):
                    marks[(r.id, c.name)] = Mark("‡")
                else:
                    marks[(r.id, c.name)] = Mark("†", anchor(c.name, r.id))
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
    todo = unchecked(m, notes, failing)
    if todo:
        sections.append(Section("Not yet checked by hand", items=tuple(
            ("", f"{s}: {rid} ({v})" + (f"; tests no note names: {', '.join(t)}" if t else ""))
            for s, rid, v, t in todo)))
    return Overlay(title=title, preamble=preamble, legend=LEGEND, marks=marks,
                   sections=tuple(sections), show_where=False)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m interop.notes RESULTS_DIR``: for each fail/warn/error of the results in
    ``RESULTS_DIR/<server>/results.json`` not fully covered by interop/findings.toml, print the
    ``tests = [...]`` its note needs (once a person has checked them), and exit 1."""
    from conformance.resultdoc import read_results

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m interop.notes RESULTS_DIR", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parent
    docs = [read_results(p) for p in sorted(Path(args[0]).glob("*/results.json"))]
    failing = failing_tests(docs)
    notes = load_notes(root / "findings.toml")
    bad = 0
    for (server, rid), tests in sorted(failing.items()):
        left = not_covered(notes, server, rid, failing)
        if left:
            bad += 1
            print(f"# {server} {rid}: " + ("no note" if "" in left else "tests not named"))
            print("tests = [\n" + "".join(f"  {json.dumps(t, ensure_ascii=False)},\n"
                                         for t in sorted(tests)) + "]")
    for server, rid, gone in stale_tests(notes, failing):
        print(f"# {server} {rid}: named but not failing now: {', '.join(gone)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
