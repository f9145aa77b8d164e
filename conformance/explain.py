"""``cc-conformance explain ID``: a requirement, why it matters, its section, and how the suite
checks it -- the tests tagged with the ID (``@pytest.mark.requirement``) and their docstrings
("what it sends / what the spec requires").

The tests are found by reading the suite's source (``ast``), not by collecting it: explaining
needs no target, no profile and no secrets.
"""

from __future__ import annotations

import ast
import difflib
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.catalogue import Catalogue, Requirement

SUITE_DIR = Path(__file__).parent / "suite"


@dataclass(frozen=True, slots=True)
class SuiteTest:
    nodeid: str  # conformance/suite/rfc6749/test_x.py::test_y
    requirements: tuple[str, ...]
    doc: str
    also: tuple[str, ...] = ()  # IDs the test's body names (e.g. also=[...]); informative


def _marker_ids(node: ast.AST) -> list[str]:
    """String arguments of ``pytest.mark.requirement(...)`` decorators."""
    ids: list[str] = []
    for deco in getattr(node, "decorator_list", []):
        if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                and deco.func.attr == "requirement"):
            ids += [a.value for a in deco.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return ids


@cache
def suite_tests(root: Path = SUITE_DIR) -> tuple[SuiteTest, ...]:
    out: list[SuiteTest] = []
    base = root.parent.parent
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(base).as_posix()
        for node in tree.body:
            scopes: list[tuple[str, ast.AST, list[str]]] = []
            if isinstance(node, ast.ClassDef):
                outer = _marker_ids(node)
                scopes += [(f"{node.name}::{f.name}", f, outer) for f in node.body
                           if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                scopes.append((node.name, node, []))
            for name, fn, outer in scopes:
                if not name.split("::")[-1].startswith("test"):
                    continue
                ids = tuple(dict.fromkeys([*outer, *_marker_ids(fn)]))
                if not ids:
                    continue
                named = {c.value for c in ast.walk(fn) if isinstance(c, ast.Constant)
                         and isinstance(c.value, str) and c.value.count("-") >= 2
                         and c.value.startswith(("RFC", "OAUTH21-"))}
                doc = ast.get_docstring(fn) or ""  # type: ignore[arg-type]
                out.append(SuiteTest(f"{rel}::{name}", ids, doc,
                                     tuple(sorted(named - set(ids)))))
    return tuple(out)


def tests_for(rid: str) -> tuple[list[SuiteTest], list[SuiteTest]]:
    """(tests tagged with ``rid``, tests that only name it in their body)."""
    tagged = [t for t in suite_tests() if rid in t.requirements]
    named = [t for t in suite_tests() if rid in t.also and t not in tagged]
    return tagged, named


def close_matches(rid: str, catalogue: Catalogue) -> list[str]:
    ids = [r.id for r in catalogue]
    close = difflib.get_close_matches(rid, ids, n=5, cutoff=0.5)
    if not close:  # a fragment such as "pragma" or "5.1"
        close = [i for i in ids if rid.lower() in i.lower()][:5]
    return close


def _para(text: str, indent: str = "  ") -> str:
    return textwrap.fill(" ".join(text.split()), width=96, initial_indent=indent,
                         subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def explain(req: Requirement, catalogue: Catalogue) -> str:
    doc = catalogue.documents.get(req.document)
    lines = [f"{req.id}  ({req.level}; profiles: {', '.join(req.profiles)})",
             f"{doc.title if doc else req.document}, section {req.section}",
             f"  {req.url}", "", "Requirement:", _para(req.statement), "", "Why it matters:",
             _para(req.why), "", "How the suite checks it:"]
    tagged, named = tests_for(req.id)
    if not tagged and not named:
        lines.append("  no test of this suite version checks it (it is reported "
                     "not_applicable)")
    for t in tagged:
        lines.append(f"- {t.nodeid}")
        lines.append(_para(t.doc or "(no docstring)", "    "))
        others = [i for i in t.requirements if i != req.id]
        if others:
            lines.append(_para("the same exchanges also judge: " + ", ".join(others), "    "))
    for t in named:
        lines.append(f"- {t.nodeid} (records it while checking "
                     f"{', '.join(t.requirements)})")
        lines.append(_para(t.doc or "(no docstring)", "    "))
    lines += ["", f"Run only these checks: cc-conformance run --profile PROFILE "
                  f"--requirement {req.id}"]
    return "\n".join(lines)
