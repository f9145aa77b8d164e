"""One run's configuration: the raw :class:`RunRequest` and the typed :class:`RunOptions`.

Every way of starting a run ends in :func:`build_run_options`:

- ``cc-conformance run`` parses its command line into a :class:`RunRequest` per profile, builds
  the options (a configuration error is exit 2 before any request is sent) and hands them to
  the pytest session in-process (:class:`conformance.suite_plugin.SuitePlugin`);
- a bare ``pytest --pyargs conformance.suite --cc-profile FILE`` fills the same request from the
  ``--cc-*`` options, declared from the same table (:mod:`conformance.option_table`);
- a multi-target run sends each target's :class:`RunRequest` (plain values, no secret: secrets
  stay in the environment) to its worker, which builds the options there.

Imported only once a run is configured (the inactive plugin imports only the table).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.option_table import PROFILE_OVERRIDES

if TYPE_CHECKING:  # pragma: no cover - types only; the modules are imported when building
    import pytest

    from conformance.expect import Expectation
    from conformance.profile import Profile
    from conformance.targets import TargetSpec

TARGET_KEYS = ("url", "app", "grant")


class ConfigError(ValueError):
    """The run cannot start as configured (exit status 2): the message is one line."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What was asked for one target, as given: the profile path and the options of the table.
    Plain values only (a multi-target run sends it to a worker as JSON); nothing is validated
    until :func:`build_run_options`."""

    profile: str | None = None
    url: str | None = None
    app: str | None = None
    grant: str | None = None
    spec: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    strict: bool = False
    seed: int | None = None
    examples: int | None = None
    requirement: tuple[str, ...] | None = None
    expect: str | None = None
    token_count: int | None = None
    concurrency: int | None = None
    target_name: str | None = None
    run_targets: str | None = None
    json_path: str | None = None
    report_dir: str | None = None
    no_reports: bool = False
    print_expect: str | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    request_timeout: float | None = None
    run_budget: float | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    allow_insecure_http: bool = False
    no_plain_http_probe: bool = False
    metadata_url: str | None = None

    @classmethod
    def from_values(cls, get: Callable[[str], object], **fixed: object) -> RunRequest:
        """From an option source (``get(key)``: an argparse namespace, a pytest config);
        ``fixed`` values win."""
        values: dict[str, object] = {}
        for f in fields(cls):
            value = fixed[f.name] if f.name in fixed else get(f.name)
            if f.name == "requirement" and value is not None:
                value = tuple(value)  # type: ignore[arg-type]
            values[f.name] = value if value is not None else f.default
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def from_pytest(cls, config: pytest.Config) -> RunRequest:
        """The request of a bare pytest run (the ``--cc-*`` options)."""
        return cls.from_values(lambda key: config.getoption("cc_" + key))

    def to_json(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RunRequest:
        return cls.from_values(lambda key: data.get(key))

    def overrides(self) -> dict[str, object]:
        """The profile fields this request overrides (only those given)."""
        names = {"client_secret_env": "secret_env"}
        return {names.get(k, k): getattr(self, k) for k in PROFILE_OVERRIDES if getattr(self, k)}


@dataclass(frozen=True, slots=True)
class Expectations:
    """The expected findings of ``--expect`` and the file they came from."""

    entries: tuple[Expectation, ...]
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class RunOptions:
    """Everything one target's run needs, validated: built by :func:`build_run_options` (or
    directly by :func:`conformance.runner.run_suite` for a Python target object)."""

    target: TargetSpec
    profile: Profile
    target_name: str = "target"  # [target] name or the profile's file name
    run_targets: frozenset[str] = frozenset()  # every target name of a multi-target run
    strict: bool = False
    seed: int | None = None
    examples: int = 25
    select: frozenset[str] | None = None
    token_count: int = 100
    concurrency: int = 10
    report_dir: str | None = None  # HTML, JSON, JUnit and manifest (conformance.reports)
    json_path: str | None = None
    print_expect: str | None = None  # write ready-to-paste expected findings here
    expectations: Expectations | None = None

    @property
    def all_targets(self) -> frozenset[str]:
        return self.run_targets | {self.target_name}


def check_writable_file(path: str, what: str) -> None:
    """A file the run will write: its folder exists (or can be made) and is writable."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{what} {path}: is a folder, not a file")
    check_writable_dir(str(p.parent) if str(p.parent) else ".", what, shown=path)


def check_writable_dir(path: str, what: str, *, shown: str | None = None) -> None:
    """A folder the run will write into: it exists and is writable, or it can be created.
    Checked before any request is sent (nothing is created here)."""
    p = Path(path)
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    shown = shown or path
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"{what} {shown}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {shown}: {probe} is not writable")


def _select(requested: Iterable[str] | None) -> frozenset[str] | None:
    if not requested:
        return None
    from conformance.catalogue import load_catalogue
    from conformance.explain import close_matches

    cat = load_catalogue()
    for rid in requested:
        if rid not in cat:
            close = close_matches(rid, cat)
            hint = f"; did you mean: {', '.join(close)}" if close else ""
            raise ConfigError(f"unknown requirement {rid!r}{hint} (see cc-conformance list)")
    return frozenset(requested)


def _placeholder_field(profile: Profile) -> str | None:
    """The first client field still holding ``init --discover``'s placeholder (a secret_env
    placeholder already fails as an unset variable), or None."""
    from conformance.templates import PLACEHOLDER

    for role, client in profile.clients.items():
        if client.client_id.startswith(PLACEHOLDER):
            return f"clients.{role}.client_id"
    return None


def build_run_options(req: RunRequest, *, environ: Mapping[str, str] | None = None,
                      target: TargetSpec | None = None,
                      profile: Profile | None = None) -> RunOptions:
    """The one place a run's options are built and checked. Raises :class:`ConfigError` (one
    line, exit 2) for an unusable profile, expect file, selection or output path.
    ``target``/``profile`` are given by the programmatic runner for Python objects."""
    from conformance.expect import ExpectError, load_expectations
    from conformance.profile import ProfileError, load_profile, target_name
    from conformance.reports import default_report_dir

    given = [k for k in TARGET_KEYS if getattr(req, k)]
    if len(given) > 1:
        raise ConfigError("give one of --url, --app or --grant")
    if profile is None:
        try:
            profile = load_profile(req.profile, environ=environ, overrides=req.overrides())
        except ProfileError as exc:
            raise ConfigError(str(exc)) from exc
    placeholder = _placeholder_field(profile)
    if placeholder:
        raise ConfigError(f"profile field {placeholder!r}: still the FILL-IN placeholder "
                          "cc-conformance init --discover wrote; fill it in")
    expectations = None
    if req.expect:
        try:
            expectations = Expectations(tuple(load_expectations(req.expect)), str(req.expect))
        except ExpectError as exc:
            raise ConfigError(str(exc)) from exc
    report_dir = None if req.no_reports else (req.report_dir or default_report_dir())
    if report_dir is not None:
        check_writable_dir(report_dir, "report folder")
    if req.json_path:
        check_writable_file(req.json_path, "JSON results file")
    if req.print_expect:
        check_writable_file(req.print_expect, "expected-findings file")
    examples = 25 if req.examples is None else req.examples
    if examples < 1:
        raise ConfigError(f"--examples must be 1 or more, got {examples}")
    name = req.target_name or target_name(profile)
    return RunOptions(
        target=target or profile.target_spec(), profile=profile, target_name=name,
        run_targets=frozenset({name, *(t for t in (req.run_targets or "").split(",") if t)}),
        strict=req.strict, seed=req.seed, examples=examples, select=_select(req.requirement),
        token_count=100 if req.token_count is None else req.token_count,
        concurrency=10 if req.concurrency is None else req.concurrency,
        report_dir=report_dir, json_path=req.json_path, print_expect=req.print_expect,
        expectations=expectations,
    )
