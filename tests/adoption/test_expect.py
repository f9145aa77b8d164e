"""Expected findings: ``--expect FILE`` accepts known deviations, stale entries fail the run,
``--print-expect`` writes entries that round-trip; the reports show expected findings."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.expect import ExpectError, parse_expectations
from tests.demo import DEMO_ENV

from .conftest import PRAGMA, cli, load_json

SELECT = ("--requirement", PRAGMA, "--seed", "11", "--examples", "2")


def _expect(path: Path, *entries: dict[str, str]) -> Path:
    lines = []
    for e in entries:
        lines.append("[[expected]]")
        lines += [f'{k} = "{v}"' for k, v in e.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_matched_expected_failure_exits_0_and_reports_show_it(
        tmp_path: Path, broken_profile: Path) -> None:
    exp = _expect(tmp_path / "expect.toml", {"requirement": PRAGMA, "verdict": "fail",
                                             "reason": "JIRA-42: Pragma header, fix in 2.4"})
    plain = cli("run", "--profile", broken_profile, *SELECT, "--no-reports")
    assert plain.status == 1, plain.console
    rep = tmp_path / "rep"
    run = cli("run", "--profile", broken_profile, *SELECT, "--expect", exp, "--report-dir", rep)
    assert run.status == 0, run.console
    assert "[expected: JIRA-42: Pragma header, fix in 2.4]" in run.console
    assert "1 accepted, 0 stale" in run.console
    doc = load_json(rep / "results.json")
    run_meta = doc["run"]
    assert isinstance(run_meta, dict) and run_meta["exit_status"] == 0
    assert run_meta["expectations"]["accepted"][0]["requirement"] == PRAGMA
    req = next(r for r in doc["requirements"] if r["id"] == PRAGMA)  # type: ignore[union-attr]
    # the verdict itself is unchanged; the entry that accepted it is attached
    assert req["verdict"] == "fail"
    assert req["expected"] == {"verdict": "fail", "reason": "JIRA-42: Pragma header, fix in 2.4"}
    html = (rep / "report.html").read_text(encoding="utf-8")
    assert "expected finding: JIRA-42: Pragma header, fix in 2.4" in html
    assert "1 expected finding(s) accepted" in html
    junit = ET.parse(rep / "junit.xml").getroot()  # noqa: S314 - our own file
    case = junit.find(f".//testcase[@name='{PRAGMA}']")
    assert case is not None and case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None and "JIRA-42" in skipped.get("message", "")


def test_expected_failure_that_now_passes_fails_the_run(tmp_path: Path,
                                                        ref_profile: Path) -> None:
    exp = _expect(tmp_path / "expect.toml", {"requirement": PRAGMA, "verdict": "fail",
                                             "reason": "JIRA-42"})
    rep = tmp_path / "rep"
    run = cli("run", "--profile", ref_profile, *SELECT, "--expect", exp, "--report-dir", rep)
    assert run.status == 1, run.console
    assert f"stale expected finding: {exp} entry 1: {PRAGMA} expected fail (JIRA-42): now " \
           "passes" in run.console
    doc = load_json(rep / "results.json")
    stale = doc["run"]["expectations"]["stale"]  # type: ignore[index]
    assert [(s["requirement"], s["problem"].split(" (")[0]) for s in stale] == \
        [(PRAGMA, "now passes")]
    html = (rep / "report.html").read_text(encoding="utf-8")
    assert '<span class="banner FAIL">' in html and "stale expected finding" in html
    junit = ET.parse(rep / "junit.xml").getroot()  # noqa: S314 - our own file
    assert junit.find(".//testsuite[@name='expected findings']/testcase/failure") is not None


@pytest.mark.parametrize(("entry", "problem"), [
    ({"requirement": "RFC6749-5.1-pragmaa", "verdict": "fail", "reason": "typo"},
     "matches nothing: no requirement 'RFC6749-5.1-pragmaa' in the catalogue; did you mean "
     "RFC6749-5.1-pragma"),
    ({"requirement": PRAGMA, "verdict": "fail", "reason": "other", "target": "eu-west"},
     "matches nothing: no target named 'eu-west' in this run (targets: nopragma)"),
    ({"requirement": "RFC6749-10.3-tls-server-auth", "verdict": "fail", "reason": "tls"},
     "matches nothing: the requirement was not checked in this run"),
    ({"requirement": PRAGMA, "verdict": "warn", "reason": "wrong verdict"},
     "verdict is now fail, not warn"),
], ids=["unknown-id", "unknown-target", "not-checked", "other-verdict"])
def test_entry_that_matches_nothing_fails_the_run(tmp_path: Path, broken_profile: Path,
                                                  entry: dict[str, str], problem: str) -> None:
    known = {"requirement": PRAGMA, "verdict": "fail", "reason": "known"}
    # the accepted PRAGMA entry shows the stale one fails the run on its own
    same_key = entry["requirement"] == PRAGMA and "target" not in entry
    exp = _expect(tmp_path / "expect.toml", *([entry] if same_key else [known, entry]))
    run = cli("run", "--profile", broken_profile, "--requirement", PRAGMA, "--requirement",
              "RFC6749-10.3-tls-server-auth", "--seed", "11", "--examples", "2", "--expect",
              exp, "--no-reports")
    assert run.status == 1, run.console
    assert problem in run.console
    assert "stale expected finding" in run.console


def test_entries_outside_a_selection_are_not_judged(tmp_path: Path,
                                                    broken_profile: Path) -> None:
    exp = _expect(tmp_path / "expect.toml",
                  {"requirement": PRAGMA, "verdict": "fail", "reason": "known"},
                  {"requirement": "RFC6749-5.1-no-store", "verdict": "fail", "reason": "n/s"})
    run = cli("run", "--profile", broken_profile, *SELECT, "--expect", exp, "--no-reports")
    assert run.status == 0, run.console
    assert "1 accepted, 0 stale, 1 not checked in this selection" in run.console


def test_print_expect_round_trips(tmp_path: Path, broken_profile: Path) -> None:
    """Entries printed for a failing run, fed back as --expect, make the same run exit 0."""
    first = cli("run", "--profile", broken_profile, *SELECT, "--no-reports", "--print-expect")
    assert first.status == 1, first.console
    text = first.stdout  # only the entries: the console went to standard error
    entries = parse_expectations(tomllib.loads(text), "printed")
    assert [(e.requirement, e.verdict, e.target) for e in entries] == [(PRAGMA, "fail", None)]
    assert entries[0].reason.startswith("TODO ticket: ")
    assert "HTML report" not in text and "passed" not in text
    for secret in DEMO_ENV.values():
        assert secret not in first.console
    exp = tmp_path / "expect.toml"
    exp.write_text(text, encoding="utf-8")
    again = cli("run", "--profile", broken_profile, *SELECT, "--no-reports", "--expect", exp,
                "--print-expect", tmp_path / "again.toml")
    assert again.status == 0, again.console
    # an accepted entry keeps its reason when printed again
    assert (tmp_path / "again.toml").read_text(encoding="utf-8").split("[[expected]]")[1] == \
        text.split("[[expected]]")[1]


@pytest.mark.parametrize(("text", "message"), [
    ('[[expected]]\nrequirement = "X"\nverdict = "fail"\n', "'reason' is required"),
    ('[[expected]]\nrequirement = "X"\nverdict = "pass"\nreason = "r"\n',
     "'verdict' must be one of fail, warn, error"),
    ('[[expected]]\nrequirement = "X"\nverdict = "fail"\nreason = "r"\nticket = "T"\n',
     "unknown field(s) ['ticket']"),
    ('[[expected]]\nrequirement = "X"\nverdict = "fail"\nreason = "r"\n'
     '[[expected]]\nrequirement = "X"\nverdict = "warn"\nreason = "s"\n', "duplicates"),
    ('expected = 1\n', "array of tables"),
])
def test_expect_file_is_validated(text: str, message: str) -> None:
    with pytest.raises(ExpectError) as info:
        parse_expectations(tomllib.loads(text), "e.toml")
    assert message in str(info.value)


def test_invalid_expect_file_exits_2_before_running(tmp_path: Path, ref_profile: Path) -> None:
    exp = tmp_path / "expect.toml"
    exp.write_text("[[expected]]\nrequirement = 'X'\n", encoding="utf-8")
    run = cli("run", "--profile", ref_profile, "--expect", exp, "--no-reports")
    assert run.status == 2
    assert f"{exp} entry 1: 'verdict' must be one of" in run.stderr
    assert "passed" not in run.console
