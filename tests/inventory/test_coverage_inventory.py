"""The coverage inventory (docs/coverage.md) stays true to its inputs.

Checks the hand-maintained statement list (docs/coverage/normative-statements.toml) against the
requirement catalogue and proves the committed docs/coverage.md is what the generator produces
now. The negative tests feed the validator broken copies so a vacuous check cannot pass.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_coverage.py"
Catalogue = dict[str, dict[str, Any]]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cc_gen_coverage", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


gen = _load_generator()

NO_CATALOGUE = (
    f"requirement catalogue {gen.CATALOGUE_PATH.relative_to(ROOT)} does not exist yet; "
    "requirement IDs cannot be checked"
)


@pytest.fixture(scope="module")
def inventory() -> Any:
    return gen.load_inventory()


@pytest.fixture(scope="module")
def catalogue(inventory: Any) -> Catalogue:
    if inventory.catalogue is None:
        pytest.skip(NO_CATALOGUE)
    return inventory.catalogue


def test_statement_keys_are_unique(inventory: Any) -> None:
    counts = Counter(s.key for s in inventory.statements)
    assert [k for k, n in counts.items() if n > 1] == []


def test_every_non_tested_statement_gives_a_reason(inventory: Any) -> None:
    missing = [s.key for s in inventory.statements if s.disposition != "tested" and not s.reason]
    assert missing == []


def test_every_tested_statement_names_requirements(inventory: Any) -> None:
    empty = [
        s.key for s in inventory.statements if s.disposition == "tested" and not s.requirements
    ]
    assert empty == []


def test_tested_ids_exist_in_catalogue(inventory: Any, catalogue: Catalogue) -> None:
    unknown = sorted(
        f"{s.key} -> {rid}"
        for s in inventory.statements
        for rid in s.requirements
        if rid not in catalogue
    )
    assert unknown == [], "statements cite IDs the catalogue does not define"


def test_every_catalogue_requirement_is_cited(inventory: Any, catalogue: Catalogue) -> None:
    # A requirement no normative sentence accounts for is either mis-cited here or checks
    # something outside the covered sections: both need a human decision, not a silent pass.
    assert gen.unreferenced_requirements(inventory) == []


def test_inventory_validates_cleanly(inventory: Any) -> None:
    assert gen.validate(inventory) == []


def test_coverage_md_is_up_to_date(tmp_path: Path, inventory: Any) -> None:
    if inventory.catalogue is None:
        pytest.skip(NO_CATALOGUE)
    fresh = tmp_path / "coverage.md"
    assert gen.main(["--output", str(fresh)]) == 0
    committed = gen.OUTPUT_PATH.read_text(encoding="utf-8")
    assert committed == fresh.read_text(encoding="utf-8"), (
        "docs/coverage.md is stale: run `.venv/bin/python scripts/gen_coverage.py` and commit it"
    )


def test_render_is_deterministic(inventory: Any) -> None:
    assert gen.render(inventory) == gen.render(gen.load_inventory())


# --- the checks really fail --------------------------------------------------------------


def _with(inventory: Any, **changes: Any) -> Any:
    """A copy of the inventory whose first tested statement has `changes` applied."""
    statements = list(inventory.statements)
    index = next(i for i, s in enumerate(statements) if s.disposition == "tested")
    statements[index] = dataclasses.replace(statements[index], **changes)
    return dataclasses.replace(inventory, statements=statements)


def test_validator_catches_an_unknown_requirement_id(inventory: Any, catalogue: Catalogue) -> None:
    broken = _with(inventory, requirements=("RFC6749-0-no-such-requirement",))
    assert any("not in the catalogue" in p for p in gen.validate(broken))


def test_validator_catches_a_missing_reason(inventory: Any) -> None:
    broken = _with(inventory, disposition="untestable", requirements=(), reason="")
    assert any("without a reason" in p for p in gen.validate(broken))


def test_validator_catches_a_duplicate_key(inventory: Any) -> None:
    statements = [*inventory.statements, inventory.statements[0]]
    broken = dataclasses.replace(inventory, statements=statements)
    assert any("duplicate statement key" in p for p in gen.validate(broken))


def test_uncited_requirement_is_reported(inventory: Any, catalogue: Catalogue) -> None:
    extra = dict(catalogue)
    extra["RFC6749-0-orphan"] = {"id": "RFC6749-0-orphan", "level": "MUST"}
    broken = dataclasses.replace(inventory, catalogue=extra)
    assert gen.unreferenced_requirements(broken) == ["RFC6749-0-orphan"]


def test_marker_scan_reads_requirement_markers(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_sample.py").write_text(
        "import pytest\n"
        "pytestmark = [pytest.mark.requirement('RFC6749-5.1-no-store')]\n"
        "@pytest.mark.requirement('RFC6749-5.1-json', 'RFC6749-5.1-status-200')\n"
        "def test_x():\n"
        "    pass\n",
        encoding="utf-8",
    )
    markers = gen.collect_markers(suite, root=tmp_path)
    assert markers == {
        "RFC6749-5.1-json": ["suite/test_sample.py::test_x"],
        "RFC6749-5.1-no-store": ["suite/test_sample.py"],
        "RFC6749-5.1-status-200": ["suite/test_sample.py::test_x"],
    }
