"""The HTML conformance report: one self-contained file (inline CSS, no script, no external
asset), rendered from the report document with ``html.escape``. Failures, errors and warnings
expand (``<details>``) to expected versus observed, the redacted HTTP exchanges and a ``curl``
command that replays each request; failures and errors are expanded from the start."""

from __future__ import annotations

from html import escape
from itertools import groupby

from conformance.reports.document import SHOWN, overall, unlock_hint
from conformance.resultdoc import SCHEMA_VERSION, FindingRow, RequirementRow, ResultsDocument

MAX_EXCHANGES = 4  # per finding in the HTML; the JSON results carry them all
MAX_FINDINGS = 3  # per requirement in the HTML
VERDICTS = ("pass", "fail", "warn", "info", "not_applicable", "error")
LABEL = {"not_applicable": "n/a"}

CSS = """
:root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--info:#0969da;--na:#6e7781;--error:#8250df}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
header,main,footer{max-width:1200px;margin:0 auto;padding:16px 24px}
header{background:#fff;border-bottom:1px solid #d0d7de;max-width:none}
header>div{max-width:1152px;margin:0 auto}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:18px;margin:28px 0 8px}
h3{font-size:15px;margin:18px 0 6px}
a{color:#0969da}
.banner{display:inline-block;font-weight:700;font-size:18px;padding:6px 14px;border-radius:6px;
color:#fff;margin-right:10px}
.banner.PASS{background:var(--pass)}.banner.FAIL,.banner.ERROR{background:var(--fail)}
.banner.UNREACHABLE{background:var(--error)}
table{border-collapse:collapse;width:100%;background:#fff}
.meta{width:auto;margin:12px 0}.meta th{text-align:left;padding:2px 16px 2px 0;color:#57606a;
font-weight:600}.meta td{padding:2px 0}
.counts{display:flex;gap:8px;flex-wrap:wrap;margin:10px 0}
.count{border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;background:#fff}
.count b{font-size:16px}
.matrix th,.matrix td{border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;text-align:left}
.matrix th{background:#eaeef2}
.matrix td.id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;
white-space:nowrap}
.v{display:inline-block;min-width:54px;text-align:center;border-radius:10px;padding:1px 8px;
color:#fff;font-size:12px;font-weight:600}
.v.pass{background:var(--pass)}.v.fail{background:var(--fail)}.v.warn{background:var(--warn)}
.v.info{background:var(--info)}.v.not_applicable{background:var(--na)}
.v.error{background:var(--error)}
.v.expected{background:#fff;color:#57606a;border:1px solid #8c959f}
ul.notes li.stale{color:var(--fail);font-weight:600}
tr.fail>td:first-child,tr.error>td:first-child{border-left:4px solid var(--fail)}
tr.warn>td:first-child{border-left:4px solid var(--warn)}
.why{color:#57606a}.hint{color:#57606a;font-style:italic}
details{margin:6px 0;background:#fff}
summary{cursor:pointer;font-weight:600}
.finding{border-left:3px solid #d0d7de;padding:4px 10px;margin:8px 0}
.eo{display:grid;grid-template-columns:90px 1fr;gap:2px 10px;margin:4px 0}
.eo dt{font-weight:600;color:#57606a}.eo dd{margin:0}
.xchg{display:grid;grid-template-columns:1fr 1fr;gap:8px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;margin:4px 0;
overflow:auto;white-space:pre-wrap;word-break:break-all;font:12px/1.4 ui-monospace,SFMono-Regular,
Menlo,monospace}
pre.curl{background:#161b22;color:#e6edf3}
.label{font-size:12px;color:#57606a;margin-top:6px}
#problems h2{margin-top:18px}
details.top{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;margin:8px 0}
details.top.fail,details.top.error{border-left:4px solid var(--fail)}
details.top.warn{border-left:4px solid var(--warn)}
footer{color:#57606a;font-size:12px}
@media print{details{display:block}details>*{display:block}}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _badge(verdict: str) -> str:
    return f'<span class="v {_e(verdict)}">{_e(LABEL.get(verdict, verdict))}</span>'


def _expected(r: RequirementRow) -> str:
    """The "expected" mark of a verdict an --expect entry accepted, with its reason."""
    if r.expected is None:
        return ""
    reason = r.expected.reason
    return (f' <span class="v expected" title="{_e(reason)}">expected</span>'
            f'<div class="why expected-reason">expected finding: {_e(reason)}</div>')


def _anchor(rid: str) -> str:
    return "req-" + "".join(c if c.isalnum() or c in "-." else "_" for c in rid)


def _header(doc: ResultsDocument) -> str:
    run = doc.run
    word, meaning = overall(doc)
    rows: list[tuple[str, object]] = [
        ("Target", f"{run.target_kind}: {run.target_location}"),
        ("Target profile", run.target_profile or "(command line)"),
        ("Spec profile", f"{run.spec_profile}" + (" (strict: warnings fail)"
                                                  if run.strict else "")),
        ("Suite version", f"{doc.tool_name} {doc.tool_version}"),
        ("Date", f"{run.started} (took {run.duration_s} s)"),
        ("Seed", f"{run.seed} (rerun with --seed {run.seed})"),
        ("Exit status", run.exit_status),
    ]
    if run.selected_requirements:
        rows.append(("Selected", ", ".join(run.selected_requirements)))
    meta = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    counts = doc.summary.verdicts
    chips = "".join(f'<span class="count">{_badge(v)} <b>{int(counts.get(v, 0))}</b></span>'
                    for v in VERDICTS)
    notes = "".join(f'<li class="stale">{_e(n)}</li>' for n in doc.stale_messages())
    notes += "".join(f"<li>{_e(n)}</li>" for n in run.notes)
    bad = [r for r in doc.requirements if r.verdict in SHOWN]
    jump = ""
    if bad:
        items = "".join(
            f'<details class="top {_e(r.verdict)}"'
            f'{" open" if r.verdict != "warn" else ""}><summary>{_badge(r.verdict)} '
            f"{_e(r.id)} ({_e(r.level)}): {_e(r.reason)}</summary>{_expected(r)}"
            f'<p>{_e(r.statement)} <a href="{_e(r.url)}">{_e(r.document)} '
            f'§{_e(r.section)}</a> · <a href="#{_anchor(r.id)}">in the matrix</a></p>'
            f"{_explanation(doc, r)}</details>" for r in bad)
        jump = (f'<section id="problems"><h2>Failures, errors and warnings ({len(bad)})</h2>'
                f"{items}</section>")
    return (f'<header><div><h1>OAuth 2.0 Client Credentials conformance report</h1>'
            f'<p id="verdict"><span class="banner {_e(word)}">{_e(word)}</span>{_e(meaning)}</p>'
            f'<table class="meta" id="run">{meta}</table>'
            f'<div class="counts" id="counts">{chips}</div>'
            + (f"<ul class=notes>{notes}</ul>" if notes else "")
            + jump + "</div></header>")


def _finding(f: FindingRow) -> str:
    parts = [f'<div class="finding">{_badge(f.verdict)} '
             f'<span class="label">test {_e(f.test)}</span><dl class="eo">']
    for key, value in (("expected", f.expected), ("observed", f.observed),
                       ("reason", f.reason)):
        if value:
            parts.append(f"<dt>{key}</dt><dd>{_e(value)}</dd>")
    parts.append("</dl>")
    for i, ex in enumerate(f.exchanges[:MAX_EXCHANGES], 1):
        req, resp = ex.transcript()
        label = f" ({_e(ex.label)})" if ex.label else ""
        parts.append(f'<div class="label">exchange {i}{label}, {_e(ex.elapsed_ms)} ms</div>'
                     f'<div class="xchg"><pre class="req">{_e(req)}</pre>'
                     f'<pre class="resp">{_e(resp)}</pre></div>'
                     f'<div class="label">reproduce</div><pre class="curl">{_e(ex.curl)}</pre>')
    if len(f.exchanges) > MAX_EXCHANGES:
        parts.append(f'<div class="label">{len(f.exchanges) - MAX_EXCHANGES} more exchanges in '
                     f"the JSON results (finding {_e(f.id)})</div>")
    parts.append("</div>")
    return "".join(parts)


def _explanation(doc: ResultsDocument, r: RequirementRow) -> str:
    findings = doc.explained_findings(r)
    out = "".join(_finding(f) for f in findings[:MAX_FINDINGS])
    if len(findings) > MAX_FINDINGS:
        out += (f'<div class="label">{len(findings) - MAX_FINDINGS} more {_e(r.verdict)} '
                "findings of this requirement (other tests, same verdict) are in the JSON "
                "results</div>")
    return out


def _row(doc: ResultsDocument, r: RequirementRow) -> str:
    verdict = r.verdict.value
    cells = [f'<td class="id" id="{_anchor(r.id)}">{_e(r.id)}</td>', f"<td>{_e(r.level)}</td>",
             f"<td>{_badge(verdict)}{_expected(r)}</td>"]
    body = [f"{_e(r.statement)} "
            f'<a href="{_e(r.url)}">{_e(r.document)} §{_e(r.section)}</a>']
    if verdict == "not_applicable":
        hint = unlock_hint(r.reason, doc)
        body.append(f'<div class="why">{_e(r.reason)}</div>')
        if hint:
            body.append(f'<div class="hint">to check it: {_e(hint)}</div>')
    elif verdict in SHOWN:
        body.append(f'<details class="why-{_e(verdict)}"><summary>'
                    f"{_e(r.reason or 'details')}</summary>{_explanation(doc, r)}</details>")
    elif r.reason:
        body.append(f'<div class="why">{_e(r.reason)}</div>')
    cells.append(f"<td>{''.join(body)}</td>")
    return f'<tr class="{_e(verdict)}">{"".join(cells)}</tr>'


def _matrix(doc: ResultsDocument) -> str:
    docs = doc.documents or {}
    order = [s.section for s in doc.summary.sections]
    reqs = sorted(doc.requirements, key=lambda r: order.index(r.section_key))
    out = []
    for document, in_doc in groupby(reqs, key=lambda r: r.document):
        meta = docs.get(document)
        title = meta.title if meta is not None else document
        out.append(f'<h2 id="doc-{_e(document)}">{_e(title)}</h2>')
        for section, group in groupby(in_doc, key=lambda r: r.section):
            rows = list(group)
            url = rows[0].url.split("#")[0] + f"#section-{section}"
            out.append(f'<h3>{_e(document)} <a href="{_e(url)}">§{_e(section)}</a></h3>'
                       '<table class="matrix"><thead><tr><th>Requirement</th><th>Level</th>'
                       '<th>Verdict</th><th>Statement</th></tr></thead><tbody>'
                       + "".join(_row(doc, r) for r in rows) + "</tbody></table>")
    return "<main>" + "".join(out) + "</main>"


def render_html(doc: ResultsDocument) -> str:
    word, _ = overall(doc)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(word)} · cc-conformance report</title><style>{CSS}</style></head>"
            f"<body>{_header(doc)}{_matrix(doc)}"
            f"<footer>Generated by {_e(doc.tool_name)} {_e(doc.tool_version)}. Requirement "
            "statements are the suite's own paraphrase; the linked RFC section is normative. "
            "Secrets and issued tokens are shown as [REDACTED]; curl commands read secrets "
            "from the environment variables the target profile names. Machine-readable: "
            "results.json (schema cc-conformance/results, version "
            f"{SCHEMA_VERSION}).</footer></body></html>\n")
