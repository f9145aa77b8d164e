"""JUnit XML for CI systems: one ``<testsuite>`` per RFC section, one ``<testcase>`` per
requirement, named by its requirement ID. fail is ``<failure>``, error is ``<error>``,
not_applicable is ``<skipped>`` (with what would unlock it); warn and info pass with the
explanation in ``<system-out>`` (under --strict a warn is already a fail)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from conformance.reports.document import unlock_hint
from conformance.resultdoc import RequirementRow, ResultsDocument


def _details(doc: ResultsDocument, req: RequirementRow) -> str:
    lines = [f"{req.id} ({req.level}): {req.statement}", f"see {req.url}"]
    for f in doc.explained_findings(req):
        lines += ["", f"[{f.verdict.upper()}] test {f.test}"]
        lines += [f"  {k}: {v}" for k, v in (("expected", f.expected), ("observed", f.observed),
                                            ("reason", f.reason)) if v]
        for ex in f.exchanges[:2]:
            req_text, resp_text = ex.transcript()
            lines += ["", req_text, "", resp_text, "", str(ex.curl)]
    return "\n".join(lines)


def render_junit(doc: ResultsDocument) -> bytes:
    seconds: dict[str, float] = {}
    for t in doc.tests:
        for rid in t.requirements:
            seconds[rid] = seconds.get(rid, 0.0) + t.duration_s
    started = doc.run.started
    root = ET.Element("testsuites", name="cc-conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for key, group in groupby(doc.requirements, key=lambda r: r.section_key):
        rows = list(group)
        suite = ET.SubElement(root, "testsuite", name=key, timestamp=started)
        counts = {"tests": len(rows), "failures": 0, "errors": 0, "skipped": 0}
        for r in rows:
            case = ET.SubElement(suite, "testcase", name=r.id,
                                 classname=f"cc-conformance.{r.document}.{r.section}",
                                 time=f"{seconds.get(r.id, 0.0):.3f}")
            verdict, reason = r.verdict.value, r.reason
            if r.expected is not None and verdict in ("fail", "error"):
                # an accepted expected finding does not fail the run: skipped, with why
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"expected {verdict} "
                              f"({r.expected.reason}): {reason}").text = _details(doc, r)
            elif verdict == "fail":
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", type="fail",
                                   message=f"{r.level} {r.id}: {reason}")
                el.text = _details(doc, r)
            elif verdict == "error":
                counts["errors"] += 1
                el = ET.SubElement(case, "error", type="error", message=reason)
                el.text = _details(doc, r)
            elif verdict == "not_applicable":
                counts["skipped"] += 1
                hint = unlock_hint(reason, doc)
                ET.SubElement(case, "skipped", message="not applicable: " + reason
                              + (f" (to check it: {hint})" if hint else ""))
            elif verdict in ("warn", "info"):
                out = ET.SubElement(case, "system-out")
                out.text = f"{verdict.upper()}: {reason}\n\n{_details(doc, r)}"
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    stale = doc.stale_messages()
    if stale:
        suite = ET.SubElement(root, "testsuite", name="expected findings",
                              timestamp=started, tests=str(len(stale)),
                              failures=str(len(stale)), errors="0", skipped="0")
        for i, msg in enumerate(stale, 1):
            case = ET.SubElement(suite, "testcase", name=f"stale-expectation-{i}",
                                 classname="cc-conformance.expect", time="0.000")
            ET.SubElement(case, "failure", type="stale", message=msg)
        totals["tests"] += len(stale)
        totals["failures"] += len(stale)
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
