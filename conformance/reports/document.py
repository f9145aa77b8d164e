"""The one report document every format is rendered from.

``build_document`` is :meth:`RunResults.document` (the versioned, redacted results, a
:class:`~conformance.resultdoc.ResultsDocument`) plus the report fields of the same schema
version: ``documents`` (title and URL per document), ``run.target_profile`` (the profile file)
and, on each exchange, ``curl`` (a shell command replaying the request with secrets as
environment variables). HTML, JUnit and JSON are all written from this document, so they cannot
disagree and nothing reaches them unredacted; a ``results.json`` read back with
:func:`~conformance.resultdoc.read_results` is the same document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from conformance.exitstatus import ExitStatus
from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.reports.curl import SecretRef, curl_command
from conformance.resultdoc import SHOWN, DocumentRef, FindingRow, ResultsDocument, read_results
from conformance.results import Finding, RunResults

__all__ = ["OVERALL", "SHOWN", "build_document", "overall", "secret_refs", "stale_messages",
           "unlock_hint", "with_curl"]

OVERALL = {
    ExitStatus.OK: ("PASS", "every applicable MUST requirement passed"),
    ExitStatus.FAILED: ("FAIL", "at least one requirement failed or could not be checked"),
    ExitStatus.USAGE: ("ERROR", "usage or configuration error"),
    ExitStatus.UNREACHABLE: ("UNREACHABLE", "the target could not be reached"),
}
_FIELD_RE = re.compile(r"\b((?:clients|scopes|server)\.[a-z_]+)")


def secret_refs(profile: Profile | None) -> list[SecretRef]:
    """The profile's secrets with the environment variables a curl replay reads them from."""
    return [SecretRef(c.secret, c.secret_env) for c in (profile.clients.values() if profile else ())
            if c.secret and c.secret_env]


def with_curl(row: FindingRow, finding: Finding, refs: Sequence[SecretRef], redactor: Redactor,
              *, in_process: bool) -> FindingRow:
    """``row`` (the redacted row of ``finding``) with a curl replay on each exchange."""
    return replace(row, exchanges=tuple(
        replace(out, curl=curl_command(ex.request, refs, redactor, in_process=in_process))
        for ex, out in zip(finding.exchanges, row.exchanges, strict=True)))


def build_document(results: RunResults, redactor: Redactor,
                   profile: Profile | None) -> ResultsDocument:
    doc = results.document(redactor)
    refs, in_process = secret_refs(profile), results.target_kind != "url"
    return replace(
        doc,
        findings=tuple(with_curl(out, raw, refs, redactor, in_process=in_process)
                       for raw, out in zip(results.findings, doc.findings, strict=True)),
        run=replace(doc.run, target_profile=profile.source if profile is not None else None),
        documents={k: DocumentRef(d.title, d.url)
                   for k, d in results.catalogue.documents.items()})


def _model(doc: ResultsDocument | Mapping[str, Any]) -> ResultsDocument:
    """A parsed results.json goes through the one reader (a transition for callers that still
    hold the dictionary)."""
    return doc if isinstance(doc, ResultsDocument) else read_results(doc)


def overall(doc: ResultsDocument | Mapping[str, Any]) -> tuple[str, str]:
    """The run's verdict in one word (PASS, FAIL, ERROR, UNREACHABLE) and what it means."""
    doc = _model(doc)
    word, meaning = OVERALL.get(doc.run.exit_status, ("ERROR", "unknown exit status"))
    exp = doc.run.expectations
    if exp is not None:
        accepted, stale = len(exp.accepted), len(exp.stale)
        if accepted:
            meaning += f"; {accepted} expected finding(s) accepted ({exp.file})"
        if stale:
            meaning += f"; {stale} stale expected-findings entr{'y' if stale == 1 else 'ies'}"
    return word, meaning


def stale_messages(doc: ResultsDocument | Mapping[str, Any]) -> list[str]:
    """One line per stale --expect entry (each fails the run)."""
    return _model(doc).stale_messages()


def unlock_hint(reason: str, doc: ResultsDocument) -> str:
    """For a not_applicable requirement: what would make the suite check it."""
    low = reason.lower()
    if low.startswith("not part of the "):
        other = "oauth2.1" if doc.run.spec_profile == "rfc6749" else "rfc6749"
        return f"run with --spec {other} (this requirement belongs to that profile)"
    if low == "no check ran":
        if doc.run.selected_requirements:
            return "select it with --requirement (this run was filtered)"
        return "no test of this suite version checks it"
    if "in-process or loopback" in low:
        return "run against the deployed HTTPS endpoint (--url https://...)"
    fields = sorted(set(_FIELD_RE.findall(reason)))
    if fields:
        return "declare " + " and ".join(fields) + " in the target profile " \
               "(see examples/profile-template.toml)"
    if "fewer than two scopes" in low:
        return "declare at least two scopes in scopes.allowed of the target profile"
    if "opaque" in low:
        return "nothing to change in the profile: the rule can only be seen on JWT access tokens"
    if "exercised this rule" in low:
        return ("nothing to change in the profile: no generated request triggered this rule in "
                "this run (another --seed or more --examples draw other requests)")
    return ""
