"""A hand-checked note covers the tests it names, not its whole requirement
(interop.notes: failing_tests, unchecked, overlay, stale_tests)."""

from __future__ import annotations

from typing import Any

from conformance.reports.matrix import build_matrix, render_markdown
from conformance.resultdoc import read_results
from interop.notes import NO_TEST, Note, failing_tests, overlay, stale_tests, unchecked, unreviewed
from tests.interop.canned import results_doc

A = "conformance/suite/rfc6749/test_a.py::test_one"
B = "conformance/suite/rfc6749/test_a.py::test_two[x]"


def _doc(name: str, findings: list[tuple[str, str, str]]) -> Any:
    """findings: (requirement, verdict, test node id); a requirement's verdict is its worst."""
    order = ["pass", "not_applicable", "info", "warn", "fail", "error"]
    verdicts: dict[str, str] = {}
    ids: dict[str, list[int]] = {}
    for i, (rid, v, _) in enumerate(findings):
        if order.index(v) >= order.index(verdicts.get(rid, "pass")):
            verdicts[rid] = v
        ids.setdefault(rid, []).append(i)
    reqs = [{"id": rid, "document": "RFC 6749", "section": "5.2", "level": "MUST",
             "statement": rid, "url": "https://www.rfc-editor.org/rfc/rfc6749",
             "verdict": v, "reason": "", "finding_ids": ids[rid]} for rid, v in verdicts.items()]
    rows = [{"id": i, "requirement": rid, "verdict": v, "expected": "x", "observed": "HTTP 500",
             "reason": "r", "test": test, "exchanges": []}
            for i, (rid, v, test) in enumerate(findings)]
    return read_results(results_doc(name, reqs, rows))


def test_failing_tests_per_server_and_requirement() -> None:
    doc = _doc("s", [("R1", "fail", A), ("R1", "pass", B), ("R2", "warn", B)])
    assert failing_tests([doc]) == {("s", "R1"): {"rfc6749/test_a.py::test_one"},
                                    ("s", "R2"): {"rfc6749/test_a.py::test_two[x]"}}


def test_a_fail_from_a_test_the_note_did_not_name_is_unchecked() -> None:
    before = _doc("s", [("R1", "fail", A)])
    after = _doc("s", [("R1", "fail", A), ("R1", "fail", B)])  # a new cause, same requirement
    note = Note("s", "R1", "deviation", "t", "x", frozenset({"rfc6749/test_a.py::test_one"}))
    for doc, todo in ((before, []),
                      (after, [("s", "R1", "fail", ("rfc6749/test_a.py::test_two[x]",))])):
        m = build_matrix([doc])
        failing = failing_tests([doc])
        assert unchecked(m, [note], failing) == todo
        assert unreviewed(m, [note], failing) == [t[:3] for t in todo]
        md = render_markdown(m, overlay(m, [note], title="T", failing=failing))
        assert ("**FAIL** ‡" in md) is bool(todo)
        assert ("**FAIL** [†](#s-r1)" in md) is not bool(todo)
        if todo:
            assert "tests no note names: rfc6749/test_a.py::test_two[x]" in md


def test_parameters_are_part_of_the_name() -> None:
    doc = _doc("s", [("R1", "fail", B)])
    note = Note("s", "R1", "deviation", "t", "x", frozenset({"rfc6749/test_a.py::test_two[y]"}))
    assert unreviewed(build_matrix([doc]), [note], failing_tests([doc])) == [("s", "R1", "fail")]


def test_no_note_a_note_without_tests_and_a_configuration_note() -> None:
    doc = _doc("s", [("R1", "fail", A), ("R2", "fail", A), ("R3", "fail", A)])
    m, failing = build_matrix([doc]), failing_tests([doc])
    notes = [Note("s", "R2", "deviation", "t", "x"),  # names no test: covers none
             Note("s", "R3", "configuration", "t", "x", frozenset({"rfc6749/test_a.py::test_one"}))]
    assert unchecked(m, notes, failing) == [
        ("s", "R1", "fail", ()), ("s", "R2", "fail", ("rfc6749/test_a.py::test_one",)),
        ("s", "R3", "fail", ())]
    # Without the results' tests (the matrix alone), any note of the requirement covers it.
    assert unreviewed(m, notes) == [("s", "R1", "fail"), ("s", "R3", "fail")]


def test_a_bad_verdict_without_findings_needs_an_explicit_note() -> None:
    doc = _doc("s", [("R1", "fail", "")])
    assert failing_tests([doc]) == {("s", "R1"): {NO_TEST}}


def test_stale_names_and_notes_are_reported() -> None:
    doc = _doc("s", [("R1", "fail", A)])
    notes = [Note("s", "R1", "deviation", "t", "x",
                  frozenset({"rfc6749/test_a.py::test_one", "rfc6749/test_a.py::gone"})),
             Note("s", "RFC9-x", "deviation", "t", "x"), Note("other", "R1", "deviation", "t", "x")]
    assert stale_tests(notes, failing_tests([doc])) == [
        ("s", "R1", ("rfc6749/test_a.py::gone",)),
        ("s", "RFC9-x", ("(the requirement no longer fails)",))]


def test_notes_of_one_requirement_cover_their_tests_together() -> None:
    """Two deviation notes of one requirement (two causes found by hand) cover the union of
    the tests they name; each alone leaves the other's tests unchecked."""
    doc = _doc("s", [("R1", "fail", A), ("R2", "fail", A), ("R2", "fail", B)])
    m, failing = build_matrix([doc]), failing_tests([doc])
    one = "rfc6749/test_a.py::test_one"
    two = "rfc6749/test_a.py::test_two[x]"
    notes = [Note("s", "R1", "deviation", "served", "x", frozenset({one})),
             Note("s", "R2", "deviation", "served", "y", frozenset({one})),
             Note("s", "R2", "deviation", "bare 403", "z", frozenset({two}))]
    assert unchecked(m, notes, failing) == []
    assert unchecked(m, notes[:2], failing) == [("s", "R2", "fail", (two,))]
    md = render_markdown(m, overlay(m, notes, title="T", failing=failing))
    assert "**FAIL** [†](#s-r1)" in md and "**FAIL** [†](#s-r2)" in md
    assert "[*]" not in md
