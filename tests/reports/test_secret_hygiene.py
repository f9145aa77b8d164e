"""Nothing a run writes or prints carries a client secret (raw, form-urlencoded, percent-encoded,
inside an HTTP Basic value) or any access token the target issued."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

from tests.demo import DEMO_ENV

from .conftest import CLIENT_IDS, Run


def _forbidden(run: Run) -> dict[str, str]:
    out: dict[str, str] = {}
    for env, secret in DEMO_ENV.items():
        cid = CLIENT_IDS[env]
        out[f"{env} raw"] = secret
        out[f"{env} form-urlencoded"] = quote_plus(secret, safe="")
        out[f"{env} percent-encoded"] = quote(secret, safe="")
        for how, user, pw in (("raw", cid, secret),
                              ("form", quote_plus(cid, safe=""), quote_plus(secret, safe=""))):
            b64 = base64.b64encode(f"{user}:{pw}".encode()).decode()
            out[f"{env} Basic ({how})"] = b64
    for i, token in enumerate(run.tokens):
        out[f"access token #{i}"] = token
    return out


def test_no_secret_or_token_in_any_report_file_or_console_output(broken_run: Run) -> None:
    files = [p for p in broken_run.report_dir.rglob("*") if p.is_file()]
    assert len(files) > 10 and len(broken_run.tokens) > 10  # the scan has something to scan
    texts = {str(p): p.read_bytes().decode("utf-8", errors="replace") for p in files}
    texts["stdout"] = broken_run.stdout
    texts["stderr"] = broken_run.stderr
    forbidden = _forbidden(broken_run)
    leaks = [(what, where) for where, text in texts.items()
             for what, value in forbidden.items() if value in text]
    assert leaks == []
    # the reports do talk about the requests: the secrets are there as redactions / variables
    html = texts[str(broken_run.report_dir / "report.html")]
    assert "[REDACTED]" in html and "$CC_DEMO_CLIENT_SECRET" in html
