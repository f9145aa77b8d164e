"""The judge imports nothing from the oracle (docs/design.md), except the grant target."""

from __future__ import annotations

import ast
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
ALLOWED = {CONFORMANCE / "targets" / "grant.py"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
        elif (isinstance(node, ast.Call)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)):
            mods.add(str(node.args[0].value))
    return mods


def test_conformance_never_imports_reference_impl() -> None:
    offenders = []
    files = list(CONFORMANCE.rglob("*.py"))
    assert len(files) > 20
    for path in files:
        if path in ALLOWED:
            continue
        bad = {m for m in imports_of(path) if m.split(".")[0] == "reference_impl"}
        if bad:
            offenders.append(f"{path.relative_to(CONFORMANCE.parent)}: {sorted(bad)}")
    assert not offenders, offenders


def test_scanner_detects_an_import(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text("from reference_impl.endpoint import TokenEndpoint\nimport reference_impl\n")
    assert {"reference_impl.endpoint", "reference_impl"} <= imports_of(f)
