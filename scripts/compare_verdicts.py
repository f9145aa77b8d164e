"""Verdict snapshots, to show a refactoring changed no verdict (issue 11).

    python scripts/compare_verdicts.py snapshot OUT.json   # fault set + interop matrix
    python scripts/compare_verdicts.py compare BEFORE.json AFTER.json

``snapshot`` runs the whole suite (every requirement, seed 0, 5 examples per property) against
the unbroken reference and against every variant of the fault set, in-process, and reads the
per-requirement verdicts of the last ``make interop`` from ``reports/interop/*/results.json``.
``compare`` prints every (run, requirement) whose verdict differs and exits 1 if there is one.
Run ``snapshot`` from a checkout (it imports ``tests.faults``); take the "before" snapshot in a
worktree of the old commit with ``PYTHONPATH`` pointing at it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path.cwd()
EXAMPLES = 5


def _fault_set() -> dict[str, dict[str, str]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # tests.faults and tests.demo of this checkout
    from conformance.runner import run_suite
    from tests.demo import DEMO_ENV, REFERENCE_PROFILE
    from tests.faults.variants import FAULTS, reference

    runs: dict[str, dict[str, str]] = {}
    plan = [("reference", reference, "rfc6749")] + [(f.name, f.build, f.spec) for f in FAULTS]
    for i, (name, build, spec) in enumerate(plan, 1):
        res = run_suite(build(), REFERENCE_PROFILE, spec=None if spec == "rfc6749" else spec,
                        environ=DEMO_ENV, examples=EXAMPLES, seed=0)
        runs[f"fault:{name}"] = {rid: r.verdict.value for rid, r in res.requirements.items()}
        print(f"[{i}/{len(plan)}] {name}: exit {res.exit_status}", file=sys.stderr)
    return runs


def _interop() -> dict[str, dict[str, str]]:
    runs: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "reports" / "interop").glob("*/results.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        runs[f"interop:{path.parent.name}"] = {r["id"]: r["verdict"]
                                               for r in doc["requirements"]}
    return runs


def snapshot(out: Path) -> int:
    t0 = time.perf_counter()
    runs = {**_fault_set(), **_interop()}
    out.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(runs)} runs, {sum(len(v) for v in runs.values())} verdicts in "
          f"{time.perf_counter() - t0:.0f} s -> {out}", file=sys.stderr)
    return 0


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    diffs = []
    for run in sorted(set(a) | set(b)):
        if run not in a or run not in b:
            diffs.append(f"{run}: only in {'before' if run in a else 'after'}")
            continue
        for rid in sorted(set(a[run]) | set(b[run])):
            va, vb = a[run].get(rid, "-"), b[run].get(rid, "-")
            if va != vb:
                diffs.append(f"{run} {rid}: {va} -> {vb}")
    for line in diffs:
        print(line)
    total = sum(len(v) for v in a.values())
    print(f"{len(a)} runs, {total} verdicts compared: {len(diffs)} differences")
    return 1 if diffs else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "snapshot":
        return snapshot(Path(argv[1]))
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
