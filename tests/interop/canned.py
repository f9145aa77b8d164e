"""Canned results documents for the interop tests: the results.json envelope around given
requirement and finding rows (no suite run, no peer library)."""

from __future__ import annotations

from typing import Any

VERDICTS = ("pass", "fail", "warn", "info", "not_applicable", "error")


def results_doc(name: str, requirements: list[dict[str, Any]],
                findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A results.json document of target ``name`` holding these rows, counts derived."""
    counts = {v: sum(1 for r in requirements if r["verdict"] == v) for v in VERDICTS}
    return {"schema": "cc-conformance/results", "schema_version": 1,
            "tool": {"name": "cc-conformance", "version": "0"},
            "run": {"target": {"kind": "url", "location": "http://127.0.0.1:1/token"},
                    "spec_profile": "rfc6749", "strict": False, "seed": 0, "started": "",
                    "duration_s": 0.0, "selected_requirements": None, "exit_status": 1,
                    "notes": [], "target_name": name, "expectations": None},
            "summary": {"verdicts": counts, "sections": []},
            "requirements": requirements, "findings": findings, "tests": []}
