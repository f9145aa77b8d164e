"""What the installed but inactive pytest plugin costs a vendor's unrelated pytest run.

    python -m bench.plugin_import [--runs N] [--tree DIR]

Two numbers, medians of N runs (docs/benchmarks.md):
- ``import``: the cumulative import time of ``conformance.plugin`` in a process that already
  imported pytest (``python -X importtime``; what the pytest11 entry point adds);
- ``pytest``: the wall time of ``pytest -q`` on a one-test project outside this repository,
  with the plugin loaded and with ``-p no:cc_conformance``.
``--tree`` measures another checkout (e.g. a worktree of an older commit) through PYTHONPATH.
Byte-code is compiled first, as an installed wheel would be.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    return env


def import_us(tree: Path) -> int:
    code = "import pytest, _pytest.config; import conformance.plugin"
    # cwd elsewhere: with -c the current directory comes first on sys.path
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code],  # noqa: S603
                         env=_env(tree), cwd=tempfile.gettempdir(), capture_output=True,
                         text=True, check=True).stderr
    for line in err.splitlines():
        if line.rstrip().endswith("| conformance.plugin"):
            return int(line.split("|")[1])
    raise RuntimeError("conformance.plugin not in the import-time trace")


def pytest_s(tree: Path, project: Path, *extra: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra,  # noqa: S603
                    str(project)], env=_env(tree), cwd=project, capture_output=True, check=True)
    return time.perf_counter() - t0


@dataclass(frozen=True, slots=True)
class PluginCost:
    runs: int
    import_ms: float  # median
    import_min_ms: float
    with_plugin_s: float  # median wall of the one-test pytest run
    without_plugin_s: float

    @property
    def difference_ms(self) -> float:
        return 1000 * (self.with_plugin_s - self.without_plugin_s)


def measure(tree: Path = ROOT, runs: int = 15) -> PluginCost:
    tree = tree.resolve()
    subprocess.run([sys.executable, "-m", "compileall", "-q",  # noqa: S603
                    str(tree / "conformance")], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="cc-vendor-") as tmp:
        project = Path(tmp)
        (project / "test_vendor.py").write_text("def test_unrelated():\n    assert 1 + 1 == 2\n",
                                                encoding="utf-8")
        imports, with_plugin, without = [], [], []
        for _ in range(runs):  # interleaved, so load on the machine hits both alike
            imports.append(import_us(tree))
            with_plugin.append(pytest_s(tree, project))
            without.append(pytest_s(tree, project, "-p", "no:cc_conformance"))
    med = statistics.median
    return PluginCost(runs, med(imports) / 1000, min(imports) / 1000, med(with_plugin),
                      med(without))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tree", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    c = measure(args.tree, args.runs)
    print(f"tree {args.tree.resolve()}, {c.runs} runs (medians)")
    print(f"import conformance.plugin after pytest: {c.import_ms:.1f} ms "
          f"(min {c.import_min_ms:.1f} ms)")
    print(f"pytest -q, one unrelated test: {c.with_plugin_s:.3f} s with the plugin, "
          f"{c.without_plugin_s:.3f} s with -p no:cc_conformance "
          f"(difference {c.difference_ms:+.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
