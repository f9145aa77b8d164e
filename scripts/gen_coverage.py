"""Generate docs/coverage.md, the coverage inventory the tracker asks for.

Inputs:
  docs/coverage/normative-statements.toml  every normative sentence of the covered sections,
                                           with its disposition (hand-maintained)
  conformance/catalogue/requirements.toml  the requirement catalogue (read with tomllib, not
                                           imported: this script must not depend on the judge)
  conformance/suite/**/*.py                scanned (with ast, never imported) for
                                           @pytest.mark.requirement("ID", ...) markers

Output is deterministic (no timestamps, stable ordering) so a test can regenerate it and
compare.

    python scripts/gen_coverage.py            # rewrite docs/coverage.md
    python scripts/gen_coverage.py --check    # exit 1 if docs/coverage.md is stale or invalid
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATEMENTS_PATH = ROOT / "docs" / "coverage" / "normative-statements.toml"
CATALOGUE_PATH = ROOT / "conformance" / "catalogue" / "requirements.toml"
SUITE_DIR = ROOT / "conformance" / "suite"
OUTPUT_PATH = ROOT / "docs" / "coverage.md"

DISPOSITIONS: tuple[str, ...] = ("tested", "gap", "untestable", "out-of-scope")
BINDS: tuple[str, ...] = ("client", "authorization-server", "both", "resource-server")
KEYWORDS: frozenset[str] = frozenset(
    {
        "MUST",
        "MUST NOT",
        "REQUIRED",
        "SHALL",
        "SHALL NOT",
        "SHOULD",
        "SHOULD NOT",
        "RECOMMENDED",
        "NOT RECOMMENDED",
        "MAY",
        "OPTIONAL",
        "implied",
    }
)
DISPOSITION_LABEL: dict[str, str] = {
    "tested": "tested",
    "gap": "gap (testable, not covered)",
    "untestable": "untestable black-box",
    "out-of-scope": "out of scope",
}


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    version: str
    sections: tuple[str, ...]
    note: str
    empty_section_note: str = "No normative sentence in this section."


@dataclass(frozen=True)
class Statement:
    key: str
    document: str
    section: str
    keywords: tuple[str, ...]
    paraphrase: str
    binds: str
    disposition: str
    requirements: tuple[str, ...]
    reason: str
    note: str


@dataclass
class Inventory:
    documents: list[Document]
    statements: list[Statement]
    catalogue: dict[str, dict[str, Any]] | None
    markers: dict[str, list[str]] = field(default_factory=dict)


def _section_sort_key(section: str) -> tuple[int, ...]:
    return tuple(int(part) for part in section.split("."))


def load_statements(path: Path = STATEMENTS_PATH) -> tuple[list[Document], list[Statement]]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    documents = [
        Document(
            id=d["id"],
            title=d["title"],
            version=d["version"],
            sections=tuple(d["sections"]),
            note=d.get("note", ""),
            empty_section_note=d.get(
                "empty_section_note", "No normative sentence in this section."
            ),
        )
        for d in data.get("document", [])
    ]
    statements = [
        Statement(
            key=s["key"],
            document=s["document"],
            section=s["section"],
            keywords=tuple(s["keywords"]),
            paraphrase=s["paraphrase"],
            binds=s["binds"],
            disposition=s["disposition"],
            requirements=tuple(s.get("requirements", [])),
            reason=s.get("reason", ""),
            note=s.get("note", ""),
        )
        for s in data.get("statement", [])
    ]
    return documents, statements


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, dict[str, Any]] | None:
    """Requirement ID -> entry, or None when the catalogue file does not exist."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {entry["id"]: entry for entry in data.get("requirement", [])}


def _requirement_ids(call: ast.Call) -> list[str]:
    """IDs passed to a ``pytest.mark.requirement(...)`` call, else []."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "requirement"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "mark"
    ):
        return []
    return [
        arg.value
        for arg in call.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]


def _calls_in(node: ast.AST | None) -> Iterable[ast.Call]:
    if node is None:
        return []
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def collect_markers(suite_dir: Path = SUITE_DIR, root: Path = ROOT) -> dict[str, list[str]]:
    """Requirement ID -> sorted test locations carrying its marker (module::name or module).

    Locations are paths relative to `root`.
    """
    found: dict[str, set[str]] = defaultdict(set)
    if not suite_dir.is_dir():
        return {}
    for path in sorted(suite_dir.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for deco in node.decorator_list:
                    for call in _calls_in(deco):
                        for rid in _requirement_ids(call):
                            found[rid].add(f"{rel}::{node.name}")
        for stmt in tree.body:
            targets: list[ast.expr] = []
            value: ast.AST | None = None
            if isinstance(stmt, ast.Assign):
                targets, value = list(stmt.targets), stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
                for call in _calls_in(value):
                    for rid in _requirement_ids(call):
                        found[rid].add(rel)
    return {rid: sorted(locs) for rid, locs in sorted(found.items())}


def load_inventory(
    statements_path: Path = STATEMENTS_PATH,
    catalogue_path: Path = CATALOGUE_PATH,
    suite_dir: Path = SUITE_DIR,
) -> Inventory:
    documents, statements = load_statements(statements_path)
    return Inventory(
        documents=documents,
        statements=statements,
        catalogue=load_catalogue(catalogue_path),
        markers=collect_markers(suite_dir),
    )


def validate(inv: Inventory) -> list[str]:
    """Problems that make the inventory wrong; an empty list means consistent."""
    problems: list[str] = []
    doc_ids = {d.id for d in inv.documents}
    seen: Counter[str] = Counter(s.key for s in inv.statements)
    for key, n in sorted(seen.items()):
        if n > 1:
            problems.append(f"duplicate statement key {key} ({n} times)")
    for s in inv.statements:
        where = f"{s.key}:"
        if s.document not in doc_ids:
            problems.append(f"{where} unknown document {s.document!r}")
        elif s.section not in next(d for d in inv.documents if d.id == s.document).sections:
            problems.append(f"{where} section {s.section} not listed for {s.document}")
        if not s.key.startswith(f"{s.document}-{s.section}-"):
            problems.append(f"{where} key does not start with {s.document}-{s.section}-")
        if not s.keywords or any(k not in KEYWORDS for k in s.keywords):
            problems.append(f"{where} keywords {list(s.keywords)} not BCP 14 keywords/'implied'")
        if s.binds not in BINDS:
            problems.append(f"{where} binds {s.binds!r} not one of {BINDS}")
        if not s.paraphrase.strip():
            problems.append(f"{where} empty paraphrase")
        if s.disposition not in DISPOSITIONS:
            problems.append(f"{where} disposition {s.disposition!r} not one of {DISPOSITIONS}")
        if s.disposition == "tested":
            if not s.requirements:
                problems.append(f"{where} tested but lists no requirement IDs")
        else:
            if s.requirements:
                problems.append(f"{where} {s.disposition} but lists requirement IDs")
            if not s.reason.strip():
                problems.append(f"{where} {s.disposition} without a reason")
        if inv.catalogue is not None:
            for rid in s.requirements:
                if rid not in inv.catalogue:
                    problems.append(f"{where} requirement {rid} is not in the catalogue")
    return problems


def unreferenced_requirements(inv: Inventory) -> list[str]:
    """Catalogue IDs that no statement cites (each should trace to a normative sentence)."""
    if inv.catalogue is None:
        return []
    cited = {rid for s in inv.statements for rid in s.requirements}
    return sorted(set(inv.catalogue) - cited)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _anchor(doc: Document) -> str:
    return doc.id.lower()


def render(inv: Inventory) -> str:
    docs = inv.documents
    by_doc_section: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    for s in inv.statements:
        by_doc_section[(s.document, s.section)].append(s)

    out: list[str] = [
        "# Coverage inventory",
        "",
        "<!-- Generated by scripts/gen_coverage.py from docs/coverage/normative-statements.toml,",
        "     conformance/catalogue/requirements.toml and the suite's requirement markers.",
        "     Do not edit by hand: change the inputs and run",
        "     `.venv/bin/python scripts/gen_coverage.py`. -->",
        "",
        "Every normative sentence (BCP 14 keyword) of the covered sections, plus a few",
        "keyword-less rules marked *implied*, with what the suite does about it: **tested** (by",
        "which catalogue requirement IDs), **gap** (black-box testable but no catalogue",
        "requirement yet), **untestable** black-box, or **out of scope** - each non-tested",
        "entry with its reason.",
        "Paraphrases are our own words, not the specification text.",
        "",
        "## Totals",
        "",
    ]
    totals = Counter(s.disposition for s in inv.statements)
    out += _table(
        ["Disposition", "Statements"],
        [[DISPOSITION_LABEL[d], str(totals.get(d, 0))] for d in DISPOSITIONS]
        + [["**all**", str(len(inv.statements))]],
    )
    out += ["", "By document:", ""]
    rows = []
    for doc in docs:
        counts = Counter(s.disposition for s in inv.statements if s.document == doc.id)
        rows.append(
            [f"[{doc.id}](#{_anchor(doc)})"]
            + [str(counts.get(d, 0)) for d in DISPOSITIONS]
            + [str(sum(counts.values()))]
        )
    out += _table(["Document", *DISPOSITIONS, "all"], rows)

    out += ["", "## Catalogue cross-check", ""]
    if inv.catalogue is None:
        out += ["The requirement catalogue was not found; requirement IDs are not verified."]
    else:
        cited = {rid for s in inv.statements for rid in s.requirements}
        unref = unreferenced_requirements(inv)
        without_tests = sorted(rid for rid in inv.catalogue if rid not in inv.markers)
        out += [
            f"- Catalogue requirements: {len(inv.catalogue)}; "
            f"cited by at least one statement: {len(cited & set(inv.catalogue))}.",
            "- Requirements no statement cites: "
            + (", ".join(f"`{r}`" for r in unref) if unref else "none") + ".",
            f"- Requirements with at least one suite test marked for them: "
            f"{len(inv.catalogue) - len(without_tests)} of {len(inv.catalogue)}.",
        ]

    gaps = [s for s in inv.statements if s.disposition == "gap"]
    out += ["", "## Gaps: testable, but no catalogue requirement", ""]
    if gaps:
        out += _table(
            ["Statement", "Keyword", "Paraphrase", "What is missing"],
            [[f"`{s.key}`", ", ".join(s.keywords), s.paraphrase, s.reason] for s in gaps],
        )
    else:
        out += ["None."]

    for doc in docs:
        out += ["", f'<a id="{_anchor(doc)}"></a>', "", f"## {doc.id}: {doc.title}", ""]
        out += [f"Version: {doc.version}."]
        if doc.note:
            out += ["", doc.note]
        for section in sorted(doc.sections, key=_section_sort_key):
            out += ["", f"### {doc.id} §{section}", ""]
            stmts = by_doc_section.get((doc.id, section), [])
            if not stmts:
                out += [doc.empty_section_note]
                continue
            rows = []
            for s in stmts:
                ids = ", ".join(f"`{r}`" for r in s.requirements)
                why = s.reason if s.disposition != "tested" else s.note
                rows.append(
                    [
                        f"`{s.key}`",
                        ", ".join(s.keywords),
                        s.paraphrase,
                        s.binds,
                        s.disposition,
                        ids,
                        why,
                    ]
                )
            out += _table(
                ["Key", "Keyword", "Paraphrase", "Binds", "Disposition", "Requirement IDs",
                 "Reason / note"],
                rows,
            )

    if inv.catalogue is not None:
        out += ["", "## Requirement index", ""]
        out += [
            "Each catalogue requirement, the statements it covers, and how many suite tests carry",
            "its marker.",
            "",
        ]
        cites: dict[str, list[str]] = defaultdict(list)
        for s in inv.statements:
            for rid in s.requirements:
                cites[rid].append(s.key)
        out += _table(
            ["Requirement", "Level", "Statements", "Suite tests"],
            [
                [
                    f"`{rid}`",
                    str(inv.catalogue[rid].get("level", "")),
                    ", ".join(f"`{k}`" for k in cites.get(rid, [])) or "(none)",
                    str(len(inv.markers.get(rid, []))),
                ]
                for rid in sorted(inv.catalogue)
            ],
        )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=OUTPUT_PATH, help="file to write")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the output is stale"
    )
    args = parser.parse_args(argv)

    inv = load_inventory()
    problems = validate(inv)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1
    text = render(inv)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/gen_coverage.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
