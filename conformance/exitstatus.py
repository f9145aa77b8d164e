"""The exit-status policy, in one place (CLI, pytest plugin, multi-target runs, runner).

0  every applicable MUST passes (failures an ``--expect`` file accepts included);
1  a requirement failed or errored (or warned under ``--strict``: aggregation already turned
   that warning into a fail), or an expected-findings entry is stale;
2  usage or configuration error (nothing was judged);
3  the target was unreachable, or stopped answering / ran out of budget before the run ended
   without any failure found by then.
A run of several targets exits with the worst of its targets' statuses in the order 2, 1, 3, 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class ExitStatus:
    OK = 0
    FAILED = 1
    USAGE = 2
    UNREACHABLE = 3


class _Judged(Protocol):
    @property
    def verdict(self) -> str: ...

    @property
    def expected(self) -> object: ...


class _Expectations(Protocol):
    @property
    def stale(self) -> Sequence[object]: ...


_BAD = ("fail", "error")


def run_status(requirements: Iterable[_Judged], *, unreachable: bool = False,
               incomplete: bool = False, expectations: _Expectations | None = None,
               pytest_status: int = 0) -> int:
    """The exit status of one target's run from its per-requirement verdicts.

    ``unreachable``: the target never answered; ``incomplete``: it stopped answering or the
    run budget ran out part-way; ``pytest_status``: the status pytest itself ended with (an
    internal or usage error there must not end as 0)."""
    if unreachable:
        return ExitStatus.UNREACHABLE
    reqs = list(requirements)
    failed = any(r.verdict in _BAD and r.expected is None for r in reqs)
    if failed or (expectations is not None and expectations.stale):
        status = ExitStatus.FAILED
    else:
        status = ExitStatus.OK
    if incomplete and not any(r.verdict == "fail" for r in reqs):
        status = ExitStatus.UNREACHABLE
    if pytest_status not in (0, 1, 5) and status == ExitStatus.OK:
        status = ExitStatus.USAGE if pytest_status in (2, 4) else ExitStatus.FAILED
    return status


def from_pytest(status: int) -> int:
    """A pytest session's status as ours: ours pass through; pytest's usage error and "no
    tests collected" (4, 5) are usage errors; anything else (an internal error) a failure."""
    if status in (0, 1, 2, 3):
        return status
    return ExitStatus.USAGE if status in (4, 5) else ExitStatus.FAILED


def combined(statuses: Sequence[int | None]) -> int:
    """One status for several targets: 2 if one had a usage/configuration error (or left no
    status), else 1 if one failed, else 3 if one was unreachable, else 0."""
    codes = [ExitStatus.USAGE if s is None or s not in (0, 1, 2, 3) else s for s in statuses]
    for code in (ExitStatus.USAGE, ExitStatus.FAILED, ExitStatus.UNREACHABLE):
        if code in codes:
            return code
    return ExitStatus.OK
