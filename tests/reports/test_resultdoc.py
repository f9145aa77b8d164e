"""The results model: one reader for results.json (conformance.resultdoc.read_results), the
round trip RunResults -> JSON -> ResultsDocument, and clear errors for what it cannot read."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import load_catalogue
from conformance.exchange import Exchange, Received, SentRequest
from conformance.expect import Expectation
from conformance.profile import Client, Profile
from conformance.redact import REDACTED, Redactor
from conformance.reports import ReportWriter
from conformance.reports.document import build_document, overall, stale_messages
from conformance.resultdoc import (
    SCHEMA_VERSION,
    ResultsDocument,
    ResultsError,
    Verdict,
    read_results,
)
from conformance.results import Finding, RunResults, aggregate, apply_expectations
from conformance.results import TestOutcome as Outcome

SECRET = "s3cret-value-for-the-round-trip"
TOKEN = "tok-abcdefghijklmnopqrstuvwxyz012345"


def _run() -> tuple[RunResults, Redactor, Profile]:
    cat = load_catalogue()
    rids = [r.id for r in cat][:6]
    sent = SentRequest("POST", "https://as.example/token?client_secret=" + SECRET,
                       (("Content-Type", "application/x-www-form-urlencoded"),
                        ("Authorization", "Basic Y2M6" + "x" * 8)),
                       f"grant_type=client_credentials&client_secret={SECRET}".encode())
    got = Received(200, (("Content-Type", "application/json"),),
                   json.dumps({"access_token": TOKEN, "token_type": "Bearer"}).encode())
    ex = Exchange(sent, got, elapsed_ms=1.23456, label="probe")
    findings = [
        Finding(rids[0], Verdict.PASS, "200", "200", "", "test_a", [ex]),
        Finding(rids[1], Verdict.FAIL, "no-store", f"none ({TOKEN})", "missing", "test_b",
                [ex, ex]),
        Finding(rids[2], Verdict.WARN, "x", "y", "should", "test_c", []),
        Finding(rids[3], Verdict.ERROR, "", "", "the check broke", "test_d", [ex]),
    ]
    reqs = aggregate(cat, findings, "rfc6749")
    entries = [Expectation(rids[1], "fail", "JIRA-1", None, "f entry 1"),
               Expectation(rids[0], "fail", "JIRA-2", None, "f entry 2")]
    exp = apply_expectations(reqs, entries, source="expect.toml", target="t",
                             run_targets=frozenset({"t"}), selected=None)
    results = RunResults(cat, "rfc6749", False, 7, "url", "https://as.example/token", findings,
                         [Outcome("test_a", "passed", [rids[0]], 0.123456)], reqs, 1,
                         started="2026-01-01T00:00:00Z", duration_s=1.23456,
                         notes=["a note"], target_name="t", expectations=exp)
    red = Redactor()
    red.add_credentials("cc", SECRET)
    red.add_token(TOKEN)
    profile = Profile(clients={"confidential": Client("confidential", "cc", SECRET, "CC_SECRET")},
                      source="profile.toml")
    return results, red, profile


def test_round_trip_run_results_json_reader_same_rows(tmp_path: Path) -> None:
    results, red, profile = _run()
    doc = build_document(results, red, profile)
    ReportWriter(tmp_path).write(results, red, profile)
    text = (tmp_path / "results.json").read_text(encoding="utf-8")
    assert text == doc.to_json()  # the file is the model, key for key
    back = read_results(tmp_path / "results.json")
    assert back == doc  # every row, finding, exchange, test and expectation
    assert back.to_json() == text
    assert read_results(json.loads(text)) == doc  # a parsed dict reads the same
    bare = results.document(red)
    assert read_results(results.to_dict(red)) == bare and bare.documents is None
    assert "target_profile" not in results.to_dict(red)["run"]  # type: ignore[operator]
    assert SECRET not in text and TOKEN not in text and REDACTED in text

    assert back.verdicts() == {rid: r.verdict.value for rid, r in results.requirements.items()}
    failed = next(r for r in back.requirements if r.verdict == Verdict.FAIL)
    assert failed.expected is not None and failed.expected.reason == "JIRA-1"
    shown = back.explained_findings(failed)
    assert [f.test for f in shown] == ["test_b"] and len(shown[0].exchanges) == 2
    assert shown[0].exchanges[0].curl and "$CC_SECRET" in shown[0].exchanges[0].curl
    assert overall(back)[0] == "FAIL"
    first = back.requirements[0].id
    assert stale_messages(back) == [f"stale expected finding: {first} expected fail (JIRA-2): "
                                    "now passes (verdict pass): remove the entry"]
    assert back.run.target_profile == "profile.toml" and back.documents


def _doc() -> dict[str, Any]:
    results, red, profile = _run()
    return build_document(results, red, profile).to_dict()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(schema_version=SCHEMA_VERSION + 1),
     f"schema_version {SCHEMA_VERSION + 1}: this version of cc-conformance reads version "
     f"{SCHEMA_VERSION} only"),
    (lambda d: d.update(schema="something/else"), "not a cc-conformance results document"),
    (lambda d: d["requirements"][2].update(verdict="passs"),
     "requirements[2].verdict: 'passs' is not a verdict"),
    (lambda d: d["run"].pop("seed"), "run.seed: missing"),
    (lambda d: d["run"].update(strict="no"), "run.strict: expected true or false, got a string"),
    (lambda d: d["findings"][1]["exchanges"][0]["response"].update(status="200"),
     "findings[1].exchanges[0].response.status: expected an integer, got a string"),
    (lambda d: d["requirements"][1].update(finding_ids=[99]),
     "requirements[1].finding_ids[0]: 99 is not the id of a finding"),
    (lambda d: d.update(tests={}), "tests: expected an array, got an object"),
])
def test_a_wrong_document_is_refused_naming_the_field(change: Any, message: str) -> None:
    d = copy.deepcopy(_doc())
    change(d)
    with pytest.raises(ResultsError, match=r"^results document: ") as err:
        read_results(d)
    assert message in str(err.value)


def test_a_file_that_is_not_json_or_missing_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsError, match="^" + re.escape(f"{bad}: not JSON")):
        read_results(bad)
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(ResultsError, match="top level: expected an object, got an array"):
        read_results(bad)
    with pytest.raises(ResultsError, match="cannot read the results"):
        read_results(tmp_path / "nope.json")


def test_the_model_is_frozen() -> None:
    doc = read_results(_doc())
    assert isinstance(doc, ResultsDocument)
    with pytest.raises(AttributeError):
        doc.requirements[0].verdict = Verdict.PASS  # type: ignore[misc]
