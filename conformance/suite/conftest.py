"""Fixtures of the conformance suite. The plugin (conformance.plugin) owns the run; this file
only hands each test its ``cc`` helper."""

from __future__ import annotations

import pytest

from conformance.harness import CC
from conformance.plugin import get_session


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if get_session(config) is None and any("conformance/suite" in i.nodeid or
                                           "conformance.suite" in i.nodeid for i in items):
        raise pytest.UsageError(
            "conformance.suite needs a target: --cc-url URL, --cc-app module:attr or "
            "--cc-profile FILE"
        )


@pytest.fixture
def cc(request: pytest.FixtureRequest) -> CC:
    plugin = request.config.pluginmanager.get_plugin("cc_conformance_session")
    if plugin is None:  # pragma: no cover - guarded at collection
        raise pytest.UsageError("conformance suite run without a target")
    helper = plugin.make_cc(request.node)
    request.node._cc = helper
    return helper


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so a target-less run reaches the clear usage error above instead of
    # failing on --strict-markers.
    config.addinivalue_line("markers", "requirement(*ids): requirement IDs a test checks")
