"""The results document: typed, frozen rows of one run's ``results.json``.

``results.json`` (schema ``cc-conformance/results``, version :data:`SCHEMA_VERSION`; see
``results_schema.json`` and the field list in :mod:`conformance.results`) is the one interface
between a run and everything that reports on it. Every reader goes through this module:

- :func:`read_results` is the only reader: a path or an already parsed dict in, a
  :class:`ResultsDocument` out, or a :class:`ResultsError` naming the file and the field;
- :meth:`ResultsDocument.to_dict` / :meth:`ResultsDocument.to_json` write it back, key for key
  (``read_results(d).to_dict() == d`` for every document this version writes);
- a run's document is made by :meth:`conformance.results.RunResults.document`, and
  :func:`conformance.reports.document.build_document` adds the report fields (``documents``,
  ``run.target_profile``, each exchange's ``curl``).

The HTML, JUnit, Allure, console and matrix reports, interop and bench read these rows, never
the dictionary. Everything in a document is already redacted: no row holds a secret or token.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from conformance.expect import Expectation

SCHEMA = "cc-conformance/results"
SCHEMA_VERSION = 1


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict
    FAIL = "fail"
    WARN = "warn"
    INFO = "info"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


SHOWN = (Verdict.FAIL, Verdict.ERROR, Verdict.WARN)  # verdicts whose findings a report explains
Headers = tuple[tuple[str, str], ...]


class ResultsError(ValueError):
    """Not a results document this version can read (the message names the file and field)."""


@dataclass(frozen=True, slots=True)
class RequestRow:
    method: str
    url: str
    headers: Headers
    body: str


@dataclass(frozen=True, slots=True)
class ResponseRow:
    status: int
    headers: Headers
    body: str


def _message(start: str, headers: Headers, body: str, prefix: str = "",
             blank: bool = True) -> list[str]:
    lines = [start, *(f"{k}: {v}" for k, v in headers)]
    if body:
        lines += ["", body] if blank else [body]
    return [prefix + line for line in lines] if prefix else lines


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    """One redacted HTTP exchange; ``curl`` (a replay command) only in report documents."""

    label: str
    request: RequestRow
    response: ResponseRow
    elapsed_ms: float
    curl: str | None = None
    #: mutual TLS: the client certificate presented and whether the server ended the TLS
    #: connection instead of answering (then ``response.status`` is 0)
    tls: str | None = None

    def _status_line(self, prefix: str) -> str:
        if self.response.status == 0:
            return "(no HTTP response: the server ended the TLS connection)"
        return f"{prefix}{self.response.status}"

    def transcript(self) -> tuple[str, str]:
        """(request, response) as HTTP/1.1-style text, for the reports."""
        rq, rs = self.request, self.response
        tls = [f"# TLS: {self.tls}"] if self.tls else []
        return ("\n".join(tls + _message(f"{rq.method} {rq.url}", rq.headers, rq.body)),
                "\n".join(_message(self._status_line("HTTP "), rs.headers, rs.body)))

    def console(self) -> str:
        """A short ``>``/``<`` transcript, for console output."""
        rq, rs = self.request, self.response
        tls = [f"> # TLS: {self.tls}"] if self.tls else []
        return "\n".join(tls + _message(f"{rq.method} {rq.url}", rq.headers, rq.body, "> ", False)
                         + _message(self._status_line(""), rs.headers, rs.body, "< ", False))

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "label": self.label,
            "request": {"method": self.request.method, "url": self.request.url,
                        "headers": [[k, v] for k, v in self.request.headers],
                        "body": self.request.body},
            "response": {"status": self.response.status,
                         "headers": [[k, v] for k, v in self.response.headers],
                         "body": self.response.body},
            "elapsed_ms": self.elapsed_ms,
        }
        if self.curl is not None:
            out["curl"] = self.curl
        if self.tls is not None:
            out["tls"] = self.tls
        return out


@dataclass(frozen=True, slots=True)
class FindingRow:
    id: int
    requirement: str
    verdict: Verdict
    expected: str
    observed: str
    reason: str
    test: str
    exchanges: tuple[ExchangeRow, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "requirement": self.requirement, "verdict": self.verdict.value,
                "expected": self.expected, "observed": self.observed, "reason": self.reason,
                "test": self.test, "exchanges": [e.to_dict() for e in self.exchanges]}


class Accepted(NamedTuple):
    """The ``--expect`` entry that accepted a requirement's (bad) verdict."""

    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class RequirementRow:
    id: str
    document: str
    section: str
    level: str
    statement: str
    url: str
    verdict: Verdict
    reason: str
    finding_ids: tuple[int, ...] = ()
    expected: Accepted | None = None

    @property
    def section_key(self) -> str:
        return f"{self.document} §{self.section}"

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "document": self.document, "section": self.section,
                "level": self.level, "statement": self.statement, "url": self.url,
                "verdict": self.verdict.value, "reason": self.reason,
                "finding_ids": list(self.finding_ids),
                "expected": ({"verdict": self.expected.verdict, "reason": self.expected.reason}
                             if self.expected is not None else None)}


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the ``--expect`` file did to the run (entries without their ``where``)."""

    file: str
    accepted: tuple[Expectation, ...] = ()
    stale: tuple[tuple[Expectation, str], ...] = ()  # (entry, its problem)
    not_checked: tuple[Expectation, ...] = ()

    def stale_messages(self) -> list[str]:
        out = []
        for e, problem in self.stale:
            on = f" on target {e.target!r}" if e.target else ""
            out.append(f"stale expected finding: {e.requirement} expected {e.verdict}{on} "
                       f"({e.reason}): {problem}")
        return out

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "accepted": [e.to_dict() for e in self.accepted],
                "stale": [{**e.to_dict(), "problem": why} for e, why in self.stale],
                "not_checked": [e.to_dict() for e in self.not_checked]}


@dataclass(frozen=True, slots=True)
class RunInfo:
    target_kind: str
    target_location: str
    spec_profile: str
    strict: bool
    seed: int
    started: str
    duration_s: float
    selected_requirements: tuple[str, ...] | None
    exit_status: int
    notes: tuple[str, ...] = ()
    target_name: str = ""
    expectations: Expectations | None = None
    target_profile: str | None = None  # written only with the report fields (documents)

    def to_dict(self, report_fields: bool) -> dict[str, object]:
        out: dict[str, object] = {
            "target": {"kind": self.target_kind, "location": self.target_location},
            "spec_profile": self.spec_profile, "strict": self.strict, "seed": self.seed,
            "started": self.started, "duration_s": self.duration_s,
            "selected_requirements": (list(self.selected_requirements)
                                      if self.selected_requirements is not None else None),
            "exit_status": self.exit_status, "notes": list(self.notes),
            "target_name": self.target_name,
            "expectations": (self.expectations.to_dict()
                             if self.expectations is not None else None),
        }
        if report_fields:
            out["target_profile"] = self.target_profile
        return out


@dataclass(frozen=True, slots=True)
class SectionCounts:
    section: str  # "RFC6749 §3.2"
    counts: Mapping[str, int]  # verdict -> number of requirements


@dataclass(frozen=True, slots=True)
class Summary:
    verdicts: Mapping[str, int]  # verdict -> number of requirements, in Verdict order
    sections: tuple[SectionCounts, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"verdicts": dict(self.verdicts),
                "sections": [{"section": s.section, **s.counts} for s in self.sections]}


@dataclass(frozen=True, slots=True)
class TestRow:
    nodeid: str
    outcome: str
    requirements: tuple[str, ...]
    duration_s: float

    def to_dict(self) -> dict[str, object]:
        return {"nodeid": self.nodeid, "outcome": self.outcome,
                "requirements": list(self.requirements), "duration_s": self.duration_s}


class DocumentRef(NamedTuple):
    """A cited document."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class ResultsDocument:
    """One run's results. ``documents`` (title and URL of each cited document) is None in a
    bare document, set in a report document (which also has ``run.target_profile`` and each
    exchange's ``curl``)."""

    tool_name: str
    tool_version: str
    run: RunInfo
    summary: Summary
    requirements: tuple[RequirementRow, ...]
    findings: tuple[FindingRow, ...]
    tests: tuple[TestRow, ...]
    documents: Mapping[str, DocumentRef] | None = None

    def requirement(self, rid: str) -> RequirementRow | None:
        return next((r for r in self.requirements if r.id == rid), None)

    def verdicts(self) -> dict[str, str]:
        """Requirement ID -> verdict."""
        return {r.id: r.verdict.value for r in self.requirements}

    def findings_of(self, req: RequirementRow) -> list[FindingRow]:
        by_id = {f.id: f for f in self.findings}
        return [by_id[i] for i in req.finding_ids if i in by_id]

    def explained_findings(self, req: RequirementRow) -> list[FindingRow]:
        """The findings of ``req`` that carry its (bad) verdict."""
        mine = self.findings_of(req)
        chosen = [f for f in mine if f.verdict == req.verdict]
        return chosen or [f for f in mine if f.verdict in SHOWN]

    def why(self, req: RequirementRow) -> str:
        """The requirement's reason, else its first explaining finding's reason and what was
        observed."""
        if req.reason:
            return req.reason
        for f in self.findings_of(req):
            if f.verdict == req.verdict:
                return f"{f.reason} (observed: {f.observed})".strip()
        return ""

    def stale_messages(self) -> list[str]:
        """One line per stale ``--expect`` entry (each fails the run)."""
        exp = self.run.expectations
        return exp.stale_messages() if exp is not None else []

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": self.tool_name, "version": self.tool_version},
            "run": self.run.to_dict(self.documents is not None),
            "summary": self.summary.to_dict(),
            "requirements": [r.to_dict() for r in self.requirements],
            "findings": [f.to_dict() for f in self.findings],
            "tests": [t.to_dict() for t in self.tests],
        }
        if self.documents is not None:
            out["documents"] = {k: {"title": d.title, "url": d.url}
                                for k, d in self.documents.items()}
        return out

    def to_json(self) -> str:
        """The ``results.json`` text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------ reader
class _Node:
    """A JSON object being read, with its path for error messages."""

    __slots__ = ("data", "path", "source")

    def __init__(self, data: object, path: str, source: str) -> None:
        self.source, self.path = source, path
        if not isinstance(data, dict):
            self.fail(f"expected an object, got {_kind(data)}")
        self.data: dict[str, Any] = data

    def fail(self, message: str, key: str = "") -> NoReturn:
        where = f"{self.path}.{key}" if key and self.path else key or self.path or "top level"
        raise ResultsError(f"{self.source}: {where}: {message}")

    def _get(self, key: str, types: type | tuple[type, ...], what: str,
             optional: bool = False) -> Any:
        if key not in self.data:
            if optional:
                return None
            self.fail("missing", key)
        value = self.data[key]
        if value is None and optional:
            return None
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple)
                                                    else (types,)):
            self.fail(f"expected {what}, got a boolean", key)
        if not isinstance(value, types):
            self.fail(f"expected {what}, got {_kind(value)}", key)
        return value

    def text(self, key: str) -> str:
        return self._get(key, str, "a string")  # type: ignore[no-any-return]

    def opt_text(self, key: str) -> str | None:
        return self._get(key, str, "a string or null", optional=True)  # type: ignore[no-any-return]

    def integer(self, key: str) -> int:
        return self._get(key, int, "an integer")  # type: ignore[no-any-return]

    def number(self, key: str) -> float:
        return float(self._get(key, (int, float), "a number"))

    def flag(self, key: str) -> bool:
        return self._get(key, bool, "true or false")  # type: ignore[no-any-return]

    def obj(self, key: str) -> _Node:
        return _Node(self._get(key, dict, "an object"), self._sub(key), self.source)

    def opt_obj(self, key: str) -> _Node | None:
        value = self._get(key, dict, "an object or null", optional=True)
        return None if value is None else _Node(value, self._sub(key), self.source)

    def array(self, key: str, optional: bool = False) -> list[Any] | None:
        return self._get(key, list, "an array" + (" or null" if optional else ""),  # type: ignore[no-any-return]
                         optional=optional)

    def objs(self, key: str) -> list[_Node]:
        return [_Node(v, f"{self._sub(key)}[{i}]", self.source)
                for i, v in enumerate(self.array(key) or ())]

    def strs(self, key: str, optional: bool = False) -> tuple[str, ...] | None:
        items = self.array(key, optional)
        if items is None:
            return None
        for i, v in enumerate(items):
            if not isinstance(v, str):
                self.fail(f"expected a string, got {_kind(v)}", f"{key}[{i}]")
        return tuple(items)

    def verdict(self, key: str) -> Verdict:
        value = self.text(key)
        try:
            return Verdict(value)
        except ValueError:
            self.fail(f"{value!r} is not a verdict ({', '.join(v.value for v in Verdict)})", key)

    def headers(self, key: str) -> Headers:
        out = []
        for i, pair in enumerate(self.array(key) or ()):
            if not (isinstance(pair, list) and len(pair) == 2
                    and all(isinstance(x, str) for x in pair)):
                self.fail("expected a [name, value] pair of strings", f"{key}[{i}]")
            out.append((pair[0], pair[1]))
        return tuple(out)

    def counts(self, skip: str = "") -> dict[str, int]:
        out = {}
        for k, v in self.data.items():
            if k == skip:
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                self.fail(f"expected an integer count, got {_kind(v)}", k)
            out[k] = v
        return out

    def _sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


def _exchange(n: _Node) -> ExchangeRow:
    rq, rs = n.obj("request"), n.obj("response")
    return ExchangeRow(
        label=n.text("label"),
        request=RequestRow(rq.text("method"), rq.text("url"), rq.headers("headers"),
                           rq.text("body")),
        response=ResponseRow(rs.integer("status"), rs.headers("headers"), rs.text("body")),
        elapsed_ms=n.number("elapsed_ms"), curl=n.opt_text("curl"), tls=n.opt_text("tls"))


def _finding(n: _Node) -> FindingRow:
    return FindingRow(n.integer("id"), n.text("requirement"), n.verdict("verdict"),
                      n.text("expected"), n.text("observed"), n.text("reason"), n.text("test"),
                      tuple(_exchange(e) for e in n.objs("exchanges")))


def _requirement(n: _Node, finding_ids: set[int]) -> RequirementRow:
    ids = n.array("finding_ids") or []
    for i, fid in enumerate(ids):
        if isinstance(fid, bool) or not isinstance(fid, int) or fid not in finding_ids:
            n.fail(f"{fid!r} is not the id of a finding", f"finding_ids[{i}]")
    exp = n.opt_obj("expected")
    return RequirementRow(n.text("id"), n.text("document"), n.text("section"), n.text("level"),
                          n.text("statement"), n.text("url"), n.verdict("verdict"),
                          n.text("reason"), tuple(ids),
                          Accepted(exp.text("verdict"), exp.text("reason")) if exp else None)


def _expectation(n: _Node) -> Expectation:
    return Expectation(n.text("requirement"), n.text("verdict"), n.text("reason"),
                       n.opt_text("target"))


def _run(n: _Node) -> RunInfo:
    target, exp = n.obj("target"), n.opt_obj("expectations")
    expectations = None if exp is None else Expectations(
        exp.text("file"), tuple(_expectation(e) for e in exp.objs("accepted")),
        tuple((_expectation(e), e.text("problem")) for e in exp.objs("stale")),
        tuple(_expectation(e) for e in exp.objs("not_checked")))
    return RunInfo(
        target_kind=target.text("kind"), target_location=target.text("location"),
        spec_profile=n.text("spec_profile"), strict=n.flag("strict"), seed=n.integer("seed"),
        started=n.text("started"), duration_s=n.number("duration_s"),
        selected_requirements=n.strs("selected_requirements", optional=True),
        exit_status=n.integer("exit_status"), notes=n.strs("notes") or (),
        target_name=n.opt_text("target_name") or "", expectations=expectations,
        target_profile=n.opt_text("target_profile"))


def _document(n: _Node) -> ResultsDocument:
    schema = n.data.get("schema")
    if schema != SCHEMA:
        raise ResultsError(f"{n.source}: not a cc-conformance results document (schema "
                           f"{schema!r}, expected {SCHEMA!r})")
    version = n.data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultsError(f"{n.source}: results schema_version {version!r}: this version of "
                           f"cc-conformance reads version {SCHEMA_VERSION} only")
    tool, summary = n.obj("tool"), n.obj("summary")
    findings = tuple(_finding(f) for f in n.objs("findings"))
    fids = {f.id for f in findings}
    docs = n.opt_obj("documents")
    return ResultsDocument(
        tool_name=tool.text("name"), tool_version=tool.text("version"), run=_run(n.obj("run")),
        summary=Summary(summary.obj("verdicts").counts(),
                        tuple(SectionCounts(s.text("section"), s.counts(skip="section"))
                              for s in summary.objs("sections"))),
        requirements=tuple(_requirement(r, fids) for r in n.objs("requirements")),
        findings=findings,
        tests=tuple(TestRow(t.text("nodeid"), t.text("outcome"), t.strs("requirements") or (),
                            t.number("duration_s")) for t in n.objs("tests")),
        documents=None if docs is None else {
            k: DocumentRef(d.text("title"), d.text("url"))
            for k, d in ((k, docs.obj(k)) for k in docs.data)})


def read_results(source: str | os.PathLike[str] | Mapping[str, Any]) -> ResultsDocument:
    """The one reader of ``results.json``: a file path or a parsed document in, a
    :class:`ResultsDocument` out. Raises :class:`ResultsError` (a ValueError) for a file that
    cannot be read, is not JSON, is not a cc-conformance results document, has another
    ``schema_version`` or lacks a field or has one of the wrong type (named with its path,
    e.g. ``requirements[3].verdict``)."""
    if isinstance(source, Mapping):
        return _document(_Node(dict(source), "", "results document"))
    name = os.fspath(source)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{name}: cannot read the results: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{name}: not JSON: {exc}") from exc
    return _document(_Node(data, "", name))

