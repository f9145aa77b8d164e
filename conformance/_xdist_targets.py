"""The outer session of a multi-target run (see :mod:`conformance.multitarget`): one test per
target, which runs that target's whole suite session. Collected only by
:func:`conformance.multitarget.run_all`; never part of the suite itself."""

from __future__ import annotations

import pytest

from conformance.multitarget import load_plan, run_one


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target_index" in metafunc.fixturenames:
        plan = load_plan()
        metafunc.parametrize("target_index", range(len(plan)), ids=[r.name for r in plan])


def test_target(target_index: int) -> None:
    run_one(load_plan()[target_index])
