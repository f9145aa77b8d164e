"""JUnit XML for CI systems: one ``<testsuite>`` per RFC section, one ``<testcase>`` per
requirement, named by its requirement ID. fail is ``<failure>``, error is ``<error>``,
not_applicable is ``<skipped>`` (with what would unlock it); warn and info pass with the
explanation in ``<system-out>`` (under --strict a warn is already a fail)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from conformance.reports.document import (
    Doc,
    exchange_text,
    explained_findings,
    stale_messages,
    unlock_hint,
)


def _details(doc: Doc, req: dict[str, object]) -> str:
    lines = [f"{req['id']} ({req['level']}): {req['statement']}", f"see {req['url']}"]
    for f in explained_findings(doc, req):
        lines += ["", f"[{str(f['verdict']).upper()}] test {f['test']}"]
        lines += [f"  {k}: {f[k]}" for k in ("expected", "observed", "reason") if f.get(k)]
        exchanges = f["exchanges"]
        assert isinstance(exchanges, list)
        for ex in exchanges[:2]:
            req_text, resp_text = exchange_text(ex)
            lines += ["", req_text, "", resp_text, "", str(ex["curl"])]
    return "\n".join(lines)


def render_junit(doc: Doc) -> bytes:
    reqs = doc["requirements"]
    tests = doc["tests"]
    run = doc["run"]
    assert isinstance(reqs, list) and isinstance(tests, list) and isinstance(run, dict)
    seconds: dict[str, float] = {}
    for t in tests:
        for rid in t["requirements"]:
            seconds[rid] = seconds.get(rid, 0.0) + float(t["duration_s"])
    root = ET.Element("testsuites", name="cc-conformance")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for key, rows in groupby(reqs, key=lambda r: f"{r['document']} §{r['section']}"):
        rows = list(rows)
        suite = ET.SubElement(root, "testsuite", name=key, timestamp=str(run["started"]))
        counts = {"tests": len(rows), "failures": 0, "errors": 0, "skipped": 0}
        for r in rows:
            case = ET.SubElement(suite, "testcase", name=str(r["id"]),
                                 classname=f"cc-conformance.{r['document']}.{r['section']}",
                                 time=f"{seconds.get(str(r['id']), 0.0):.3f}")
            verdict = r["verdict"]
            reason = str(r["reason"])
            exp = r.get("expected")
            if isinstance(exp, dict) and verdict in ("fail", "error"):
                # an accepted expected finding does not fail the run: skipped, with why
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"expected {verdict} ({exp['reason']}): "
                              f"{reason}").text = _details(doc, r)
            elif verdict == "fail":
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", type="fail",
                                   message=f"{r['level']} {r['id']}: {reason}")
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
                out.text = f"{str(verdict).upper()}: {reason}\n\n{_details(doc, r)}"
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    stale = stale_messages(doc)
    if stale:
        suite = ET.SubElement(root, "testsuite", name="expected findings",
                              timestamp=str(run["started"]), tests=str(len(stale)),
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
