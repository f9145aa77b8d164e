"""pytest plugin for the conformance suite (registered as the ``cc_conformance`` pytest11 entry
point, so it is loaded in every pytest run of the environment).

It is inert unless a target is given (``--cc-url``, ``--cc-app``, ``--cc-grant`` or
``--cc-profile``) or the
programmatic runner injects a :class:`~conformance.harness.RunOptions`: it then registers a
:class:`ConformancePlugin` that runs the target, collects findings, prints a per-section table,
writes the JSON results and sets the exit status (0 ok, 1 failed, 2 usage, 3 unreachable).
Without those it only declares its command-line options.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.expect import ExpectError, load_expectations, render_entries
from conformance.harness import CC, ConformanceSession, RunOptions
from conformance.profile import ProfileError, load_profile, target_name
from conformance.reports import ReportSet, ReportWriter, default_report_dir
from conformance.reports import allure as allure_reports
from conformance.reports.progress import PLUGIN_NAME as PROGRESS_PLUGIN
from conformance.reports.progress import Progress
from conformance.request import UnsendableRequest
from conformance.results import (
    ExitStatus,
    Finding,
    RunResults,
    TestOutcome,
    Verdict,
    aggregate,
    apply_expectations,
    effective,
    exit_status,
    expect_rows,
)
from conformance.targets import TargetConfigError, TargetError, TargetSpec
from conformance.tracebacks import (
    RedactingLogFilter,
    filter_pytest_logging,
    redact_excrepr,
    redact_report,
    redact_warning,
)

MARKER = "requirement"
PLUGIN_NAME = "cc_conformance_session"


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("cc-conformance", "OAuth 2.0 client credentials conformance suite")
    g.addoption("--cc-url", help="token endpoint URL of the server under test")
    g.addoption("--cc-app", help="in-process ASGI/WSGI app under test, as module:attr")
    g.addoption("--cc-grant", help="grant object under test, as module:factory (hosted in the "
                "reference TokenEndpoint; see conformance.targets.grant)")
    g.addoption("--cc-profile", help="target profile TOML file")
    g.addoption("--cc-spec", choices=["rfc6749", "oauth2.1"], help="spec profile override")
    g.addoption("--cc-client-id", help="confidential client id (overrides the profile)")
    g.addoption("--cc-client-secret-env", help="env var holding the confidential client's secret")
    g.addoption("--cc-strict", action="store_true", default=False, help="treat warn as fail")
    g.addoption("--cc-seed", type=int, default=None, help="seed for generated tests")
    g.addoption("--cc-json", default=None, help="write JSON results to this path")
    g.addoption("--cc-report-dir", default=None,
                help="write report.html, results.json, junit.xml and SHA256SUMS here "
                     "(default: $CC_REPORT_DIR or reports/; Allure results too with --alluredir)")
    g.addoption("--cc-no-reports", action="store_true", default=False,
                help="write no report folder (--cc-json still works)")
    g.addoption("--cc-expect", default=None, metavar="FILE",
                help="expected findings (TOML): matching fail/warn/error verdicts are accepted; "
                     "an entry that now passes or matches nothing fails the run")
    g.addoption("--cc-print-expect", default=None, metavar="FILE",
                help="write ready-to-paste expected-findings entries for this run's "
                     "fail/warn/error verdicts to FILE")
    g.addoption("--cc-target-name", default=None,
                help="name of the target (default: [target] name or the profile file's name)")
    g.addoption("--cc-run-targets", default=None,
                help="comma-separated names of every target of a multi-target run (entries of "
                     "--cc-expect naming one of them are not stale here)")
    g.addoption("--cc-examples", type=int, default=25, help="Hypothesis examples per property")
    g.addoption("--cc-requirement", action="append", default=None,
                help="only run tests tagged with this requirement ID (repeatable)")
    g.addoption("--cc-token-count", type=int, default=100, help="tokens for the §10.10 checks")
    g.addoption("--cc-concurrency", type=int, default=10, help="concurrency of the §10.10 burst")
    # transport: timeouts, run budget, TLS (conformance.targets.TransportOptions)
    g.addoption("--cc-connect-timeout", type=float, default=None, help="connect timeout, seconds")
    g.addoption("--cc-read-timeout", type=float, default=None, help="read timeout per chunk, s")
    g.addoption("--cc-request-timeout", type=float, default=None,
                help="deadline for one whole exchange, seconds (default 10)")
    g.addoption("--cc-run-budget", type=float, default=None,
                help="whole-run time budget, seconds (default 300); then checks are errors")
    g.addoption("--cc-ca-bundle", default=None, help="verify TLS against this PEM CA bundle only")
    g.addoption("--cc-insecure", action="store_true", default=False,
                help="DO NOT verify the TLS certificate (loud warning in console and results)")
    g.addoption("--cc-allow-insecure-http", action="store_true", default=False,
                help="allow plain http to a non-loopback host (RFC 6749 §3.2 requires TLS)")
    g.addoption("--cc-no-plain-http-probe", action="store_true", default=False,
                help="for an https target, do not probe its plain-http twin (RFC 6749 §3.2)")


def _injected(config: pytest.Config) -> RunOptions | None:
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, RunOptions):
            return plugin
    return None


def options_from_config(config: pytest.Config) -> RunOptions | None:
    url, app, grant, prof = (config.getoption(o)
                             for o in ("cc_url", "cc_app", "cc_grant", "cc_profile"))
    if not (url or app or grant or prof):
        return None
    if sum(1 for t in (url, app, grant) if t) > 1:
        raise pytest.UsageError("give one of --cc-url, --cc-app or --cc-grant")
    overrides = {"url": url, "app": app, "grant": grant, "spec": config.getoption("cc_spec"),
                 "client_id": config.getoption("cc_client_id"),
                 "secret_env": config.getoption("cc_client_secret_env")}
    for key in ("connect_timeout", "read_timeout", "request_timeout", "run_budget", "ca_bundle",
                "insecure", "allow_insecure_http", "no_plain_http_probe"):
        overrides[key] = config.getoption(f"cc_{key}")
    profile = load_profile(prof, overrides={k: v for k, v in overrides.items() if v})
    if profile.url:
        spec = TargetSpec("url", profile.url)
    elif profile.grant:
        spec = TargetSpec("grant", profile.grant, token_path=profile.token_path)
    else:
        spec = TargetSpec("app", profile.app, token_path=profile.token_path)
    select = config.getoption("cc_requirement")
    name = config.getoption("cc_target_name") or target_name(profile)
    others = config.getoption("cc_run_targets")
    expect = config.getoption("cc_expect")
    return RunOptions(
        target_name=name,
        run_targets=frozenset({name, *(t for t in (others or "").split(",") if t)}),
        expectations=load_expectations(expect) if expect else None,
        expect_source=str(expect or ""),
        print_expect=config.getoption("cc_print_expect"),
        target=spec, profile=profile, strict=config.getoption("cc_strict"),
        seed=config.getoption("cc_seed"), json_path=config.getoption("cc_json"),
        examples=max(1, config.getoption("cc_examples")),
        select=frozenset(select) if select else None,
        token_count=config.getoption("cc_token_count"),
        concurrency=config.getoption("cc_concurrency"),
        report_dir=None if config.getoption("cc_no_reports")
        else config.getoption("cc_report_dir") or default_report_dir(),
    )


def pytest_configure(config: pytest.Config) -> None:
    options = _injected(config)
    if options is None:
        try:
            options = options_from_config(config)
        except (ProfileError, ExpectError) as exc:
            pytest.exit(f"cc-conformance: {exc}", returncode=ExitStatus.USAGE)
    if options is None:
        return  # inert
    config.addinivalue_line("markers", f"{MARKER}(*ids): requirement IDs a test checks")
    config.pluginmanager.register(ConformancePlugin(config, options), PLUGIN_NAME)


def get_session(config: pytest.Config) -> ConformanceSession | None:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin.session if isinstance(plugin, ConformancePlugin) else None


def item_requirements(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for m in item.iter_markers(MARKER):
        ids.extend(str(a) for a in m.args)
    return ids


class ConformanceFailure(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A test whose findings include a fail (or a warn under --strict)."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


class ConformancePlugin:
    def __init__(self, config: pytest.Config, options: RunOptions) -> None:
        self.config = config
        self.options = options
        self.session = ConformanceSession(options)
        self.results: RunResults | None = None
        self._t0 = time.perf_counter()
        self._started = datetime.now(UTC).isoformat(timespec="seconds")
        opts = options
        self.allure = allure_reports.active(config)
        # Whatever pytest and allure-pytest show of a broken test passes the session's redactor
        # first (conformance.tracebacks): reports, allure results, log records, warnings.
        self._allure_redaction = (allure_reports.register_redaction(self.session.redactor)
                                  if self.allure else None)
        self._log_filter = RedactingLogFilter(self.session.redactor)
        report_dir = Path(opts.report_dir) if opts.report_dir else None
        self.writer = ReportWriter(
            report_dir, Path(opts.json_path) if opts.json_path else None,
            Path(config.option.allure_report_dir) if self.allure and report_dir else None)
        self.reports: ReportSet | None = None
        self.progress = Progress(config, self.session.catalogue)
        config.pluginmanager.register(self.progress, PROGRESS_PLUGIN)

    # ---------------------------------------------------------------- lifecycle
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
        self._warn_transport()
        self.session.preflight()

    def _warn_transport(self) -> None:
        """--insecure and --allow-insecure-http are said on the console, not only in results."""
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        for note in self.session.notes():
            if note.startswith("WARNING"):
                if tr is not None:
                    tr.write_line(f"cc-conformance: {note}", red=True, bold=True)
                else:  # pragma: no cover - no terminal reporter (-p no:terminal)
                    import sys

                    print(f"cc-conformance: {note}", file=sys.stderr)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # Once the run budget is spent every remaining test is an error, without running.
        self.session.check_budget()

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        p = self.options.profile
        return [
            f"cc-conformance: target {self.options.target.kind} {self.options.target.location}",
            f"cc-conformance: spec profile {p.spec}; strict={self.options.strict}; "
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
            tr = self.config.pluginmanager.get_plugin("terminalreporter")
            if tr is not None:
                tr.write_line(f"cc-conformance: target unreachable: {self.session.target_error}",
                              red=True)
            return True
        return None

    # ---------------------------------------------------------------- fixtures' backend
    def make_cc(self, item: pytest.Item) -> CC:
        return CC(self.session, item, item_requirements(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        if self.allure:
            allure_reports.label_test(self.session.catalogue, item_requirements(item))
        result = yield
        cc = getattr(item, "_cc", None)
        if isinstance(cc, CC) and self.allure:
            allure_reports.attach_findings(cc.rec.findings, self.session.redactor,
                                           self.options.profile,
                                           self.options.target.kind != "url")
        if isinstance(cc, CC):
            bad = [f for f in cc.rec.findings
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
            cc = getattr(item, "_cc", None)
            if exc is not None and not exc.errisinstance((ConformanceFailure,
                                                          pytest.skip.Exception)):
                # The check itself could not run: a target error or a bug in the test.
                if exc.errisinstance(TargetError):
                    reason = f"target error: {' '.join(str(exc.value).split())}"
                elif exc.errisinstance(UnsendableRequest):
                    # A fixed request of the suite HTTP/1.1 cannot carry: nothing was sent, a
                    # bug of the suite (its message starts "suite limitation:" and quotes no
                    # header value); never "target error", never the breaker's business.
                    reason = " ".join(str(exc.value).split())
                else:
                    reason = f"check error: {exc.typename}: {exc.value}"
                reason = self.session.redactor.free_text(reason)
                rec_findings = cc.rec.findings if isinstance(cc, CC) else []
                for rid in item_requirements(item):
                    f = Finding(requirement=rid, verdict=Verdict.ERROR, reason=reason,
                                test=item.nodeid)
                    rec_findings.append(f) if isinstance(cc, CC) else \
                        self.session.extra_findings.append(f)
                # Never show the raw exception (it may quote a request): a redacted one-liner.
                report.longrepr = reason
            outcome = report.outcome
            self.session.tests.append(TestOutcome(item.nodeid, outcome, item_requirements(item),
                                                  report.duration))
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
    def _build_results(self, pytest_status: int) -> RunResults:
        s = self.session
        findings = s.all_findings()
        reqs = aggregate(s.catalogue, findings, s.profile.spec, strict=self.options.strict)
        unreachable = s.target_error is not None
        opts = self.options
        expectations = None
        if opts.expectations is not None:
            expectations = apply_expectations(
                reqs, opts.expectations, source=opts.expect_source, target=opts.target_name,
                run_targets=opts.run_targets | {opts.target_name}, selected=opts.select)
        status = exit_status(reqs, unreachable=unreachable, expectations=expectations)
        if s.incomplete and not any(r.verdict == Verdict.FAIL for r in reqs.values()):
            status = ExitStatus.UNREACHABLE  # cut short by the target (stopped, budget)
        if pytest_status not in (0, 1, 5) and status == ExitStatus.OK:
            status = ExitStatus.USAGE if pytest_status in (2, 4) else ExitStatus.FAILED
        return RunResults(
            catalogue=s.catalogue, spec_profile=s.profile.spec, strict=self.options.strict,
            seed=s.seed, target_kind=self.options.target.kind,
            target_location=self.options.target.location, findings=findings, tests=s.tests,
            requirements=reqs, exit_status=status, started=self._started,
            duration_s=time.perf_counter() - self._t0,
            selected_requirements=sorted(self.options.select) if self.options.select else None,
            notes=self._notes(), target_name=opts.target_name, expectations=expectations,
        )

    def _notes(self) -> list[str]:
        notes = []
        if self.session.target_error is not None:
            notes.append(f"target unreachable: {self.session.target_error}")
        notes.extend(self.session.notes())
        if self.options.target.kind == "grant":
            notes.append("grant target: the grant is hosted in reference_impl's TokenEndpoint, "
                         "which enforced the transport rules (RFC 6749 §2.3, §3.1, §3.2: POST, "
                         "form body, repeated and empty parameters, credentials in the query, "
                         "one authentication method, HTTP Basic parsing) before the grant ran; "
                         "findings on those rules describe the host, not the grant")
        return notes

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            results = self._build_results(int(exitstatus))
            self.results = results
            self.options.results = results
            self.reports = self.writer.write(results, self.session.redactor,
                                             self.options.profile)
            if self.options.print_expect:
                self._print_expect(results, Path(self.options.print_expect))
            session.exitstatus = results.exit_status
        finally:
            self.session.close()

    def _print_expect(self, results: RunResults, path: Path) -> None:
        opts = self.options
        multi = len(opts.run_targets | {opts.target_name}) > 1
        header = (f"Expected findings of target {opts.target_name!r} "
                  f"(cc-conformance --print-expect, seed {results.seed}).\n"
                  "Replace each TODO with the ticket that tracks the fix; pass the file with "
                  "--expect FILE.")
        text = render_entries(expect_rows(results.requirements, self.session.redactor),
                              target=opts.target_name if multi else None, header=header)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        r = self.results
        if r is None:
            return
        tr = terminalreporter
        tr.section("cc-conformance: verdict per section")
        cols = ["pass", "fail", "warn", "info", "not_applicable", "error"]
        heads = ["pass", "fail", "warn", "info", "n/a", "error"]
        tr.write_line(f"{'section':<16}" + "".join(f"{h:>7}" for h in heads))
        for row in r.section_rows():
            tr.write_line(f"{row['section']!s:<16}" + "".join(f"{row[c]!s:>7}" for c in cols))
        c = r.counts()
        tr.write_line(f"{'total':<16}" + "".join(f"{c[k]:>7}" for k in cols))
        for rid, res in r.requirements.items():
            if res.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR):
                accepted = (f" [expected: {res.expected.reason}]"
                            if res.expected is not None else "")
                tr.write_line(f"{res.verdict.value.upper():>5} {rid} ({res.requirement.level}): "
                              f"{self.session.redactor.text(res.reason)}{accepted}",
                              red=res.verdict != Verdict.WARN and res.expected is None,
                              yellow=res.verdict == Verdict.WARN or res.expected is not None)
        if r.expectations is not None:
            ex = r.expectations
            tr.write_line(f"expected findings ({ex.source}): {len(ex.accepted)} accepted, "
                          f"{len(ex.stale)} stale, {len(ex.not_checked)} not checked in "
                          "this selection")
            for msg in ex.messages():
                tr.write_line(f"cc-conformance: {msg}", red=True, bold=True)
        for note in self.session.notes():
            tr.write_line(f"cc-conformance: {note}", red=note.startswith("WARNING"),
                          bold=note.startswith("WARNING"))
        tr.write_line(f"seed {r.seed} (rerun with --cc-seed {r.seed}); exit status {r.exit_status}")
        if self.options.json_path:
            tr.write_line(f"JSON results: {self.options.json_path}")
        rep = self.reports
        if rep is not None and rep.html is not None:
            size = sum(f.stat().st_size for f in rep.files if f.is_file())
            tr.write_line(f"reports: {len(rep.files)} files, {size / 1024:.0f} KiB, written in "
                          f"{rep.seconds:.2f} s; SHA-256 manifest {rep.manifest}")
            tr.write_line(f"HTML report: {rep.html}")
