"""Programmatic runner: ``run_suite(target, profile, select_requirements=None, ...)``.

Runs the suite in-process (pytest.main in a fresh worker thread, so it works from inside a
running event loop or another pytest session) and returns the :class:`RunResults`. A filtered
run (``select_requirements``) only collects-and-runs the tests tagged with those IDs, so calling
it dozens of times (fault injection) is cheap. ``run_suite_subprocess`` is the isolated variant
for string targets; it returns the parsed JSON results document.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from conformance.options import ConfigError, RunRequest, build_run_options
from conformance.profile import Profile, load_profile
from conformance.results import RunResults
from conformance.targets import TargetSpec

SUITE_DIR = Path(__file__).parent / "suite"
BASE_ARGS = ["-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"]


class RunError(RuntimeError):
    """The suite did not produce results (usage or configuration error)."""

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def target_spec(target: object, token_path: str = "/token") -> TargetSpec:  # noqa: S107
    """URL, ``module:attr`` or ``grant:module:factory`` text (:meth:`TargetSpec.parse`), an
    app object, or a TargetSpec."""
    if isinstance(target, TargetSpec):
        return target
    if isinstance(target, str):
        return TargetSpec.parse(target, token_path)
    if callable(target):
        return TargetSpec("app", target, token_path=token_path)
    raise TypeError(f"cannot use {target!r} as a target")


def pytest_in_thread(args: list[str], plugins: list[object] | None = None, *,
                     name: str = "cc-run-suite") -> int:
    """``pytest.main`` in a fresh worker thread (no running event loop there), so a run works
    from inside an event loop or another pytest session; re-raises what pytest raised."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["status"] = int(pytest.main(args, plugins=plugins))
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=work, name=name)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["status"]  # type: ignore[return-value]


def _profile(profile: Profile | str | Path | None, spec: str | None,
             environ: Mapping[str, str] | None) -> Profile:
    if isinstance(profile, Profile):
        if spec and spec != profile.spec:
            from dataclasses import replace

            return replace(profile, spec=spec)
        return profile
    overrides: dict[str, object] = {"app": "injected:target"}
    if spec:
        overrides["spec"] = spec
    return load_profile(profile, environ=environ, overrides=overrides)


def run_suite(
    target: object,
    profile: Profile | str | Path | None,
    *,
    select_requirements: Iterable[str] | None = None,
    strict: bool = False,
    seed: int | None = 0,
    examples: int = 25,
    token_count: int = 100,
    concurrency: int = 10,
    spec: str | None = None,
    json_path: str | Path | None = None,
    quiet: bool = True,
    environ: Mapping[str, str] | None = None,
    extra_args: Iterable[str] = (),
) -> RunResults:
    """Run the suite in-process against ``target`` (URL, ``module:attr``, app object or
    TargetSpec). ``seed`` defaults to 0 for reproducible programmatic runs; pass None for a
    random one. Raises :class:`RunError` when no results were produced.

    Everything about the target (timeouts, run budget, TLS) comes from ``profile``: pass a
    :class:`Profile` built with ``load_profile(..., overrides={...})`` to change it. The ``--cc-*``
    target options have no effect in ``extra_args`` and are refused there."""
    cc_options = sorted({a.split("=", 1)[0] for a in extra_args if a.startswith("--cc-")})
    if cc_options:
        raise RunError(f"run_suite takes no --cc-* options in extra_args ({', '.join(cc_options)}):"
                       " use its arguments or the profile", 2)
    from conformance.suite_plugin import SuitePlugin

    prof = _profile(profile, spec, environ)
    request = RunRequest(strict=strict, seed=seed, examples=examples,
                         requirement=tuple(select_requirements)
                         if select_requirements is not None else None,
                         token_count=token_count, concurrency=concurrency,
                         json_path=str(json_path) if json_path else None, no_reports=True)
    try:
        options = build_run_options(request, target=target_spec(target, prof.token_path),
                                    profile=prof)
    except ConfigError as exc:
        raise RunError(str(exc), 2) from exc
    args = [str(SUITE_DIR), *BASE_ARGS, "-q" if quiet else "-v", *extra_args]
    if quiet:
        args.append("--no-header")
    plugin = SuitePlugin(options)
    status = pytest_in_thread(args, [plugin])
    if plugin.results is None:
        raise RunError(f"the suite produced no results (pytest exit {status})", status)
    return plugin.results


def run_suite_subprocess(
    target: str,
    profile: str | Path,
    *,
    select_requirements: Iterable[str] | None = None,
    strict: bool = False,
    seed: int = 0,
    examples: int = 25,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> tuple[int, dict[str, object], str]:
    """Isolated run via the CLI; returns (exit status, JSON results document, console text).
    ``target``: a URL, ``module:attr`` (an app) or ``grant:module:factory``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        spec = TargetSpec.parse(target)
        cmd = [sys.executable, "-m", "conformance", "run", f"--{spec.kind}", str(spec.value),
               "--profile",
               str(profile), "--seed", str(seed), "--examples", str(examples), "--json", str(out),
               "--no-reports"]
        if strict:
            cmd.append("--strict")
        for rid in select_requirements or ():
            cmd += ["--requirement", rid]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              env={**os.environ, **(env or {})}, check=False)
        doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        return proc.returncode, doc, proc.stdout + proc.stderr
