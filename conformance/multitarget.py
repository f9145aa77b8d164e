"""Several targets in one run (``cc-conformance run --profile a.toml --profile b.toml``).

Design: one complete, ordinary suite session per target -- exactly the pytest session a
single-target ``cc-conformance run --profile X`` starts, with the same options -- and those
sessions run in parallel on pytest-xdist workers. The CLI starts an outer pytest session over
:mod:`conformance._xdist_targets`, whose one test is parametrized by target; with ``-n JOBS``
xdist hands each target to a worker process, which builds that target's options from its
:class:`~conformance.options.RunRequest` (plain values: secrets stay in the environment) with
the same :func:`~conformance.options.build_run_options` as a single run, runs its session
in-process (in a thread, the console going to ``<report dir>/console.txt``) and records its
exit status.
``--jobs 0`` runs the same items one after another in the CLI's process, without xdist.

Because each target's verdicts come from the same session code with the same arguments and seed
-- nothing is shared between targets but the catalogue -- the verdicts are those of separate
single-target runs; ``tests/adoption`` checks that. Each target writes its reports to
``<report dir>/<target name>/``; the CLI then builds the combined matrix
(:mod:`conformance.reports.matrix`) from their ``results.json``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

PLAN_ENV = "CC_MULTI_PLAN"
ITEMS = Path(__file__).with_name("_xdist_targets.py")


@dataclass(frozen=True, slots=True)
class TargetRun:
    """One target's session: its run request, the pytest arguments and where its outputs go."""

    name: str
    request: dict[str, object]  # RunRequest.to_json()
    args: list[str]
    json_path: str  # the results document (also written under report_dir when there is one)
    console_path: str  # the session's console text
    status_path: str  # its exit status, written when the session ends


def run_one(run: TargetRun) -> int:
    """Run one target's suite session in this process; returns (and records) its exit status."""
    from conformance.exitstatus import ExitStatus
    from conformance.options import ConfigError, RunRequest, build_run_options
    from conformance.runner import pytest_in_thread
    from conformance.suite_plugin import SuitePlugin

    Path(run.console_path).parent.mkdir(parents=True, exist_ok=True)
    status: int = ExitStatus.USAGE
    with open(run.console_path, "w", encoding="utf-8") as console, \
            contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        try:
            options = build_run_options(RunRequest.from_json(run.request))
            status = pytest_in_thread(list(run.args), [SuitePlugin(options)],
                                      name=f"cc-target-{run.name}")
        except ConfigError as exc:
            print(f"cc-conformance: {exc}")
        except BaseException as exc:  # recorded as that target's failure (exit 2)
            print(f"cc-conformance: the session of target {run.name!r} crashed: "
                  f"{type(exc).__name__}: {exc}")
    Path(run.status_path).write_text(str(status), encoding="utf-8")
    return status


def load_plan() -> list[TargetRun]:
    path = os.environ.get(PLAN_ENV)
    if not path:
        return []
    return [TargetRun(**raw) for raw in json.loads(Path(path).read_text(encoding="utf-8"))]


def run_all(runs: Sequence[TargetRun], jobs: int) -> tuple[list[int | None], str]:
    """Run every target's session, ``jobs`` at a time on xdist workers (0: sequentially in this
    process, no xdist). Returns each target's exit status (None: the session left none) and
    the outer session's console text (for diagnosing a crash)."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="cc-multi-") as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps([asdict(r) for r in runs]), encoding="utf-8")
        ini = Path(tmp) / "pytest.ini"  # isolate the outer session from the caller's config
        ini.write_text("[pytest]\n", encoding="utf-8")
        args = [str(ITEMS), "-c", str(ini), "--rootdir", str(ITEMS.parent),
                "--confcutdir", str(ITEMS.parent), "-p", "no:cacheprovider", "-q",
                "-W", "ignore::pytest.PytestAssertRewriteWarning",
                "-o", "asyncio_default_fixture_loop_scope=function"]
        args += ["-n", str(jobs), "--dist", "load"] if jobs > 0 else ["-p", "no:xdist"]
        out = io.StringIO()
        old = os.environ.get(PLAN_ENV)
        os.environ[PLAN_ENV] = str(plan)
        try:
            with contextlib.redirect_stdout(out):
                pytest.main(args)
        finally:
            if old is None:
                os.environ.pop(PLAN_ENV, None)
            else:
                os.environ[PLAN_ENV] = old
    statuses: list[int | None] = []
    for r in runs:
        p = Path(r.status_path)
        statuses.append(int(p.read_text(encoding="utf-8")) if p.is_file() else None)
    return statuses, out.getvalue()
