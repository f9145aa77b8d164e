"""The report set a run writes: HTML, JUnit XML, JSON (schema), Allure results, manifest, and the
console (progress lines, section table, last line)."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from conformance.reports.manifest import MANIFEST, read_manifest

from .conftest import FAILING, Run
from .schema_check import validate

SCHEMA = Path(__file__).resolve().parents[2] / "conformance" / "results_schema.json"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html(run: Run) -> tuple[str, _Collect]:
    text = (run.report_dir / "report.html").read_text(encoding="utf-8")
    p = _Collect()
    p.feed(text)
    return text, p


def test_run_failed_and_wrote_every_report(broken_run: Run) -> None:
    assert broken_run.code == 1, broken_run.stdout[-3000:] + broken_run.stderr[-2000:]
    for name in ("report.html", "results.json", "junit.xml", MANIFEST):
        assert (broken_run.report_dir / name).is_file(), name
    assert any((broken_run.report_dir / "allure-results").glob("*-result.json"))


def test_html_summary_at_the_top(broken_run: Run) -> None:
    text, _ = _html(broken_run)
    doc = json.loads((broken_run.report_dir / "results.json").read_text(encoding="utf-8"))
    head = text.split('<section id="problems">')[0]
    for must in ("tests.reports.targets:recorded", "examples/reference.toml", "rfc6749",
                 f"cc-conformance {doc['tool']['version']}", doc["run"]["started"],
                 "rerun with --seed 7", 'class="banner FAIL"'):
        assert must in head, must
    counts = dict(re.findall(r'<span class="v (\w+)">[^<]*</span> <b>(\d+)</b>', head))
    assert {k: int(v) for k, v in counts.items()} == doc["summary"]["verdicts"]


def test_html_failure_shows_expected_observed_exchange_and_curl(broken_run: Run) -> None:
    text, _ = _html(broken_run)
    problems = text.split('<section id="problems">')[1].split("</section>")[0]
    assert FAILING in problems and "<details class=\"top fail\" open>" in problems
    assert "<dt>expected</dt><dd>Cache-Control: no-store</dd>" in problems
    assert "<dt>observed</dt><dd>Cache-Control: None</dd>" in problems
    assert '<pre class="req">POST http://cc-target.test/token' in problems
    assert '<pre class="resp">HTTP 200' in problems
    assert "Authorization: Basic [REDACTED]" in problems
    assert "$CC_DEMO_CLIENT_SECRET" in problems and "curl -sS -i -X &#x27;POST&#x27;" in problems
    # ... and the matrix row of the same requirement expands to the same explanation
    row = text.split(f'id="req-{FAILING}"')[1].split("</tr>")[0]
    assert '<details class="why-fail">' in row and '<pre class="curl">' in row


def test_html_matrix_has_every_requirement_with_level_link_and_unlock_hints(
        broken_run: Run) -> None:
    text, _ = _html(broken_run)
    doc = json.loads((broken_run.report_dir / "results.json").read_text(encoding="utf-8"))
    for r in doc["requirements"]:
        row = text.split(f'id="req-{r["id"]}"')[1].split("</tr>")[0]
        assert f'<span class="v {r["verdict"]}">' in row
        assert f"<td>{r['level']}</td>" in row and f'href="{r["url"]}"' in row
        if r["verdict"] == "not_applicable":
            assert "to check it:" in row, r["id"]
    assert "to check it: run with --spec oauth2.1" in text
    assert "to check it: run against the deployed HTTPS endpoint" in text


def test_html_is_self_contained(broken_run: Run) -> None:
    text, p = _html(broken_run)
    tags = {t for t, _ in p.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    for tag, attrs in p.tags:
        assert "src" not in attrs, tag
        if "href" in attrs:
            assert tag == "a", tag  # navigation links only; nothing is fetched
    assert "url(" not in text and "@import" not in text
    assert "default-src 'none'" in text


def test_junit_names_tests_by_requirement_id(broken_run: Run) -> None:
    root = ET.parse(broken_run.report_dir / "junit.xml").getroot()  # noqa: S314 - our own file
    doc = json.loads((broken_run.report_dir / "results.json").read_text(encoding="utf-8"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {r["id"] for r in doc["requirements"]}
    fail = cases[FAILING]
    failure = fail.find("failure")
    assert failure is not None and "token response may be cached" in failure.get("message", "")
    assert "expected: Cache-Control: no-store" in (failure.text or "")
    c = doc["summary"]["verdicts"]
    assert int(root.get("failures", -1)) == c["fail"]
    assert int(root.get("skipped", -1)) == c["not_applicable"]
    assert int(root.get("tests", -1)) == len(doc["requirements"])


def test_json_validates_against_the_documented_schema(broken_run: Run) -> None:
    doc = json.loads((broken_run.report_dir / "results.json").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert validate(doc, schema) == []
    assert doc["schema"] == "cc-conformance/results" and doc["schema_version"] == 1
    exchanges = [ex for f in doc["findings"] for ex in f["exchanges"]]
    assert exchanges and all(ex["curl"].rstrip().splitlines()[-1] for ex in exchanges)
    # the checker is not a rubber stamp
    bad = {**doc, "run": {**doc["run"], "exit_status": 9}}
    assert validate(bad, schema)


def test_manifest_hashes_every_file_the_run_wrote(broken_run: Run) -> None:
    d = broken_run.report_dir
    listed = read_manifest(d / MANIFEST)
    on_disk = {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((d / name).read_bytes()).hexdigest() == digest, name


def test_allure_results_carry_labels_links_and_exchanges(broken_run: Run) -> None:
    adir = broken_run.report_dir / "allure-results"
    results = [json.loads(p.read_text(encoding="utf-8")) for p in adir.glob("*-result.json")]
    failed = [r for r in results if r["status"] == "failed"
              and any(lb["name"] == "story" and lb["value"] == FAILING for lb in r["labels"])]
    assert failed
    r = failed[0]
    labels = {(lb["name"], lb["value"]) for lb in r["labels"]}
    assert ("epic", "RFC 6749: The OAuth 2.0 Authorization Framework") in labels
    assert ("severity", "critical") in labels
    assert any(n == "feature" and v.startswith("RFC6749 §") for n, v in labels)
    assert any(lk["url"].startswith("https://www.rfc-editor.org/rfc/rfc6749#section-")
               for lk in r["links"])
    att = [a for a in r["attachments"] if a["name"].startswith(f"{FAILING} fail: exchange")]
    assert att
    body = (adir / att[0]["source"]).read_text(encoding="utf-8")
    assert "Cache-Control" in body and "> POST " in body and "curl -sS" in body
    assert any(x["status"] == "skipped" for x in results)  # not applicable is never a pass


def test_console_progress_lines_table_and_last_line(broken_run: Run) -> None:
    out = broken_run.stdout
    lines = out.splitlines()
    progress = [ln for ln in lines if re.fullmatch(
        r"cc-conformance: \d+/\d+ requirements checked( -- \S+ §[\d.]+)?", ln)]
    assert len(progress) >= 5, out[-3000:]
    total = int(progress[-1].split("/")[1].split()[0])
    assert progress[-1] == f"cc-conformance: {total}/{total} requirements checked"
    assert not any(re.fullmatch(r"[.sFE]+", ln) for ln in lines)  # no pytest dots
    assert "cc-conformance: verdict per section" in out
    assert re.search(r"^RFC6749 §5\.1\s+\d+\s+1\s", out, re.M)
    assert lines[-1] == str(broken_run.report_dir / "report.html")
