"""``cc-conformance init --discover URL`` (issue 12 §3): a profile from the served reference's
RFC 8414 metadata, its placeholders stopping a run until filled, and then the whole suite
passing against the served reference over loopback HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from conformance.cli import main
from tests.demo import DEMO_ENV, served_reference

WELL_KNOWN = "/.well-known/oauth-authorization-server"
DEMO_ID = "cc-demo-client"


@pytest.fixture
def served() -> Iterator[str]:
    """The served reference on a free loopback port (tests.demo.served_reference)."""
    with served_reference() as base:
        yield base


def test_discover_then_fill_in_passes_the_whole_suite(
        served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    metadata_url = served + WELL_KNOWN
    profile = tmp_path / "discovered.toml"
    assert main(["init", "--discover", metadata_url, str(profile)]) == 0
    text = profile.read_text(encoding="utf-8")
    assert f'url = "{served}/token"' in text
    assert f'metadata_url = "{metadata_url}"' in text
    assert 'auth_methods = ["client_secret_basic", "client_secret_post"]' in text
    assert "FILL-IN" in text and "scopes_supported" in text
    # the declared JWT and mTLS methods get commented client stubs (the demo registry has all)
    for method in ("private_key_jwt", "client_secret_jwt", "tls_client_auth",
                   "self_signed_tls_client_auth"):
        assert f"# [clients.{method}]" in text, method
    capsys.readouterr()

    # Placeholders stop the run (exit 2) with the field named, before any request.
    for key, value in DEMO_ENV.items():
        monkeypatch.setenv(key, value)
    assert main(["run", "--profile", str(profile), "--no-reports"]) == 2
    assert "clients.confidential.secret_env" in capsys.readouterr().err
    half = profile.read_text(encoding="utf-8").replace(
        'secret_env = "FILL-IN: the environment variable holding its secret"',
        'secret_env = "CC_DEMO_CLIENT_SECRET"')
    profile.write_text(half, encoding="utf-8")
    assert main(["run", "--profile", str(profile), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "clients.confidential.client_id" in err and "FILL-IN" in err

    # Filled in with the README's demo client: the whole suite passes over loopback HTTP,
    # the RFC 8414 checks with it.
    profile.write_text(half.replace('client_id = "FILL-IN: the client id"',
                                    f'client_id = "{DEMO_ID}"'), encoding="utf-8")
    results = tmp_path / "results.json"
    status = main(["run", "--profile", str(profile), "--no-reports", "--json", str(results),
                   "--seed", "1", "--examples", "5"])
    doc = json.loads(results.read_text(encoding="utf-8"))
    verdicts = {r["id"]: r["verdict"] for r in doc["requirements"]}
    bad = {k: v for k, v in verdicts.items() if v in ("fail", "error", "warn")}
    assert status == 0, bad
    assert not bad
    for rid in ("RFC8414-3.2-metadata-response", "RFC8414-3.3-issuer-match",
                "RFC8414-2-token-endpoint", "RFC8414-2-grant-types-client-credentials",
                "RFC8414-2-auth-methods-declared-work", "RFC8414-2-auth-methods-undeclared"):
        assert verdicts[rid] == "pass", rid


class _Handler(BaseHTTPRequestHandler):
    """Answers every GET with the class's status, content type and body."""

    status = 200
    content_type = "application/json"
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_metadata() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{WELL_KNOWN}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(("status", "ctype", "body", "message"), [
    (200, "text/html", b"<html>", "not a JSON object"),
    (200, "application/json", b'{"issuer": "x"}', "no token_endpoint"),
    (404, "application/json", b'{"error": "not_found"}', "HTTP 404"),
])
def test_discover_errors_are_one_line_usage_errors(
        fake_metadata: tuple[str, type[_Handler]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], status: int, ctype: str, body: bytes,
        message: str) -> None:
    url, handler = fake_metadata
    handler.status, handler.content_type, handler.body = status, ctype, body
    out = tmp_path / "p.toml"
    assert main(["init", "--discover", url, str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/.well-known/oauth-authorization-server",
                                 "http://as.example.com/.well-known/oauth-authorization-server",
                                 "ftp://as.example.com/x"])
def test_discover_unreachable_or_refused_url(url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--discover", url, str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cc-conformance: ") and len(err.strip().splitlines()) == 1
