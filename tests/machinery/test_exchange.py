"""How an exchange is shown: exact about odd bytes, silent about secrets."""

from __future__ import annotations

from conformance.exchange import Exchange, Received, SentRequest
from conformance.redact import Redactor


def test_non_utf8_bytes_are_shown_escaped_and_secrets_redacted() -> None:
    secret = "s3cr3t-value-9f"
    ex = Exchange(
        request=SentRequest("POST", "http://as.example/token",
                            (("Content-Type", "application/x-www-form-urlencoded"),),
                            b"grant_type=\x80&client_secret=" + secret.encode()),
        response=Received(status=400, headers=(), body=b'{"error":"invalid_request"}\xff'),
    )
    shown = ex.render(Redactor([secret]))
    assert "grant_type=\\x80" in shown
    assert '"invalid_request"}\\xff' in shown
    assert "\ufffd" not in shown
    assert secret not in shown
