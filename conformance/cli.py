"""``cc-conformance``: run the suite (``run``), print the catalogue (``list``), write a
commented profile template (``init``) or explain one requirement (``explain ID``).

Exit status: 0 every applicable MUST passes (failures an ``--expect`` file accepts included);
1 a requirement failed (or a SHOULD warned under ``--strict``), or an expected-findings entry
is stale; 2 usage or configuration error; 3 target unreachable. A run of several profiles exits
with the worst of its targets' statuses in the order 2, 1, 3, 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from conformance.catalogue import SPEC_PROFILES, load_catalogue
from conformance.expect import ExpectError, load_expectations
from conformance.profile import ProfileError, load_profile, target_name
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
    run.add_argument("--profile", action="append",
                     help="target profile TOML; repeat it to run several targets in parallel "
                     "(one report folder per target under the report folder, plus matrix.html "
                     "and matrix.md)")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="several profiles: targets run at once on pytest-xdist workers "
                     "(default: one per target, at most the CPU count; 0: one after another "
                     "without xdist)")
    run.add_argument("--expect", metavar="FILE",
                     help="expected findings (TOML, [[expected]] requirement/verdict/reason/"
                     "target): matching fail/warn/error verdicts do not fail the run; an entry "
                     "that now passes or matches nothing does (exit 1)")
    run.add_argument("--print-expect", nargs="?", const="-", metavar="FILE",
                     help="write ready-to-paste [[expected]] entries for this run's fail/warn/"
                     "error verdicts to FILE (default: standard output, the console then goes "
                     "to standard error)")
    run.add_argument("--spec", choices=SPEC_PROFILES, help="spec profile (overrides the file)")
    run.add_argument("--strict", action="store_true", help="treat SHOULD warnings as failures")
    run.add_argument("--seed", type=int, help="seed for generated tests (default: random)")
    run.add_argument("--json", dest="json_path",
                     help="write JSON results here (one target only)")
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
    net.add_argument("--no-plain-http-probe", action="store_true",
                     help="for an https target, do not probe the plain-http twin of the endpoint "
                     "(RFC 6749 §3.2; the probe uses a client that does not exist, never a "
                     "real secret)")
    lst = sub.add_parser("list", help="print the requirement catalogue")
    lst.add_argument("--spec", choices=SPEC_PROFILES, help="only requirements of this profile")
    lst.add_argument("--json", action="store_true", help="as JSON")
    ini = sub.add_parser("init", help="write a commented target profile template")
    ini.add_argument("path", nargs="?", default=None,
                     help="where to write it (default: cc-profile.toml; with --reference "
                     "cc-reference.toml)")
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")
    ini.add_argument("--reference", action="store_true",
                     help="write the profile of the bundled reference implementation instead "
                     "(its in-process app, or --url)")
    ini.add_argument("--url", help="with --reference: the token endpoint of a served reference "
                     "(python -m reference_impl serve prints it)")
    exp = sub.add_parser("explain", help="a requirement: its reason, section and how the suite "
                         "checks it")
    exp.add_argument("id", help="requirement ID (see cc-conformance list)")
    return p


def _err(message: str) -> None:
    print(f"cc-conformance: {message}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    from conformance.templates import profile_template, reference_profile

    if args.url is not None and not args.reference:
        _err("init --url needs --reference (the template's URL is [target] url in the file)")
        return ExitStatus.USAGE
    try:
        text = reference_profile(args.url) if args.reference else profile_template()
    except ValueError as exc:
        _err(str(exc))
        return ExitStatus.USAGE
    path = Path(args.path or ("cc-reference.toml" if args.reference else "cc-profile.toml"))
    if path.exists() and not args.force:
        _err(f"{path} exists; not overwriting it (use --force to replace it)")
        return ExitStatus.USAGE
    if path.is_dir():
        _err(f"{path} is a directory")
        return ExitStatus.USAGE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"cannot write {path}: {exc.strerror or exc}")
        return ExitStatus.USAGE
    if args.reference:
        where = args.url or "the in-process app (reference_impl.asgi:app)"
        print(f"wrote {path}: the bundled reference at {where}; export CC_DEMO_CLIENT_SECRET, "
              "CC_SPECIAL_CLIENT_SECRET and CC_CODE_ONLY_CLIENT_SECRET (the demo registry's "
              f"test secrets, README), then: cc-conformance run --profile {path}")
    else:
        print(f"wrote {path}: fill in [target] and [clients.confidential], export the secret's "
              f"environment variable, then: cc-conformance run --profile {path}")
    return ExitStatus.OK


def cmd_explain(args: argparse.Namespace) -> int:
    from conformance.explain import close_matches, explain

    cat = load_catalogue()
    if args.id not in cat:
        close = close_matches(args.id, cat)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        _err(f"unknown requirement {args.id!r}{hint} (see cc-conformance list)")
        return ExitStatus.USAGE
    print(explain(cat[args.id], cat))
    return ExitStatus.OK


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


def _transport(args: argparse.Namespace) -> dict[str, object]:
    return {"connect_timeout": args.connect_timeout, "read_timeout": args.read_timeout,
            "request_timeout": args.request_timeout, "run_budget": args.run_budget,
            "ca_bundle": args.ca_bundle, "insecure": args.insecure,
            "allow_insecure_http": args.allow_insecure_http,
            "no_plain_http_probe": args.no_plain_http_probe}


def _suite_args(args: argparse.Namespace, profile: str | None, report_dir: str | None, *,
                json_path: str | None, name: str | None = None,
                run_targets: Sequence[str] = (), print_expect: str | None = None) -> list[str]:
    """The pytest arguments of one target's suite session."""
    # The CLI imported conformance before pytest starts, so pytest cannot assertion-rewrite it
    # (harmless: the suite reports through its own findings); keep that notice off the console.
    pargs = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-p", "no:xdist",
             "-W", "ignore::pytest.PytestAssertRewriteWarning",
             "-o", "asyncio_default_fixture_loop_scope=function",
             "-v" if args.verbose else "-q"]
    for flag, val in (("--cc-url", args.url), ("--cc-app", args.app), ("--cc-grant", args.grant),
                      ("--cc-profile", profile), ("--cc-spec", args.spec),
                      ("--cc-seed", args.seed), ("--cc-json", json_path),
                      ("--cc-client-id", args.client_id),
                      ("--cc-client-secret-env", args.client_secret_env),
                      ("--cc-expect", args.expect), ("--cc-target-name", name),
                      ("--cc-print-expect", print_expect)):
        if val is not None:
            pargs += [flag, str(val)]
    if run_targets:
        pargs += ["--cc-run-targets", ",".join(run_targets)]
    for key, val in _transport(args).items():
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
    if report_dir is None:
        pargs.append("--cc-no-reports")
    else:
        allure_dir = os.path.join(report_dir, "allure-results")
        pargs += ["--cc-report-dir", report_dir, f"--alluredir={allure_dir}",
                  "--clean-alluredir"]
    return pargs


def _check_config(args: argparse.Namespace) -> list[tuple[str | None, str]] | int:
    """Validate every profile, the names of several targets, the selection and the expected
    findings before anything runs. Returns [(profile path, target name)] or an exit status."""
    profiles: list[str | None] = list(args.profile or [None])
    overrides = {"url": args.url, "app": args.app, "grant": args.grant, "spec": args.spec,
                 "client_id": args.client_id, "secret_env": args.client_secret_env}
    overrides.update(_transport(args))
    multi = len(profiles) > 1
    if multi:
        given = [f for f, v in (("--url", args.url), ("--app", args.app),
                                ("--grant", args.grant), ("--client-id", args.client_id),
                                ("--client-secret-env", args.client_secret_env),
                                ("--json", args.json_path)) if v]
        if given:
            _err(f"{', '.join(given)} apply to one target; with several --profile each profile "
                 "names its own target and clients (each target's results.json is in its "
                 "report folder)")
            return ExitStatus.USAGE
    if args.jobs is not None and args.jobs < 0:
        _err("--jobs must be 0 or more")
        return ExitStatus.USAGE
    named: list[tuple[str | None, str]] = []
    for path in profiles:
        try:
            prof = load_profile(path, overrides={k: v for k, v in overrides.items() if v})
        except ProfileError as exc:
            _err(f"{path}: {exc}" if multi else str(exc))
            return ExitStatus.USAGE
        named.append((path, target_name(prof)))
    seen: dict[str, str | None] = {}
    for path, name in named:
        if name in seen:
            _err(f"{seen[name]} and {path} both name their target {name!r}: give each profile "
                 "its own [target] name")
            return ExitStatus.USAGE
        seen[name] = path
    cat = load_catalogue()
    for rid in args.requirement or ():
        if rid not in cat:
            from conformance.explain import close_matches

            close = close_matches(rid, cat)
            hint = f"; did you mean: {', '.join(close)}" if close else ""
            _err(f"unknown requirement {rid!r}{hint} (see cc-conformance list)")
            return ExitStatus.USAGE
    if args.expect:
        try:
            load_expectations(args.expect)
        except ExpectError as exc:
            _err(str(exc))
            return ExitStatus.USAGE
    return named


def _pytest_status(status: int) -> int:
    if status in (0, 1, 2, 3):
        return status
    return ExitStatus.USAGE if status in (4, 5) else ExitStatus.FAILED


def cmd_run(args: argparse.Namespace) -> int:
    named = _check_config(args)
    if isinstance(named, int):
        return named
    from conformance.reports import default_report_dir

    report_dir = None if args.no_reports else (args.report_dir or default_report_dir())
    to_stdout = args.print_expect == "-"
    with tempfile.TemporaryDirectory(prefix="cc-run-") as tmp:
        expect_out = os.path.join(tmp, "expect.toml") if to_stdout else args.print_expect
        # With --print-expect to standard output the console goes to standard error.
        redirect = (contextlib.redirect_stdout(sys.stderr) if to_stdout
                    else contextlib.nullcontext())
        with redirect:
            if len(named) == 1:
                status = _run_single(args, named[0][0], report_dir, expect_out)
            else:
                status = _run_multi(args, named, report_dir, expect_out, tmp)
        if to_stdout and expect_out and os.path.isfile(expect_out):
            sys.stdout.write(Path(expect_out).read_text(encoding="utf-8"))
    return status


def _run_single(args: argparse.Namespace, profile: str | None, report_dir: str | None,
                expect_out: str | None) -> int:
    import pytest

    pargs = _suite_args(args, profile, report_dir, json_path=args.json_path,
                        print_expect=expect_out)
    status = int(pytest.main(pargs))
    if report_dir is not None and status in (0, 1, 3):
        html = os.path.join(report_dir, "report.html")
        if os.path.isfile(html):
            print(html)  # the last line: where to look
    return _pytest_status(status)


def _run_multi(args: argparse.Namespace, named: list[tuple[str | None, str]],
               report_dir: str | None, expect_out: str | None, tmp: str) -> int:
    from conformance.multitarget import TargetRun, combined_status, run_all
    from conformance.reports.matrix import write_matrix

    names = [n for _, n in named]
    runs = []
    for path, name in named:
        folder = os.path.join(report_dir, name) if report_dir else None
        work = folder or os.path.join(tmp, name)
        json_path = None if folder else os.path.join(work, "results.json")
        runs.append(TargetRun(
            name=name,
            args=_suite_args(args, path, folder, json_path=json_path, name=name,
                             run_targets=names,
                             print_expect=os.path.join(tmp, f"{name}.expect.toml")
                             if expect_out else None),
            json_path=json_path or os.path.join(work, "results.json"),
            console_path=os.path.join(work, "console.txt"),
            status_path=os.path.join(tmp, f"{name}.status")))
    jobs = args.jobs if args.jobs is not None else min(len(runs), os.cpu_count() or 1)
    print(f"cc-conformance: {len(runs)} targets ({', '.join(names)}), "
          + (f"{jobs} at a time on pytest-xdist workers" if jobs else "one after another"))
    statuses, outer = run_all(runs, jobs)
    docs = []
    for run, status in zip(runs, statuses, strict=True):
        doc = None
        if status is not None and os.path.isfile(run.json_path):
            doc = json.loads(Path(run.json_path).read_text(encoding="utf-8"))
            docs.append(doc)
        _print_target(run.name, status, doc, run.console_path, report_dir)
    if any(s is None for s in statuses) and outer.strip():
        print(outer.rstrip(), file=sys.stderr)
    if expect_out:
        parts = [Path(tmp, f"{n}.expect.toml").read_text(encoding="utf-8") for n in names
                 if Path(tmp, f"{n}.expect.toml").is_file()]
        Path(expect_out).parent.mkdir(parents=True, exist_ok=True)
        Path(expect_out).write_text("\n".join(parts), encoding="utf-8")
    status = combined_status(statuses)
    if report_dir is not None and docs:
        links = {n: f"{n}/report.html" for n in names}
        html, md = write_matrix(docs, report_dir, links)
        print(f"cc-conformance: exit status {status}; matrix {md}")
        print(html)  # the last line: where to look
    else:
        print(f"cc-conformance: exit status {status}")
    return status


def _print_target(name: str, status: int | None, doc: dict[str, object] | None,
                  console: str, report_dir: str | None) -> None:
    if doc is None:
        print(f"  {name}: no results (exit {status}); its console: {console}")
        if os.path.isfile(console):
            tail = Path(console).read_text(encoding="utf-8").strip().splitlines()[-3:]
            for line in tail:
                print(f"    {line}")
        return
    from conformance.reports.document import overall, stale_messages

    word, _ = overall(doc)
    summary = doc["summary"]
    assert isinstance(summary, dict)
    counts = " ".join(f"{k if k != 'not_applicable' else 'n/a'} {v}"
                      for k, v in summary["verdicts"].items() if v)
    where = (os.path.join(report_dir, name, "report.html") if report_dir
             else "no report (--no-reports)")
    print(f"  {name}: {word} (exit {status}); {counts}; {where}")
    for req in doc["requirements"]:  # type: ignore[union-attr]
        if req["verdict"] in ("fail", "error", "warn"):
            mark = " [expected]" if req.get("expected") else ""
            print(f"    {str(req['verdict']).upper():>5} {req['id']}: {req['reason']}{mark}")
    for msg in stale_messages(doc):
        print(f"    {msg}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"list": cmd_list, "init": cmd_init, "explain": cmd_explain, "run": cmd_run}
    return commands[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
