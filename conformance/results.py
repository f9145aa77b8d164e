"""Results model: findings, per-requirement verdicts, run results and the JSON file.

JSON schema ``cc-conformance/results`` version 1 (see ``results_schema.json`` next to this file):

- ``schema``, ``schema_version``, ``tool {name, version}``
- ``run``: ``target {kind, location}``, ``spec_profile``, ``strict``, ``seed``, ``started``,
  ``duration_s``, ``selected_requirements`` (list or null), ``exit_status``
- ``summary``: counts of requirement verdicts, and per ``section`` rows
- ``requirements[]``: ``id, document, section, level, statement, url, verdict, reason,
  finding_ids[]``
- ``findings[]``: ``id, requirement, verdict, expected, observed, reason, test, exchanges[]``
  with each exchange ``{label, request {method,url,headers,body}, response {status,headers,
  body}, elapsed_ms}`` -- secrets and tokens redacted
- ``tests[]``: ``nodeid, outcome, requirements[], duration_s``

Additive, optional fields written by the report writers (conformance/reports/document.py):
``documents {KEY: {title, url}}``, ``run.target_profile`` and each exchange's ``curl``. Also
additive: ``run.target_name`` (the report folder / matrix column name), ``run.expectations``
(``--expect``: ``file``, ``accepted[]``, ``stale[]`` with ``problem``, ``not_checked[]``; null
without ``--expect``) and each requirement's ``expected`` (``{verdict, reason}`` of the accepted
entry, or null).

Verdicts: pass, fail, warn, info, not_applicable, error. A requirement's verdict is the worst of
its findings (fail > error > warn > pass > info > not_applicable); not_applicable only when no
check produced anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from conformance.catalogue import Catalogue, Requirement
from conformance.exchange import Exchange
from conformance.exitstatus import ExitStatus  # noqa: F401 - re-exported: results.ExitStatus
from conformance.expect import EXPECTABLE, Expectation
from conformance.redact import Redactor
from conformance.resultdoc import SCHEMA as SCHEMA  # re-exported: the schema's name and version
from conformance.resultdoc import SCHEMA_VERSION as SCHEMA_VERSION
from conformance.resultdoc import (
    Accepted,
    Expectations,
    FindingRow,
    RequirementRow,
    ResultsDocument,
    RunInfo,
    SectionCounts,
    Summary,
    TestRow,
    Verdict,
)

RANK = {
    Verdict.NOT_APPLICABLE: 0,
    Verdict.INFO: 1,
    Verdict.PASS: 2,
    Verdict.WARN: 3,
    Verdict.ERROR: 4,
    Verdict.FAIL: 5,
}


@dataclass(slots=True)
class Finding:
    requirement: str
    verdict: Verdict
    expected: str = ""
    observed: str = ""
    reason: str = ""
    test: str = ""
    exchanges: list[Exchange] = field(default_factory=list)

    def __repr__(self) -> str:
        """No free text (expected/observed/reason may quote a response, hence a token): the
        reports show it redacted."""
        return (f"Finding({self.requirement}, {self.verdict.value}, test={self.test!r}, "
                f"exchanges={self.exchanges!r})")

    def row(self, redactor: Redactor, fid: int) -> FindingRow:
        """The redacted row of the results document (``fid``: its index in the run)."""
        return FindingRow(fid, self.requirement, self.verdict, redactor.text(self.expected),
                          redactor.text(self.observed), redactor.text(self.reason), self.test,
                          tuple(e.row(redactor) for e in self.exchanges))

    def to_dict(self, redactor: Redactor, fid: int) -> dict[str, object]:
        return self.row(redactor, fid).to_dict()


@dataclass(slots=True)
class RequirementResult:
    requirement: Requirement
    verdict: Verdict
    reason: str
    findings: list[Finding]
    expected: Expectation | None = None  # an --expect entry accepted this (bad) verdict


@dataclass(slots=True)
class ExpectationReport:
    """What an expected-findings file did to a run (see :func:`apply_expectations`)."""

    source: str
    accepted: list[Expectation] = field(default_factory=list)
    stale: list[tuple[Expectation, str]] = field(default_factory=list)  # (entry, why)
    not_checked: list[Expectation] = field(default_factory=list)  # left out by --requirement

    def messages(self) -> list[str]:
        return [f"stale expected finding: {e.label()}: {why}" for e, why in self.stale]

    def row(self) -> Expectations:
        """For the results document (which does not keep where in the file an entry is)."""
        return Expectations(self.source, tuple(replace(e, where="") for e in self.accepted),
                            tuple((replace(e, where=""), why) for e, why in self.stale),
                            tuple(replace(e, where="") for e in self.not_checked))

    def to_dict(self) -> dict[str, object]:
        return self.row().to_dict()


@dataclass(slots=True)
class TestOutcome:
    nodeid: str
    outcome: str
    requirements: list[str]
    duration_s: float


def aggregate(
    catalogue: Catalogue,
    findings: list[Finding],
    spec_profile: str,
    *,
    strict: bool = False,
) -> dict[str, RequirementResult]:
    by_req: dict[str, list[Finding]] = {}
    for f in findings:
        by_req.setdefault(f.requirement, []).append(f)
    out: dict[str, RequirementResult] = {}
    for req in catalogue:
        fs = by_req.get(req.id, [])
        if not req.applies_to(spec_profile):
            out[req.id] = RequirementResult(
                req, Verdict.NOT_APPLICABLE, f"not part of the {spec_profile} profile", fs
            )
            continue
        if not fs:
            out[req.id] = RequirementResult(req, Verdict.NOT_APPLICABLE, "no check ran", fs)
            continue
        verdicts = [effective(f.verdict, strict) for f in fs]
        worst = max(verdicts, key=lambda v: RANK[v])
        reason = ""
        if worst == Verdict.NOT_APPLICABLE:
            reason = "; ".join(sorted({f.reason for f in fs if f.reason}))
        else:
            reasons = [f.reason for f, v in zip(fs, verdicts, strict=True) if v == worst]
            reason = reasons[0] if reasons else ""
        out[req.id] = RequirementResult(req, worst, reason, fs)
    return out


def effective(v: Verdict, strict: bool) -> Verdict:
    return Verdict.FAIL if strict and v == Verdict.WARN else v


def apply_expectations(
    results: dict[str, RequirementResult],
    entries: list[Expectation],
    *,
    source: str,
    target: str,
    run_targets: frozenset[str],
    selected: frozenset[str] | None,
) -> ExpectationReport:
    """Match ``--expect`` entries against this target's verdicts: a matching entry sets
    ``RequirementResult.expected`` (the run accepts that verdict); an entry that no longer
    matches is stale. Entries naming another target of the run are that target's business."""
    import difflib

    report = ExpectationReport(source)
    for e in entries:
        if e.target is not None and e.target not in run_targets:
            known = ", ".join(sorted(run_targets))
            report.stale.append((e, f"matches nothing: no target named {e.target!r} in this "
                                    f"run (targets: {known})"))
            continue
        if e.target is not None and e.target != target:
            continue
        r = results.get(e.requirement)
        if r is None:
            close = difflib.get_close_matches(e.requirement, list(results), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            report.stale.append((e, f"matches nothing: no requirement {e.requirement!r} in "
                                    f"the catalogue{hint}"))
            continue
        if selected is not None and e.requirement not in selected:
            report.not_checked.append(e)
            continue
        raw = max((f.verdict for f in r.findings), key=lambda v: RANK[v], default=r.verdict)
        if r.verdict.value in EXPECTABLE and e.verdict in (r.verdict.value, raw.value):
            r.expected = e
            report.accepted.append(e)
        elif r.verdict in (Verdict.PASS, Verdict.INFO):
            report.stale.append((e, f"now passes (verdict {r.verdict.value}): remove the "
                                    "entry"))
        elif r.verdict == Verdict.NOT_APPLICABLE:
            report.stale.append((e, "matches nothing: the requirement was not checked in this "
                                    f"run ({r.reason or 'not applicable'})"))
        else:
            report.stale.append((e, f"verdict is now {r.verdict.value}, not {e.verdict}"))
    return report


def expect_rows(results: dict[str, RequirementResult],
                redactor: Redactor) -> list[tuple[str, str, str]]:
    """``--print-expect``: (ID, verdict, reason) for every fail/warn/error verdict; an entry
    already accepted keeps its reason, a new one gets ``TODO ticket:`` and the finding."""
    rows = []
    for rid, r in results.items():
        if r.verdict.value not in EXPECTABLE:
            continue
        if r.expected is not None:
            reason = r.expected.reason
        else:
            reason = "TODO ticket: " + (redactor.text(r.reason) or r.requirement.statement)
        rows.append((rid, r.verdict.value, reason))
    return rows


@dataclass(slots=True)
class RunResults:
    """Everything a run produced; ``to_json`` gives the versioned, redacted document."""

    catalogue: Catalogue
    spec_profile: str
    strict: bool
    seed: int
    target_kind: str
    target_location: str
    findings: list[Finding]
    tests: list[TestOutcome]
    requirements: dict[str, RequirementResult]
    exit_status: int
    started: str = ""
    duration_s: float = 0.0
    selected_requirements: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    target_name: str = ""
    expectations: ExpectationReport | None = None

    def verdict(self, rid: str) -> Verdict:
        return self.requirements[rid].verdict

    def failed(self) -> list[str]:
        return [k for k, r in self.requirements.items() if r.verdict == Verdict.FAIL]

    def counts(self) -> dict[str, int]:
        c = {v.value: 0 for v in Verdict}
        for r in self.requirements.values():
            c[r.verdict.value] += 1
        return c

    def section_counts(self) -> tuple[SectionCounts, ...]:
        """Requirement verdicts counted per section, in catalogue section order."""
        rows: dict[str, dict[str, int]] = {}
        for r in self.requirements.values():
            row = rows.setdefault(r.requirement.section_key, {v.value: 0 for v in Verdict})
            row[r.verdict.value] += 1
        return tuple(SectionCounts(k, rows[k]) for k in sorted(rows, key=_section_sort))

    def section_rows(self) -> list[dict[str, object]]:
        return [{"section": s.section, **s.counts} for s in self.section_counts()]

    def document(self, redactor: Redactor) -> ResultsDocument:
        """The versioned, redacted results document of this run (without the report fields
        that :func:`conformance.reports.document.build_document` adds)."""
        from conformance import __version__

        fid_of = {id(f): i for i, f in enumerate(self.findings)}
        return ResultsDocument(
            tool_name="cc-conformance", tool_version=__version__,
            run=RunInfo(
                target_kind=self.target_kind,
                target_location=redactor.text(self.target_location),
                spec_profile=self.spec_profile, strict=self.strict, seed=self.seed,
                started=self.started, duration_s=round(self.duration_s, 3),
                selected_requirements=(tuple(self.selected_requirements)
                                       if self.selected_requirements is not None else None),
                exit_status=self.exit_status, notes=tuple(redactor.text(n) for n in self.notes),
                target_name=self.target_name,
                expectations=self.expectations.row() if self.expectations is not None else None),
            summary=Summary(self.counts(), self.section_counts()),
            requirements=tuple(
                RequirementRow(
                    r.requirement.id, r.requirement.document, r.requirement.section,
                    r.requirement.level, r.requirement.statement, r.requirement.url, r.verdict,
                    redactor.text(r.reason),
                    tuple(fid_of[id(f)] for f in r.findings if id(f) in fid_of),
                    Accepted(r.expected.verdict, r.expected.reason)
                    if r.expected is not None else None)
                for r in self.requirements.values()),
            findings=tuple(f.row(redactor, i) for i, f in enumerate(self.findings)),
            tests=tuple(TestRow(t.nodeid, t.outcome, tuple(t.requirements),
                                round(t.duration_s, 4)) for t in self.tests),
        )

    def to_dict(self, redactor: Redactor) -> dict[str, object]:
        return self.document(redactor).to_dict()

    def write_json(self, path: str | Path, redactor: Redactor) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.document(redactor).to_json(), encoding="utf-8")


def _section_sort(key: str) -> tuple[object, ...]:
    doc, _, sec = key.partition(" §")
    parts = tuple(int(p) if p.isdigit() else 0 for p in sec.split("."))
    order = {"RFC6749": 0, "RFC6750": 1, "RFC7617": 2, "RFC9700": 3, "OAUTH21": 4}
    # other documents after these, each kept together (by name), sections in number order
    return (order.get(doc, 9), doc if doc not in order else "", parts)
