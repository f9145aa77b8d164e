"""pytest entry point of the conformance suite (the ``cc_conformance`` pytest11 entry point, so
it loads in every pytest run of an environment that installs the suite).

Hooks only, in the manner of Hypothesis' own plugin: it declares the ``--cc-*`` options (from
the table in :mod:`conformance.option_table`, which imports nothing but the standard library) and
stays inert unless a run is configured. A run is configured when ``cc-conformance`` or the
programmatic runner passed a :class:`conformance.suite_plugin.SuitePlugin` to ``pytest.main``,
or when a bare ``pytest --pyargs conformance.suite`` run names a target (``--cc-url``,
``--cc-app``, ``--cc-grant`` or ``--cc-profile``). Only then are the suite's modules imported.
"""

from __future__ import annotations

import pytest

from conformance.option_table import PYTEST_TARGET_DESTS, declare_pytest_options

PLUGIN_NAME = "cc_conformance_session"  # the name a bare pytest run registers SuitePlugin as


def pytest_addoption(parser: pytest.Parser) -> None:
    declare_pytest_options(parser)


def _injected(config: pytest.Config) -> object | None:
    for plugin in config.pluginmanager.get_plugins():
        if getattr(plugin, "cc_conformance_session", False) is True:
            return plugin
    return None


def pytest_configure(config: pytest.Config) -> None:
    if _injected(config) is not None:
        return  # the CLI or the runner configured the run
    if not any(config.getoption(dest) for dest in PYTEST_TARGET_DESTS):
        return  # inert: not a conformance run
    from conformance.exitstatus import ExitStatus
    from conformance.options import ConfigError, RunRequest, build_run_options
    from conformance.suite_plugin import SuitePlugin

    try:
        options = build_run_options(RunRequest.from_pytest(config))
    except ConfigError as exc:
        pytest.exit(f"cc-conformance: {exc}", returncode=ExitStatus.USAGE)
    config.pluginmanager.register(SuitePlugin(options), PLUGIN_NAME)


def get_plugin(config: pytest.Config) -> object | None:
    """The configured run's :class:`~conformance.suite_plugin.SuitePlugin`, or None."""
    return _injected(config)
