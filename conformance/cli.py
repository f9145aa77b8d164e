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
from dataclasses import replace
from pathlib import Path

from conformance.catalogue import SPEC_PROFILES, load_catalogue
from conformance.exitstatus import ExitStatus, combined, from_pytest
from conformance.option_table import declare_cli_options
from conformance.options import (
    ConfigError,
    RunOptions,
    RunRequest,
    build_run_options,
    check_writable_file,
)
from conformance.resultdoc import ResultsDocument, read_results


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cc-conformance",
                                description="OAuth 2.0 client credentials conformance suite")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the suite against a target")
    declare_cli_options(run)
    run.add_argument("--profile", action="append",
                     help="target profile TOML; repeat it to run several targets in parallel "
                     "(one report folder per target under the report folder, plus matrix.html "
                     "and matrix.md)")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="several profiles: targets run at once on pytest-xdist workers "
                     "(default: one per target, at most the CPU count; 0: one after another "
                     "without xdist)")
    run.add_argument("--print-expect", nargs="?", const="-", metavar="FILE",
                     help="write ready-to-paste [[expected]] entries for this run's fail/warn/"
                     "error verdicts to FILE (default: standard output, the console then goes "
                     "to standard error)")
    run.add_argument("-v", "--verbose", action="store_true", help="one line per test")
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
    ini.add_argument("--discover", metavar="URL",
                     help="write a profile from the server's RFC 8414 metadata at URL (https, or "
                     "http on loopback), e.g. https://as.example/.well-known/oauth-authorization"
                     "-server; what it cannot know (the client) is left as FILL-IN placeholders")
    exp = sub.add_parser("explain", help="a requirement: its reason, section and how the suite "
                         "checks it")
    exp.add_argument("id", help="requirement ID (see cc-conformance list)")
    return p


def _err(message: str) -> None:
    print(f"cc-conformance: {message}", file=sys.stderr)


#: how long ``init --discover`` waits for the metadata (connect, and the whole answer)
DISCOVER_TIMEOUT_S = 10.0
#: the largest metadata document ``init --discover`` reads
DISCOVER_MAX_BYTES = 1024 * 1024


def fetch_metadata_document(url: str) -> dict[str, object]:
    """GET the RFC 8414 metadata at ``url`` (https, or plain http to a loopback host), no
    redirects followed. Raises ValueError with a one-line reason."""
    import httpx

    from conformance.exchange import parse_json_object
    from conformance.targets.http import _is_loopback

    try:
        parsed = httpx.URL(url)
    except Exception as exc:  # httpx raises several types for a malformed URL
        raise ValueError(f"--discover {url!r} is not a URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.fragment \
            or any(c.isspace() for c in url):
        raise ValueError(f"--discover needs an http(s) URL without blanks or fragment, got "
                         f"{url!r}")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise ValueError(f"refusing plain http to non-loopback host {parsed.host!r}: RFC 8414 §3 "
                         "publishes metadata over https")
    try:
        with httpx.Client(timeout=DISCOVER_TIMEOUT_S, follow_redirects=False,
                          trust_env=False) as client, \
                client.stream("GET", url, headers={"Accept": "application/json"}) as resp:
            body = b""
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > DISCOVER_MAX_BYTES:
                    raise ValueError(f"{url}: the metadata is larger than "
                                     f"{DISCOVER_MAX_BYTES} bytes")
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"cannot fetch {url}: {reason}") from None
    if resp.status_code != 200:
        where = resp.headers.get("location")
        hint = f" (redirect to {where}: pass that URL)" if where else ""
        raise ValueError(f"{url} answered HTTP {resp.status_code}, not 200{hint}")
    doc, _, error = parse_json_object(body)
    if doc is None:
        raise ValueError(f"{url}: the metadata is not a JSON object ({error})")
    return doc


def cmd_init(args: argparse.Namespace) -> int:
    from conformance.templates import discovered_profile, profile_template, reference_profile

    if args.url is not None and not args.reference:
        _err("init --url needs --reference (the template's URL is [target] url in the file)")
        return ExitStatus.USAGE
    if args.discover is not None and args.reference:
        _err("init --discover and --reference are alternatives: give one")
        return ExitStatus.USAGE
    try:
        if args.discover is not None:
            text = discovered_profile(args.discover, fetch_metadata_document(args.discover))
        else:
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
    elif args.discover is not None:
        print(f"wrote {path} from {args.discover}: fill in the FILL-IN values of "
              "[clients.confidential] (and the optional fixtures), export the secret's "
              f"environment variable, then: cc-conformance run --profile {path}")
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


#: the pytest arguments of every suite session the CLI starts (the options travel in-process)
SESSION_ARGS = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-p", "no:xdist",
                # The CLI imported conformance before pytest starts, so pytest cannot
                # assertion-rewrite it (harmless: the suite reports through its own findings).
                "-W", "ignore::pytest.PytestAssertRewriteWarning",
                "-o", "asyncio_default_fixture_loop_scope=function"]
#: options that describe one target; several --profile each name their own
ONE_TARGET_FLAGS = (("url", "--url"), ("app", "--app"), ("grant", "--grant"),
                    ("client_id", "--client-id"), ("client_secret_env", "--client-secret-env"),
                    ("json_path", "--json"), ("metadata_url", "--metadata-url"))


def _session_args(args: argparse.Namespace, report_dir: str | None) -> list[str]:
    """pytest's own arguments for one target's session (verbosity, Allure results)."""
    pargs = [*SESSION_ARGS, "-v" if args.verbose else "-q"]
    if report_dir is not None:
        pargs += [f"--alluredir={os.path.join(report_dir, 'allure-results')}",
                  "--clean-alluredir"]
    return pargs


def _request(args: argparse.Namespace, profile: str | None) -> RunRequest:
    """One target's request from the command line (--print-expect is the CLI's own: several
    targets' entries go to one file)."""
    return RunRequest.from_values(lambda key: getattr(args, key, None), profile=profile,
                                  print_expect=None)


def _plan(args: argparse.Namespace) -> list[tuple[RunOptions, RunRequest]]:
    """Every target's request, built and checked (profile, expect file, selection, output
    paths) before anything runs; raises ConfigError."""
    profiles: list[str | None] = list(args.profile or [None])
    multi = len(profiles) > 1
    if multi:
        given = [flag for key, flag in ONE_TARGET_FLAGS if getattr(args, key)]
        if given:
            raise ConfigError(f"{', '.join(given)} apply to one target; with several --profile "
                              "each profile names its own target and clients (each target's "
                              "results.json is in its report folder)")
    if args.jobs is not None and args.jobs < 0:
        raise ConfigError("--jobs must be 0 or more")
    planned = []
    for path in profiles:
        req = _request(args, path)
        try:
            planned.append((build_run_options(req), req))
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}" if multi else str(exc)) from exc
    seen: dict[str, str | None] = {}
    for (opts, req) in planned:
        if opts.target_name in seen:
            raise ConfigError(f"{seen[opts.target_name]} and {req.profile} both name their "
                              f"target {opts.target_name!r}: give each profile its own [target] "
                              "name")
        seen[opts.target_name] = req.profile
    return planned


def cmd_run(args: argparse.Namespace) -> int:
    to_stdout = args.print_expect == "-"
    try:
        if args.print_expect and not to_stdout:
            check_writable_file(args.print_expect, "expected-findings file")
        planned = _plan(args)
    except ConfigError as exc:
        _err(str(exc))
        return ExitStatus.USAGE
    with tempfile.TemporaryDirectory(prefix="cc-run-") as tmp:
        expect_out = os.path.join(tmp, "expect.toml") if to_stdout else args.print_expect
        # With --print-expect to standard output the console goes to standard error.
        redirect = (contextlib.redirect_stdout(sys.stderr) if to_stdout
                    else contextlib.nullcontext())
        with redirect:
            if len(planned) == 1:
                status = _run_single(args, planned[0][0], expect_out)
            else:
                status = _run_multi(args, planned, expect_out, tmp)
        if to_stdout and expect_out and os.path.isfile(expect_out):
            sys.stdout.write(Path(expect_out).read_text(encoding="utf-8"))
    return status


def _run_single(args: argparse.Namespace, options: RunOptions, expect_out: str | None) -> int:
    import pytest

    from conformance.suite_plugin import SuitePlugin

    if expect_out:
        options = replace(options, print_expect=expect_out)
    status = int(pytest.main(_session_args(args, options.report_dir),
                             plugins=[SuitePlugin(options)]))
    if options.report_dir is not None and status in (0, 1, 3):
        html = os.path.join(options.report_dir, "report.html")
        if os.path.isfile(html):
            print(html)  # the last line: where to look
    return from_pytest(status)


def _run_multi(args: argparse.Namespace, planned: list[tuple[RunOptions, RunRequest]],
               expect_out: str | None, tmp: str) -> int:
    from conformance.multitarget import TargetRun, run_all
    from conformance.reports.matrix import write_matrix

    report_dir = planned[0][0].report_dir
    names = [opts.target_name for opts, _ in planned]
    runs = []
    for opts, req in planned:
        name = opts.target_name
        folder = os.path.join(report_dir, name) if report_dir else None
        work = folder or os.path.join(tmp, name)
        json_path = os.path.join(work, "results.json")
        worker = replace(req, target_name=name, run_targets=",".join(names),
                         report_dir=folder, no_reports=folder is None,
                         json_path=None if folder else json_path,
                         print_expect=os.path.join(tmp, f"{name}.expect.toml")
                         if expect_out else None)
        runs.append(TargetRun(name=name, request=worker.to_json(),
                              args=_session_args(args, folder), json_path=json_path,
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
            doc = read_results(run.json_path)
            docs.append(doc)
        _print_target(run.name, status, doc, run.console_path, report_dir)
    if any(s is None for s in statuses) and outer.strip():
        print(outer.rstrip(), file=sys.stderr)
    if expect_out:
        parts = [Path(tmp, f"{n}.expect.toml").read_text(encoding="utf-8") for n in names
                 if Path(tmp, f"{n}.expect.toml").is_file()]
        Path(expect_out).parent.mkdir(parents=True, exist_ok=True)
        Path(expect_out).write_text("\n".join(parts), encoding="utf-8")
    status = combined(statuses)
    if report_dir is not None and docs:
        links = {n: f"{n}/report.html" for n in names}
        html, md = write_matrix(docs, report_dir, links)
        print(f"cc-conformance: exit status {status}; matrix {md}")
        print(html)  # the last line: where to look
    else:
        print(f"cc-conformance: exit status {status}")
    return status


def _print_target(name: str, status: int | None, doc: ResultsDocument | None,
                  console: str, report_dir: str | None) -> None:
    if doc is None:
        print(f"  {name}: no results (exit {status}); its console: {console}")
        if os.path.isfile(console):
            tail = Path(console).read_text(encoding="utf-8").strip().splitlines()[-3:]
            for line in tail:
                print(f"    {line}")
        return
    from conformance.reports.document import overall

    word, _ = overall(doc)
    counts = " ".join(f"{k if k != 'not_applicable' else 'n/a'} {v}"
                      for k, v in doc.summary.verdicts.items() if v)
    where = (os.path.join(report_dir, name, "report.html") if report_dir
             else "no report (--no-reports)")
    print(f"  {name}: {word} (exit {status}); {counts}; {where}")
    for req in doc.requirements:
        if req.verdict in ("fail", "error", "warn"):
            mark = " [expected]" if req.expected else ""
            print(f"    {req.verdict.value.upper():>5} {req.id}: {req.reason}{mark}")
    for msg in doc.stale_messages():
        print(f"    {msg}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"list": cmd_list, "init": cmd_init, "explain": cmd_explain, "run": cmd_run}
    return commands[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
