"""The CLI (serve, demo, hash-secret) and ASGI edge cases (lifespan, websocket, streaming)."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator

import httpx
import pytest

from reference_impl import cli
from reference_impl.asgi import app as lazy_app
from reference_impl.asgi import create_app
from reference_impl.formencoding import encode_basic_credentials
from reference_impl.registry import verify_secret
from tests.demo import served_reference

from .conftest import DEMO_ID, DEMO_SECRET


async def test_demo_prints_redacted_exchange_and_exits_zero(capsys) -> None:
    out = io.StringIO()
    assert await cli.run_demo(out) == 0
    text = out.getvalue()
    assert "POST /token" in text and "< HTTP/1.1 200 OK" in text
    assert DEMO_SECRET not in text
    assert "Basic <redacted>" in text
    token = re.search(r'"access_token": "([^"]*)"', text)
    assert token is not None and token.group(1).endswith("<redacted>")


def test_demo_command_via_main(capsys) -> None:
    assert cli.main(["demo"]) == 0
    assert "token issued" in capsys.readouterr().out


@pytest.mark.parametrize("stdin", ["my secret\n", "my secret\r\n", "my secret"])
def test_hash_secret_from_pipe(monkeypatch, capsys, stdin: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert cli.main(["hash-secret"]) == 0
    line = capsys.readouterr().out.strip()
    match = re.fullmatch(r'secret_hash = "(scrypt\$[^"]+)"', line)
    assert match and verify_secret("my secret", match.group(1))
    assert "my secret" not in line


def test_hash_secret_uses_getpass_on_tty(monkeypatch, capsys) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: "typed")
    assert cli.main(["hash-secret"]) == 0
    match = re.search(r'"(scrypt\$[^"]+)"', capsys.readouterr().out)
    assert match and verify_secret("typed", match.group(1))


def test_hash_secret_rejects_empty(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert cli.main(["hash-secret"]) == 2


def test_serve_with_bad_clients_file_exits_2(tmp_path, capsys) -> None:
    bad = tmp_path / "clients.toml"
    bad.write_text("[[clients]]\nclient_id = ''\n", encoding="utf-8")
    assert cli.main(["serve", "--clients", str(bad)]) == 2
    assert cli.main(["serve", "--clients", str(tmp_path / "missing.toml")]) == 2


def test_serve_runs_uvicorn_with_loaded_registry(monkeypatch, tmp_path) -> None:
    import uvicorn

    calls: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: calls.append(
        self.config))
    clients = tmp_path / "clients.toml"
    clients.write_text("[[clients]]\nclient_id = 'p'\ntype = 'public'\n", encoding="utf-8")
    # never started (run is stubbed): exit 1, not a silent 0
    assert cli.main(["serve", "--port", "0", "--clients", str(clients)]) == 1
    assert calls[0].host == "127.0.0.1" and calls[0].port == 0
    assert list(calls[0].app.endpoint.grant.request_validator.registry.clients) == ["p"]


def test_serve_refuses_a_url_file_in_a_missing_folder(tmp_path, capsys) -> None:
    assert cli.main(["serve", "--url-file", str(tmp_path / "no" / "url.txt")]) == 2
    assert "--url-file" in capsys.readouterr().err


def test_endpoint_url_and_announcement(tmp_path) -> None:
    assert cli.endpoint_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/token"
    assert cli.endpoint_url("::1", 8000) == "http://[::1]:8000/token"
    out, url_file = io.StringIO(), tmp_path / "url.txt"
    cli.announce("http://127.0.0.1:1/token", str(url_file), out)
    assert out.getvalue() == "cc-reference listening on http://127.0.0.1:1/token\n"
    assert url_file.read_text(encoding="utf-8") == "http://127.0.0.1:1/token\n"
    assert [f.name for f in tmp_path.iterdir()] == ["url.txt"]


@pytest.fixture
def served(tmp_path) -> Iterator[str]:
    """The served reference (tests.demo.served_reference) with ``--url-file``: the URL it
    prints and the one it writes agree."""
    url_file = tmp_path / "url.txt"
    with served_reference("--url-file", str(url_file)) as base:
        assert url_file.read_text(encoding="utf-8") == f"{base}/token\n"
        yield base


def test_serve_answers_token_request_over_loopback(served: str) -> None:
    response = httpx.post(
        f"{served}/token",
        data={"grant_type": "client_credentials", "scope": "read write"},
        auth=(DEMO_ID, DEMO_SECRET),
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read write"
    assert response.headers["cache-control"] == "no-store"


async def _call(app, scope: dict, messages: list[dict]) -> list[dict]:
    sent: list[dict] = []
    incoming = list(messages)

    async def receive() -> dict:
        return incoming.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_lifespan_and_websocket(fast_registry) -> None:
    app = create_app(fast_registry)
    sent = await _call(app, {"type": "lifespan"},
                       [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert [m["type"] for m in sent] == ["lifespan.startup.complete",
                                         "lifespan.shutdown.complete"]
    sent = await _call(app, {"type": "websocket", "path": "/token"}, [])
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert "TokenApp" in repr(app) and "app" in repr(lazy_app)


def _http_scope(headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "method": "POST", "path": "/token", "query_string": b"",
            "headers": headers}


async def test_disconnect_and_bad_content_length(fast_registry) -> None:
    app = create_app(fast_registry)
    auth = encode_basic_credentials(DEMO_ID, DEMO_SECRET).encode()
    headers = [(b"content-type", b"application/x-www-form-urlencoded"),
               (b"authorization", auth), (b"content-length", b"abc")]
    sent = await _call(app, _http_scope(headers), [
        {"type": "http.request", "body": b"grant_type=client_", "more_body": True},
        {"type": "http.request", "body": b"credentials", "more_body": False},
    ])
    assert sent[0]["status"] == 200
    sent = await _call(app, _http_scope(headers), [{"type": "http.disconnect"}])
    assert sent[0]["status"] == 400  # empty body: grant_type missing
    assert json.loads(sent[1]["body"])["error"] == "invalid_request"


async def test_declared_content_length_over_limit_is_413_without_reading(fast_registry) -> None:
    app = create_app(fast_registry)
    sent = await _call(app, _http_scope([(b"content-length", b"999999")]), [])
    assert sent[0]["status"] == 413


async def test_endpoint_direct_limits(fast_registry) -> None:
    endpoint = create_app(fast_registry).endpoint
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _, _, status = await endpoint.create_token_response("POST", "/token", form, b"a" * 70000)
    assert status == 413
    _, body, status = await endpoint.create_token_response("POST", "/token", None, b"")
    assert status == 400 and json.loads(body)["error"] == "invalid_request"
    _, _, status = await endpoint.create_token_response(
        "POST", "/token?%zz=1&client%ZZid=2", form, b"")
    assert status == 400
