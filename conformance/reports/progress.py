"""The live progress line: requirements done of total and the section being checked.

On a terminal it is one line rewritten in place (pytest's per-test dots are suppressed); in a
CI log (not a TTY) it is one plain line each time the run moves to a new section, and one at
the end. Shown only at the default or quiet verbosity: with ``-v`` pytest's own per-test lines
are the progress. The per-section table at the end is the plugin's terminal summary.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from conformance.catalogue import Catalogue
from conformance.markers import item_requirements

PLUGIN_NAME = "cc_conformance_progress"


class Progress:
    def __init__(self, config: pytest.Config, catalogue: Catalogue) -> None:
        self.config = config
        self.catalogue = catalogue
        self.tr: pytest.TerminalReporter | None = None
        self.tty = False
        self.total = 0
        self.remaining: dict[str, int] = {}  # requirement -> tests still to finish
        self.rids_of: dict[str, list[str]] = {}  # nodeid -> requirements
        self.section = ""
        self._finished = False

    @property
    def done(self) -> int:
        return sum(1 for n in self.remaining.values() if n == 0)

    def line(self) -> str:
        where = f" -- {self.section}" if self.section and self.done < self.total else ""
        return f"cc-conformance: {self.done}/{self.total} requirements checked{where}"

    def _show(self) -> None:
        if self.tr is None:
            return
        if self.tty:
            self.tr.rewrite(self.line(), erase=True)
            self.tr.write("", flush=True)
        else:
            self.tr.write_line(self.line())

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is None or self.config.get_verbosity() > 0:
            return
        self.tr = tr
        self.tty = bool(tr.isatty())
        # pytest's "[100%]" filler would land on our line; the line is the progress here.
        if hasattr(tr, "_show_progress_info"):
            tr._show_progress_info = False
        for item in session.items:
            rids = [r for r in item_requirements(item) if r in self.catalogue]
            self.rids_of[item.nodeid] = rids
            for r in rids:
                self.remaining[r] = self.remaining.get(r, 0) + 1
        self.total = len(self.remaining)
        if self.tty:
            self.tr.write_line("")
        self._show()

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport,
                                 config: pytest.Config) -> Generator[None, object, object]:
        res = yield
        if self.tr is not None and isinstance(res, tuple) and len(res) == 3:
            return (res[0], "", res[2])  # no dots: the progress line says it
        return res

    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        if self.tr is None:
            return
        rids = self.rids_of.get(nodeid) or []
        section = self.catalogue[rids[0]].section_key if rids else self.section
        changed = section != self.section
        self.section = section
        if self.tty or changed:
            self._show()

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        if self.tr is None:
            return
        for r in self.rids_of.get(nodeid, []):
            self.remaining[r] -= 1
        if self.tty:
            self._show()

    def pytest_sessionfinish(self) -> None:
        self.finish()

    def finish(self) -> None:
        """End the progress display (before the summary table)."""
        if self.tr is None or self._finished:
            return
        self._finished = True
        if self.tty:
            self._show()
            self.tr.write("\n")
        else:
            self._show()
