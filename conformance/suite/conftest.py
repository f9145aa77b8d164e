"""Fixtures of the conformance suite. The run belongs to the plugin (conformance.plugin,
conformance.suite_plugin); this file only hands each test its ``cc`` check context."""

from __future__ import annotations

import pytest

from conformance.harness import CheckContext
from conformance.markers import MARKER_LINE
from conformance.plugin import get_plugin


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if get_plugin(config) is None and any("conformance/suite" in i.nodeid or
                                          "conformance.suite" in i.nodeid for i in items):
        raise pytest.UsageError(
            "conformance.suite needs a target: --cc-url URL, --cc-app module:attr or "
            "--cc-profile FILE"
        )


@pytest.fixture
def cc(request: pytest.FixtureRequest) -> CheckContext:
    plugin = get_plugin(request.config)
    if plugin is None:  # pragma: no cover - guarded at collection
        raise pytest.UsageError("conformance suite run without a target")
    return plugin.check_context(request.node)  # type: ignore[attr-defined,no-any-return]


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so a target-less run reaches the clear usage error above instead of
    # failing on --strict-markers.
    config.addinivalue_line("markers", MARKER_LINE)
