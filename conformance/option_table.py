"""The option table of a run: every option once, declared from here for the command line
(``cc-conformance run --url ...``) and for bare pytest runs (``--cc-url ...``).

Imported by the pytest plugin in every pytest session of an environment that installs the
suite, so it imports nothing beyond the standard library and defines no dataclass: an inactive
plugin must cost a vendor's unrelated test run nothing measurable (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    import pytest

SPEC_CHOICES = ("rfc6749", "oauth2.1")  # conformance.catalogue.SPEC_PROFILES (a test checks)


class Opt(NamedTuple):
    """One option of a run: ``--FLAG`` for the CLI, ``--cc-FLAG`` for bare pytest runs."""

    key: str  # the RunRequest field (conformance.options)
    flag: str
    help: str
    kind: str = "str"  # str | int | float | flag | list
    group: str = "run"  # run | target | transport | report
    cli: bool = True
    pytest: bool = True
    metavar: str | None = None
    choices: tuple[str, ...] | None = None


OPTIONS: tuple[Opt, ...] = (
    Opt("url", "url", "token endpoint URL of the server under test", group="target"),
    Opt("app", "app", "in-process ASGI/WSGI app under test, as module:attr", group="target"),
    Opt("grant", "grant", "grant object under test as module:factory, hosted in the reference "
        "TokenEndpoint (the factory returns a grant or (grant, token_handler); the current "
        "directory is appended to sys.path to import it)", group="target"),
    Opt("profile", "profile", "target profile TOML file", cli=False),
    Opt("spec", "spec", "spec profile (overrides the file)", choices=SPEC_CHOICES),
    Opt("client_id", "client-id", "confidential client id (overrides the profile)"),
    Opt("client_secret_env", "client-secret-env",
        "environment variable holding that client's secret"),
    Opt("strict", "strict", "treat SHOULD warnings as failures", kind="flag"),
    Opt("seed", "seed", "seed for generated tests (default: random)", kind="int"),
    Opt("examples", "examples", "Hypothesis examples per property (default 25)", kind="int"),
    Opt("requirement", "requirement", "only tests for this requirement ID (repeatable)",
        kind="list"),
    Opt("expect", "expect", "expected findings (TOML, [[expected]] requirement/verdict/reason/"
        "target): matching fail/warn/error verdicts do not fail the run; an entry that now "
        "passes or matches nothing does (exit 1)", metavar="FILE"),
    Opt("token_count", "token-count", "tokens for the §10.10 checks (default 100)", kind="int",
        cli=False),
    Opt("concurrency", "concurrency", "concurrency of the §10.10 burst (default 10)",
        kind="int", cli=False),
    Opt("target_name", "target-name", "name of the target (default: [target] name or the "
        "profile file's name)", cli=False),
    Opt("run_targets", "run-targets", "comma-separated names of every target of a "
        "multi-target run (entries of the expect file naming one of them are not stale here)",
        cli=False),
    Opt("json_path", "json", "write the JSON results here (one target only)", group="report",
        metavar="FILE"),
    Opt("report_dir", "report-dir", "folder for report.html, results.json, junit.xml, "
        "allure-results/ and the SHA256SUMS manifest (default: $CC_REPORT_DIR or reports/)",
        group="report", metavar="DIR"),
    Opt("no_reports", "no-reports", "write no report folder (the JSON file still works)",
        kind="flag", group="report"),
    Opt("print_expect", "print-expect", "write ready-to-paste [[expected]] entries for this "
        "run's fail/warn/error verdicts to FILE", group="report", metavar="FILE", cli=False),
    Opt("connect_timeout", "connect-timeout", "connect timeout, seconds (default 5)",
        kind="float", group="transport"),
    Opt("read_timeout", "read-timeout", "read timeout between bytes, seconds (default 5)",
        kind="float", group="transport"),
    Opt("request_timeout", "request-timeout", "deadline for one whole request/response, "
        "seconds (default 10)", kind="float", group="transport"),
    Opt("run_budget", "run-budget", "whole-run time budget, seconds (default 300); checks not "
        "run by then are errors", kind="float", group="transport"),
    Opt("ca_bundle", "ca-bundle", "verify TLS against this PEM CA bundle", group="transport",
        metavar="FILE"),
    Opt("insecure", "insecure", "DO NOT verify the TLS certificate (loudly reported)",
        kind="flag", group="transport"),
    Opt("allow_insecure_http", "allow-insecure-http", "allow plain http to a non-loopback host "
        "(RFC 6749 §3.2 requires TLS)", kind="flag", group="transport"),
    Opt("no_plain_http_probe", "no-plain-http-probe", "for an https target, do not probe the "
        "plain-http twin of the endpoint (RFC 6749 §3.2; the probe uses a client that does "
        "not exist, never a real secret)", kind="flag", group="transport"),
    Opt("metadata_url", "metadata-url", "where the server publishes its RFC 8414 authorization "
        "server metadata: a URL, or a path on the target (overrides [target] metadata_url)",
        metavar="URL"),
)
#: the profile overrides among the options (passed to conformance.profile.load_profile)
PROFILE_OVERRIDES = ("url", "app", "grant", "spec", "client_id", "client_secret_env",
                     "connect_timeout", "read_timeout", "request_timeout", "run_budget",
                     "ca_bundle", "insecure", "allow_insecure_http", "no_plain_http_probe",
                     "metadata_url")
#: the target options of a bare pytest run: without one of them the plugin stays inert
PYTEST_TARGET_DESTS = ("cc_url", "cc_app", "cc_grant", "cc_profile")


def _kwargs(opt: Opt) -> dict[str, Any]:
    kw: dict[str, Any] = {"help": opt.help, "dest": opt.key}
    if opt.kind == "flag":
        kw.update(action="store_true", default=False)
    elif opt.kind == "list":
        kw.update(action="append", default=None)
    else:
        kw["default"] = None
        if opt.kind in ("int", "float"):
            kw["type"] = int if opt.kind == "int" else float
    if opt.metavar:
        kw["metavar"] = opt.metavar
    if opt.choices:
        kw["choices"] = list(opt.choices)
    return kw


def declare_cli_options(parser: argparse.ArgumentParser) -> None:
    """The ``cc-conformance run`` options of the table (``--url`` ... ``--no-plain-http-probe``);
    the three target options are mutually exclusive."""
    target = parser.add_mutually_exclusive_group()
    groups = {"target": target, "transport": parser.add_argument_group("transport (url targets)")}
    for opt in OPTIONS:
        if opt.cli:
            groups.get(opt.group, parser).add_argument(f"--{opt.flag}", **_kwargs(opt))


def declare_pytest_options(parser: pytest.Parser) -> None:
    """The same options as ``--cc-*`` for a bare ``pytest --pyargs conformance.suite`` run."""
    g = parser.getgroup("cc-conformance", "OAuth 2.0 client credentials conformance suite")
    for opt in OPTIONS:
        if opt.pytest:
            kw = _kwargs(opt)
            kw["dest"] = "cc_" + opt.key
            g.addoption(f"--cc-{opt.flag}", **kw)
