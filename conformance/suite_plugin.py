"""The pytest hooks of one suite run against one target (registered by
:mod:`conformance.plugin` once a run is configured, or passed to ``pytest.main`` by the CLI
and the programmatic runner). Hooks only: the session (:mod:`conformance.harness`) does the
work, builds the results and applies the exit policy (:mod:`conformance.exitstatus`); the
reports (:mod:`conformance.reports`) write and print them.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.exitstatus import ExitStatus
from conformance.expect import write_entries
from conformance.harness import CheckContext, ConformanceSession
from conformance.markers import MARKER_LINE, item_requirements
from conformance.options import RunOptions
from conformance.reports import ReportSet, ReportWriter
from conformance.reports import allure as allure_reports
from conformance.reports.console import write_summary
from conformance.reports.progress import PLUGIN_NAME as PROGRESS_PLUGIN
from conformance.reports.progress import Progress
from conformance.request import UnsendableRequest
from conformance.results import (
    Finding,
    RunResults,
    TestOutcome,
    Verdict,
    effective,
    expect_rows,
)
from conformance.targets import TargetConfigError, TargetError
from conformance.tracebacks import (
    RedactingLogFilter,
    filter_pytest_logging,
    redact_excrepr,
    redact_report,
    redact_warning,
)

PLUGIN_NAME = "cc_conformance_session"


class ConformanceFailure(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A test whose findings include a fail (or a warn under --strict)."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


def error_reason(exc: pytest.ExceptionInfo[BaseException]) -> str:
    """Why a check could not run, in one line (never the raw exception: it may quote a
    request): a target error, a request of the suite HTTP/1.1 cannot carry (a suite bug, never
    the target's and never the breaker's business), or a bug in the check."""
    if exc.errisinstance(TargetError):
        return f"target error: {' '.join(str(exc.value).split())}"
    if exc.errisinstance(UnsendableRequest):
        return " ".join(str(exc.value).split())  # starts "suite limitation:"
    return f"check error: {exc.typename}: {exc.value}"


class SuitePlugin:
    """One target's run. Create it with the run's options and hand it to ``pytest.main``
    (``plugins=[SuitePlugin(options)]``); after the session ``results`` holds the results."""

    cc_conformance_session = True  # how conformance.plugin recognises an injected run

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.session = ConformanceSession(options)
        self.results: RunResults | None = None
        self.reports: ReportSet | None = None
        self._t0 = time.perf_counter()
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        self._allure_redaction: object | None = None
        self.allure = False

    # ---------------------------------------------------------------- lifecycle
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        config.addinivalue_line("markers", MARKER_LINE)
        self.allure = allure_reports.active(config)
        # Whatever pytest and allure-pytest show of a broken test passes the session's redactor
        # first (conformance.tracebacks): reports, allure results, log records, warnings.
        if self.allure:
            self._allure_redaction = allure_reports.register_redaction(self.session.redactor)
        self._log_filter = RedactingLogFilter(self.session.redactor)
        opts = self.options
        report_dir = Path(opts.report_dir) if opts.report_dir else None
        self.writer = ReportWriter(
            report_dir, Path(opts.json_path) if opts.json_path else None,
            Path(config.option.allure_report_dir) if self.allure and report_dir else None)
        config.pluginmanager.register(Progress(config, self.session.catalogue), PROGRESS_PLUGIN)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        filter_pytest_logging(self.config, self._log_filter)
        try:
            self.session.start()
        except TargetConfigError as exc:
            # An unusable target (bad module:attr, a grant factory that fails): exit 2.
            # pytest skips sessionfinish after an exit here, so close the session ourselves.
            self.session.close()
            pytest.exit(f"cc-conformance: {self.session.redactor.text(str(exc))}",
                        returncode=ExitStatus.USAGE)
        self._say([n for n in self.session.notes() if n.startswith("WARNING")], red=True)
        self.session.preflight()

    def _say(self, lines: list[str], *, red: bool) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in lines:
            if tr is not None:
                tr.write_line(f"cc-conformance: {line}", red=red, bold=red)
            else:  # pragma: no cover - no terminal reporter (-p no:terminal)
                print(f"cc-conformance: {line}", file=sys.stderr)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # Once the run budget is spent every remaining test is an error, without running.
        self.session.check_budget()

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        o = self.options
        return [
            f"cc-conformance: target {o.target.kind} {o.target.location}",
            f"cc-conformance: spec profile {o.profile.spec}; strict={o.strict}; "
            f"seed={self.session.seed} (reproduce with --cc-seed {self.session.seed})",
        ]

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        cat = self.session.catalogue
        for item in items:
            for rid in item_requirements(item):
                if rid not in cat:
                    raise pytest.UsageError(f"{item.nodeid}: unknown requirement {rid!r}")
        sel = self.options.select
        if sel is None:
            return
        unknown = sorted(r for r in sel if r not in cat)
        if unknown:
            raise pytest.UsageError(f"unknown requirement IDs: {', '.join(unknown)}")
        keep, drop = [], []
        for item in items:
            (keep if sel & set(item_requirements(item)) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if self.session.target_error:
            for item in session.items:
                for rid in item_requirements(item):
                    self.session.extra_findings.append(Finding(
                        requirement=rid, verdict=Verdict.ERROR, test=item.nodeid,
                        reason=f"target unreachable: {self.session.target_error}"))
            self._say([f"target unreachable: {self.session.target_error}"], red=True)
            return True
        return None

    # ---------------------------------------------------------------- tests
    def check_context(self, item: pytest.Item) -> CheckContext:
        """The ``cc`` fixture's object for one test (conformance/suite/conftest.py)."""
        ctx = CheckContext(self.session, item, item_requirements(item))
        item._cc = ctx  # type: ignore[attr-defined]
        return ctx

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        if self.allure:
            allure_reports.label_test(self.session.catalogue, item_requirements(item))
        result = yield
        ctx = getattr(item, "_cc", None)
        if isinstance(ctx, CheckContext):
            if self.allure:
                allure_reports.attach_findings(ctx.rec.findings, self.session.redactor,
                                               self.options.profile,
                                               self.options.target.kind != "url")
            bad = [f for f in ctx.rec.findings
                   if effective(f.verdict, self.options.strict) in (Verdict.FAIL, Verdict.ERROR)]
            if bad:
                raise ConformanceFailure(self._explain(bad))
        return result

    def _explain(self, findings: list[Finding]) -> str:
        red = self.session.redactor
        out = []
        for f in findings:
            req = self.session.catalogue[f.requirement]
            out.append(f"[{f.verdict.value.upper()}] {f.requirement} ({req.level}, {req.url})\n"
                       f"  requirement: {req.statement}\n"
                       f"  expected: {red.text(f.expected)}\n  observed: {red.text(f.observed)}"
                       + (f"\n  reason: {red.text(f.reason)}" if f.reason else ""))
            if f.exchanges:
                shown = f.exchanges[-1].render(red).replace("\n", "\n    ")
                out.append("  exchange:\n    " + shown)
        return "\n".join(out)

    # trylast: the innermost wrapper, so the report is redacted before the other wrappers
    # (allure-pytest reads longrepr in its own) see it.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Generator[None, object, object]:
        report = yield
        assert isinstance(report, pytest.TestReport)
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            exc = call.excinfo
            if exc is not None and not exc.errisinstance((ConformanceFailure,
                                                          pytest.skip.Exception)):
                # The check itself could not run: every requirement of the test is an error.
                reason = self.session.redactor.free_text(error_reason(exc))
                ctx = getattr(item, "_cc", None)
                sink = (ctx.rec.findings if isinstance(ctx, CheckContext)
                        else self.session.extra_findings)
                sink.extend(Finding(requirement=rid, verdict=Verdict.ERROR, reason=reason,
                                    test=item.nodeid) for rid in item_requirements(item))
                report.longrepr = reason
            self.session.tests.append(TestOutcome(item.nodeid, report.outcome,
                                                  item_requirements(item), report.duration))
        redact_report(report, self.session.redactor)
        return report

    # tryfirst: again before the console, --junitxml and pytest-xdist read a report, for what
    # outer makereport wrappers (Hypothesis' statistics section) added after ours.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        redact_report(report, self.session.redactor)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        redact_report(report, self.session.redactor)

    @pytest.hookimpl(tryfirst=True)
    def pytest_internalerror(self, excrepr: object) -> None:
        redact_excrepr(excrepr, self.session.redactor)  # every later hook prints this object

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: warnings.WarningMessage) -> None:
        redact_warning(warning_message, self.session.redactor)

    def pytest_unconfigure(self) -> None:
        if self._allure_redaction is not None:
            allure_reports.unregister_redaction(self._allure_redaction)
            self._allure_redaction = None

    # ---------------------------------------------------------------- results
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            o = self.options
            results = self.session.build_results(
                pytest_status=int(exitstatus), started=self._started,
                duration_s=time.perf_counter() - self._t0)
            self.results = results
            self.reports = self.writer.write(results, self.session.redactor, o.profile)
            if o.print_expect:
                write_entries(o.print_expect,
                              expect_rows(results.requirements, self.session.redactor),
                              target=o.target_name, multi=len(o.all_targets) > 1,
                              seed=results.seed)
            session.exitstatus = results.exit_status
        finally:
            self.session.close()

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.results is not None:
            write_summary(terminalreporter, self.results, redactor=self.session.redactor,
                          notes=self.session.notes(), json_path=self.options.json_path,
                          reports=self.reports)
