"""The one report document every format is rendered from.

``build_document`` is :meth:`RunResults.to_dict` (the versioned, redacted JSON results) plus a
few additive fields of the same schema version: ``documents`` (title and URL per document),
``run.target_profile`` (the profile file) and, on each exchange, ``curl`` (a shell command
replaying the request with secrets as environment variables). HTML, JUnit and JSON are all
written from this dictionary, so they cannot disagree and nothing reaches them unredacted.
"""

from __future__ import annotations

import re

from conformance.profile import Profile
from conformance.redact import Redactor
from conformance.reports.curl import SecretRef, curl_command
from conformance.results import ExitStatus, RunResults

Doc = dict[str, object]
SHOWN = ("fail", "error", "warn")  # verdicts whose findings a report explains

OVERALL = {
    ExitStatus.OK: ("PASS", "every applicable MUST requirement passed"),
    ExitStatus.FAILED: ("FAIL", "at least one requirement failed or could not be checked"),
    ExitStatus.USAGE: ("ERROR", "usage or configuration error"),
    ExitStatus.UNREACHABLE: ("UNREACHABLE", "the target could not be reached"),
}
_FIELD_RE = re.compile(r"\b((?:clients|scopes|server)\.[a-z_]+)")


def build_document(results: RunResults, redactor: Redactor, profile: Profile | None) -> Doc:
    doc = results.to_dict(redactor)
    doc["documents"] = {k: {"title": d.title, "url": d.url}
                        for k, d in results.catalogue.documents.items()}
    run = doc["run"]
    assert isinstance(run, dict)
    run["target_profile"] = profile.source if profile is not None else None
    refs = [SecretRef(c.secret, c.secret_env) for c in (profile.clients.values() if profile else ())
            if c.secret and c.secret_env]
    in_process = results.target_kind != "url"
    findings = doc["findings"]
    assert isinstance(findings, list)
    for raw, out in zip(results.findings, findings, strict=True):
        for ex, ex_out in zip(raw.exchanges, out["exchanges"], strict=True):
            ex_out["curl"] = curl_command(ex.request, refs, redactor, in_process=in_process)
    return doc


def overall(doc: Doc) -> tuple[str, str]:
    run = doc["run"]
    assert isinstance(run, dict)
    word, meaning = OVERALL.get(int(run["exit_status"]), ("ERROR", "unknown exit status"))
    exp = run.get("expectations")
    if isinstance(exp, dict):
        accepted, stale = len(exp["accepted"]), len(exp["stale"])
        if accepted:
            meaning += f"; {accepted} expected finding(s) accepted ({exp['file']})"
        if stale:
            meaning += f"; {stale} stale expected-findings entr{'y' if stale == 1 else 'ies'}"
    return word, meaning


def stale_messages(doc: Doc) -> list[str]:
    """One line per stale --expect entry (each fails the run)."""
    run = doc["run"]
    assert isinstance(run, dict)
    exp = run.get("expectations")
    if not isinstance(exp, dict):
        return []
    out = []
    for e in exp["stale"]:
        on = f" on target {e['target']!r}" if e.get("target") else ""
        out.append(f"stale expected finding: {e['requirement']} expected {e['verdict']}{on} "
                   f"({e['reason']}): {e['problem']}")
    return out


def unlock_hint(reason: str, doc: Doc) -> str:
    """For a not_applicable requirement: what would make the suite check it."""
    run = doc["run"]
    assert isinstance(run, dict)
    low = reason.lower()
    if low.startswith("not part of the "):
        other = "oauth2.1" if run["spec_profile"] == "rfc6749" else "rfc6749"
        return f"run with --spec {other} (this requirement belongs to that profile)"
    if low == "no check ran":
        if run.get("selected_requirements"):
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


def exchange_text(ex: dict[str, object]) -> tuple[str, str]:
    """A redacted exchange dict as (request, response) HTTP/1.1-style transcripts."""
    rq, rs = ex["request"], ex["response"]
    assert isinstance(rq, dict) and isinstance(rs, dict)
    req = [f"{rq['method']} {rq['url']}"] + [f"{k}: {v}" for k, v in rq["headers"]]
    if rq["body"]:
        req += ["", str(rq["body"])]
    resp = [f"HTTP {rs['status']}"] + [f"{k}: {v}" for k, v in rs["headers"]]
    if rs["body"]:
        resp += ["", str(rs["body"])]
    return "\n".join(req), "\n".join(resp)


def explained_findings(doc: Doc, req: dict[str, object]) -> list[dict[str, object]]:
    """The findings of a requirement that carry its (bad) verdict."""
    findings = doc["findings"]
    assert isinstance(findings, list)
    ids = req["finding_ids"]
    assert isinstance(ids, list)
    mine = [findings[i] for i in ids]
    chosen = [f for f in mine if f["verdict"] == req["verdict"]]
    return chosen or [f for f in mine if f["verdict"] in SHOWN]
