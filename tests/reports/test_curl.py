"""The curl command replays the exact request: evaluated by bash (with curl replaced by a stub
that prints its arguments), it yields the suite's URL, headers and body bytes, with the secrets
coming from the environment."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from urllib.parse import quote_plus

import pytest

from conformance.exchange import SentRequest
from conformance.redact import Redactor
from conformance.reports.curl import SecretRef, curl_command
from conformance.request import RequestBuilder

SPECIAL_ID, SPECIAL = "cc:special client/ü", "p@ss:wörd +%&=/ü"
DEMO_ID, DEMO = "cc-demo-client", "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw"
REFS = [SecretRef(SPECIAL, "CC_SPECIAL_CLIENT_SECRET"), SecretRef(DEMO, "CC_DEMO_CLIENT_SECRET")]
pytestmark = pytest.mark.skipif(not (shutil.which("bash") and shutil.which("python3")
                                     and shutil.which("base64")),
                                reason="needs bash, python3 and base64 to evaluate the command")


def _replay(cmd: str) -> list[str]:
    env = {**os.environ, "CC_SPECIAL_CLIENT_SECRET": SPECIAL, "CC_DEMO_CLIENT_SECRET": DEMO}
    proc = subprocess.run(["bash", "-c", "curl() { printf '%s\\0' \"$@\"; }\n" + cmd],  # noqa: S603,S607
                          capture_output=True, env=env, check=True)
    return proc.stdout.decode("utf-8").split("\0")[:-1]


def _sent(args: list[str]) -> tuple[str, dict[str, str], str]:
    url = args[4]
    headers = dict(args[i + 1].split(": ", 1) for i, a in enumerate(args) if a == "-H"
                   and ": " in args[i + 1])
    body = args[args.index("--data-raw") + 1] if "--data-raw" in args else ""
    return url, headers, body


@pytest.mark.parametrize(("cid", "secret"), [(SPECIAL_ID, SPECIAL), (DEMO_ID, DEMO)])
def test_basic_header_is_computed_in_the_shell_with_form_encoding(cid: str, secret: str) -> None:
    raw = RequestBuilder().param("grant_type", "client_credentials").basic(cid, secret).build()
    sent = SentRequest(raw.method, "http://as.example/token", raw.headers, raw.body)
    red = Redactor()
    red.add_credentials(cid, secret)
    cmd = curl_command(sent, REFS, red)
    original_auth = dict(sent.headers)["Authorization"].split()[1]
    assert original_auth not in cmd and secret not in cmd
    url, headers, body = _sent(_replay(cmd))
    assert url == "http://as.example/token"
    assert headers["Authorization"] == f"Basic {original_auth}"
    assert body == sent.body.decode()


def test_body_secret_and_query_secret_are_env_expansions() -> None:
    body = f"grant_type=client_credentials&client_id=x&client_secret={quote_plus(SPECIAL, safe='')}"
    sent = SentRequest("POST", f"http://as.example/token?client_secret={DEMO}",
                       (("Content-Type", "application/x-www-form-urlencoded"),), body.encode())
    red = Redactor()
    red.add_secret(SPECIAL)
    red.add_secret(DEMO)
    cmd = curl_command(sent, REFS, red)
    assert SPECIAL not in cmd and quote_plus(SPECIAL, safe="") not in cmd and DEMO not in cmd
    url, _, replayed = _sent(_replay(cmd))
    assert url == sent.url and replayed == body
    assert "# needs $CC_DEMO_CLIENT_SECRET, $CC_SPECIAL_CLIENT_SECRET" in cmd


def test_issued_token_is_redacted_and_basic_base64_never_literal() -> None:
    token = "tok-abcdefghijklmnop"
    b64 = base64.b64encode(f"{DEMO_ID}:{DEMO}".encode()).decode()
    sent = SentRequest("POST", "http://as.example/token",
                       (("Authorization", f"Basic {b64}"), ("X-Token", token)), b"a=b")
    red = Redactor()
    red.add_credentials(DEMO_ID, DEMO)
    red.add_token(token)
    cmd = curl_command(sent, REFS, red)
    assert token not in cmd and b64 not in cmd and "[REDACTED]" in cmd
    assert "-H 'Content-Type:'" in cmd  # no content type was sent, so curl must not add one
