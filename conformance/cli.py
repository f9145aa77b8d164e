"""``cc-conformance``: run the suite (``run``) or print the catalogue (``list``).

Exit status: 0 every applicable MUST passes; 1 a requirement failed; 2 usage or configuration
error; 3 target unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from conformance.catalogue import SPEC_PROFILES, load_catalogue
from conformance.profile import ProfileError, load_profile
from conformance.results import ExitStatus


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cc-conformance",
                                description="OAuth 2.0 client credentials conformance suite")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the suite against a target")
    tgt = run.add_mutually_exclusive_group()
    tgt.add_argument("--url", help="token endpoint URL")
    tgt.add_argument("--app", help="in-process ASGI/WSGI app as module:attr")
    tgt.add_argument("--grant", help="grant object as module:factory, hosted in the reference "
                     "TokenEndpoint (the factory returns a grant or (grant, token_handler); the "
                     "current directory is appended to sys.path to import it)")
    run.add_argument("--profile", help="target profile TOML")
    run.add_argument("--spec", choices=SPEC_PROFILES, help="spec profile (overrides the file)")
    run.add_argument("--strict", action="store_true", help="treat SHOULD warnings as failures")
    run.add_argument("--seed", type=int, help="seed for generated tests (default: random)")
    run.add_argument("--json", dest="json_path", help="write JSON results here")
    run.add_argument("--examples", type=int, default=25, help="Hypothesis examples per property")
    run.add_argument("--requirement", action="append", help="only tests for this ID (repeatable)")
    run.add_argument("--client-id", help="confidential client id (overrides the profile)")
    run.add_argument("--client-secret-env", help="env var holding that client's secret")
    run.add_argument("--report-dir", default=None,
                     help="folder for report.html, results.json, junit.xml, allure-results/ "
                     "and the SHA256SUMS manifest (default: $CC_REPORT_DIR or reports/)")
    run.add_argument("--no-reports", action="store_true", help="write no report folder")
    run.add_argument("-v", "--verbose", action="store_true", help="one line per test")
    net = run.add_argument_group("transport (url targets)")
    net.add_argument("--connect-timeout", type=float, help="connect timeout, seconds (default 5)")
    net.add_argument("--read-timeout", type=float,
                     help="read timeout between bytes, seconds (default 5)")
    net.add_argument("--request-timeout", type=float,
                     help="deadline for one whole request/response, seconds (default 10)")
    net.add_argument("--run-budget", type=float, help="whole-run time budget, seconds (default "
                     "300); checks not run by then are errors")
    net.add_argument("--ca-bundle", metavar="FILE", help="verify TLS against this PEM CA bundle")
    net.add_argument("--insecure", action="store_true",
                     help="DO NOT verify the TLS certificate (loudly reported)")
    net.add_argument("--allow-insecure-http", action="store_true",
                     help="allow plain http to a non-loopback host (RFC 6749 §3.2 requires TLS)")
    lst = sub.add_parser("list", help="print the requirement catalogue")
    lst.add_argument("--spec", choices=SPEC_PROFILES, help="only requirements of this profile")
    lst.add_argument("--json", action="store_true", help="as JSON")
    return p


def cmd_list(args: argparse.Namespace) -> int:
    cat = load_catalogue()
    reqs = [r for r in cat if args.spec is None or r.applies_to(args.spec)]
    if args.json:
        print(json.dumps([{"id": r.id, "document": r.document, "section": r.section,
                           "level": r.level, "profiles": list(r.profiles),
                           "statement": r.statement, "why": r.why, "url": r.url} for r in reqs],
                         indent=2, ensure_ascii=False))
        return 0
    for r in reqs:
        print(f"{r.id:<42} {r.level:<6} {r.statement}")
    print(f"\n{len(reqs)} requirements")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    overrides = {"url": args.url, "app": args.app, "grant": args.grant, "spec": args.spec,
                 "client_id": args.client_id, "secret_env": args.client_secret_env}
    transport = {"connect_timeout": args.connect_timeout, "read_timeout": args.read_timeout,
                 "request_timeout": args.request_timeout, "run_budget": args.run_budget,
                 "ca_bundle": args.ca_bundle, "insecure": args.insecure,
                 "allow_insecure_http": args.allow_insecure_http}
    overrides.update(transport)
    try:
        load_profile(args.profile, overrides={k: v for k, v in overrides.items() if v})
    except ProfileError as exc:
        print(f"cc-conformance: {exc}", file=sys.stderr)
        return ExitStatus.USAGE
    cat = load_catalogue()
    for rid in args.requirement or ():
        if rid not in cat:
            print(f"cc-conformance: unknown requirement {rid!r} (see cc-conformance list)",
                  file=sys.stderr)
            return ExitStatus.USAGE
    import pytest

    # The CLI imported conformance before pytest starts, so pytest cannot assertion-rewrite it
    # (harmless: the suite reports through its own findings); keep that notice off the console.
    pargs = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider",
             "-W", "ignore::pytest.PytestAssertRewriteWarning",
             "-o", "asyncio_default_fixture_loop_scope=function",
             "-v" if args.verbose else "-q"]
    for flag, val in (("--cc-url", args.url), ("--cc-app", args.app), ("--cc-grant", args.grant),
                      ("--cc-profile", args.profile), ("--cc-spec", args.spec),
                      ("--cc-seed", args.seed), ("--cc-json", args.json_path),
                      ("--cc-client-id", args.client_id),
                      ("--cc-client-secret-env", args.client_secret_env)):
        if val is not None:
            pargs += [flag, str(val)]
    for key, val in transport.items():
        flag = "--cc-" + key.replace("_", "-")
        if val is True:
            pargs.append(flag)
        elif val not in (None, False):
            pargs += [flag, str(val)]
    pargs += ["--cc-examples", str(args.examples)]
    if args.strict:
        pargs.append("--cc-strict")
    for rid in args.requirement or ():
        pargs += ["--cc-requirement", rid]
    from conformance.reports import default_report_dir

    report_dir = args.report_dir or default_report_dir()
    if args.no_reports:
        pargs.append("--cc-no-reports")
    else:
        allure_dir = os.path.join(report_dir, "allure-results")
        pargs += ["--cc-report-dir", report_dir, f"--alluredir={allure_dir}",
                  "--clean-alluredir"]
    status = int(pytest.main(pargs))
    html = os.path.join(report_dir, "report.html")
    if not args.no_reports and status in (0, 1, 3) and os.path.isfile(html):
        print(html)  # the last line: where to look
    if status in (0, 1, 2, 3):
        return status
    return ExitStatus.USAGE if status in (4, 5) else ExitStatus.FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return cmd_list(args)
    return cmd_run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
