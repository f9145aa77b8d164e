"""One run configuration (issue 11): the option table, RunRequest -> RunOptions, the checks a
run's configuration gets before any request is sent (issue 13: an unwritable output is exit 2
with one line), the exit-status policy, and the inactive plugin's footprint."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from conformance.catalogue import SPEC_PROFILES
from conformance.cli import main
from conformance.exitstatus import ExitStatus, combined, from_pytest, run_status
from conformance.option_table import OPTIONS, SPEC_CHOICES
from conformance.options import ConfigError, RunRequest, build_run_options
from tests.demo import DEMO_ENV, REFERENCE_PROFILE


def test_table_and_request_name_the_same_options() -> None:
    keys = {o.key for o in OPTIONS}
    assert keys == {f.name for f in fields(RunRequest)}
    assert tuple(SPEC_PROFILES) == SPEC_CHOICES
    flags = [o.flag for o in OPTIONS]
    assert len(flags) == len(set(flags))


def test_request_travels_as_json_unchanged() -> None:
    req = RunRequest(profile="p.toml", url="https://as.example/token", strict=True, seed=7,
                     requirement=("RFC6749-5.1-access-token",), request_timeout=2.5,
                     run_targets="a,b", no_plain_http_probe=True)
    assert RunRequest.from_json(json.loads(json.dumps(req.to_json()))) == req


def test_options_are_built_once_from_profile_and_overrides(tmp_path: Path) -> None:
    req = RunRequest(profile=str(REFERENCE_PROFILE), url="http://127.0.0.1:9/token", seed=3,
                     requirement=("RFC6749-5.1-access-token",), report_dir=str(tmp_path / "r"),
                     read_timeout=1.5, run_targets="other")
    opts = build_run_options(req, environ=DEMO_ENV)
    assert (opts.target.kind, opts.target.value) == ("url", "http://127.0.0.1:9/token")
    assert opts.profile.read_timeout == 1.5 and opts.seed == 3
    assert opts.select == frozenset({"RFC6749-5.1-access-token"})
    assert opts.target_name == "reference" and opts.all_targets == {"reference", "other"}
    assert opts.report_dir == str(tmp_path / "r")
    assert not (tmp_path / "r").exists()  # checked, not created, before the run


@pytest.mark.parametrize(("change", "message"), [
    ({"report_dir": "/etc/hostname/x"}, "report folder /etc/hostname/x: /etc/hostname is a file"),
    ({"json_path": "/etc/hostname/r.json"}, "JSON results file /etc/hostname/r.json"),
    ({"print_expect": "/etc/hostname/e.toml"}, "expected-findings file /etc/hostname/e.toml"),
    ({"requirement": ("RFC6749-5.1-acces-token",)}, "unknown requirement"),
    ({"examples": 0}, "--examples must be 1 or more"),
    ({"url": "http://127.0.0.1:9/t", "app": "reference_impl.asgi:app"}, "give one of"),
    ({"expect": "/nonexistent/expect.toml"}, "--expect: file not found"),
])
def test_configuration_errors_are_one_line(change: dict[str, object], message: str) -> None:
    req = RunRequest(profile=str(REFERENCE_PROFILE), no_reports="report_dir" not in change,
                     **change)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        build_run_options(req, environ=DEMO_ENV)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("argv", [
    ["--report-dir", "/etc/hostname/x"],
    ["--no-reports", "--json", "/etc/hostname/r.json"],
    ["--no-reports", "--print-expect", "/etc/hostname/e.toml"],
])
def test_cli_unwritable_output_is_exit_2_with_one_line(
        argv: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: used to be a 24-line INTERNALERROR traceback and exit 3 ("unreachable")."""
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    status = main(["run", "--profile", str(REFERENCE_PROFILE), *argv])
    out, err = capsys.readouterr()
    assert status == ExitStatus.USAGE
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("cc-conformance: ") and "/etc/hostname" in err
    assert "Traceback" not in err and "INTERNALERROR" not in err


def test_cli_init_into_unwritable_place_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["init", "/etc/hostname/p.toml"])
    err = capsys.readouterr().err
    assert status == ExitStatus.USAGE and len(err.strip().splitlines()) == 1, err


@dataclass
class _R:
    verdict: str
    expected: object = None


@dataclass
class _E:
    stale: list[object]


def test_exit_status_policy() -> None:
    ok, failed = [_R("pass"), _R("warn")], [_R("pass"), _R("fail")]
    assert run_status(ok) == ExitStatus.OK
    assert run_status(failed) == ExitStatus.FAILED
    assert run_status([_R("error")]) == ExitStatus.FAILED
    assert run_status([_R("fail", expected=object())]) == ExitStatus.OK  # accepted finding
    assert run_status(ok, expectations=_E(stale=[1])) == ExitStatus.FAILED
    assert run_status(failed, unreachable=True) == ExitStatus.UNREACHABLE
    assert run_status([_R("error")], incomplete=True) == ExitStatus.UNREACHABLE
    assert run_status(failed, incomplete=True) == ExitStatus.FAILED  # a fail found still counts
    assert run_status(ok, pytest_status=3) == ExitStatus.FAILED  # pytest internal error
    assert run_status(ok, pytest_status=4) == ExitStatus.USAGE
    assert run_status(ok, pytest_status=5) == ExitStatus.OK  # nothing selected
    assert [from_pytest(s) for s in (0, 1, 2, 3, 4, 5, 70)] == [0, 1, 2, 3, 2, 2, 1]
    assert combined([0, 3, 1]) == 1 and combined([0, None]) == 2 and combined([]) == 0


def test_inactive_plugin_imports_nothing_of_the_suite() -> None:
    """The pytest11 entry point loads in every pytest run of an environment that installs the
    suite: without a cc option it must import only itself and the option table."""
    code = ("import sys, pytest; before = set(sys.modules); import conformance.plugin; "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert json.loads(out.replace("'", '"')) == ["conformance", "conformance.option_table",
                                                 "conformance.plugin"]
