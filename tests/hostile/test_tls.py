"""TLS rules: a self-signed loopback endpoint fails verification by default (exit 3, clear
reason), passes with --ca-bundle, runs under --insecure only with a loud warning on the console
and in the results; plain http to a non-loopback host is refused before any connection."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.targets import TargetConfigError, TransportOptions
from conformance.targets.http import UrlTarget
from tests.demo import REFERENCE_PROFILE

from .conftest import Cli, run_cli

uvicorn = pytest.importorskip("uvicorn")
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh self-signed certificate for 127.0.0.1 (openssl; `cryptography` is not installed)."""
    if OPENSSL is None:
        pytest.skip("openssl not found")
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(  # noqa: S603
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True, timeout=60)
    return key, crt


def _serve(**tls: str) -> Iterator[int]:
    """The reference served by uvicorn on 127.0.0.1 (ephemeral port) in a thread; yields the
    port and stops the server afterwards."""
    config = uvicorn.Config("reference_impl.asgi:app", host="127.0.0.1", port=0,
                            log_level="error", lifespan="off", **tls)
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),),
                              daemon=True)
    thread.start()
    poll = threading.Event()  # never set: wait(0.05) is a bounded poll of server.started
    for _ in range(200):
        if server.started or not thread.is_alive():
            break
        poll.wait(0.05)
    assert server.started, "uvicorn did not start"
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)
    loop.close()


@pytest.fixture(scope="module")
def tls_url(cert: tuple[Path, Path]) -> Iterator[str]:
    """The reference served over TLS."""
    key, crt = cert
    for port in _serve(ssl_keyfile=str(key), ssl_certfile=str(crt)):
        yield f"https://127.0.0.1:{port}/token"


@pytest.fixture(scope="module")
def plain_url() -> Iterator[str]:
    """The same reference over plain http: a token endpoint that does not require TLS."""
    for port in _serve():
        yield f"http://127.0.0.1:{port}/token"


def test_self_signed_fails_verification_by_default(tls_url: str, cli: Cli) -> None:
    run = cli(tls_url)
    run.assert_clean()
    assert run.code == 3
    errors = run.findings("error")
    assert errors and all("failed verification" in f["reason"] and "--ca-bundle" in f["reason"]
                          for f in errors)
    assert "failed verification" in run.console


def test_ca_bundle_verifies_and_the_reference_passes(tls_url: str, cert: tuple[Path, Path],
                                                     cli: Cli) -> None:
    run = cli(tls_url, "--ca-bundle", str(cert[1]))
    run.assert_clean()
    assert run.code == 0, run.console[-3000:]
    assert run.verdict("RFC6749-3.2-tls") == "pass"
    assert run.verdict("RFC6749-10.3-tls-server-auth") == "pass"
    # The plain-http twin (same port, no TLS) gives no OAuth answer: the pass says so and
    # points at the verified https exchange.
    (tls,) = [f for f in run.findings("pass") if f["requirement"] == "RFC6749-3.2-tls"]
    assert "nothing answers at http://127.0.0.1:" in tls["observed"] or \
        "http://127.0.0.1:" in tls["observed"], tls
    assert tls["exchanges"] and tls["exchanges"][0]["request"]["url"].startswith("https://")
    assert any("CA bundle" in n for n in run.doc["run"]["notes"])


def test_oauth_answer_on_the_plain_http_twin_fails(tls_url: str, plain_url: str,
                                                   cert: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    """§3.2: the https endpoint's plain-http twin (here named by target.plain_http_url) answers
    token requests: RFC6749-3.2-tls fails, showing the probe exchange, whose client does not
    exist (no real secret crossed in clear). With --no-plain-http-probe nothing is sent there."""
    profile = tmp_path / "twin.toml"
    text = REFERENCE_PROFILE.read_text(encoding="utf-8")
    profile.write_text(text.replace("[target]\n", f'[target]\nplain_http_url = "{plain_url}"\n',
                                    1), encoding="utf-8")
    assert plain_url in profile.read_text(encoding="utf-8")
    args = ("--ca-bundle", str(cert[1]), "--requirement", "RFC6749-3.2-tls")
    run = run_cli(tls_url, *args, tmp=tmp_path, profile=profile)
    run.assert_clean()
    assert run.code == 1, run.console[-3000:]
    assert run.verdict("RFC6749-3.2-tls") == "fail"
    (finding,) = [f for f in run.findings("fail") if f["requirement"] == "RFC6749-3.2-tls"]
    probe = finding["exchanges"][-1]
    assert probe["request"]["url"] == plain_url
    assert "plain-http-probe-no-such-client" in str(probe) or probe["response"]["status"] == 401

    skipped = run_cli(tls_url, *args, "--no-plain-http-probe", tmp=tmp_path, profile=profile)
    assert skipped.code == 0, skipped.console[-3000:]
    (passed,) = [f for f in skipped.findings("pass") if f["requirement"] == "RFC6749-3.2-tls"]
    assert "not probed" in passed["observed"]
    assert all(ex["request"]["url"] == tls_url for ex in passed["exchanges"])


def test_insecure_runs_with_a_loud_warning(tls_url: str, cli: Cli) -> None:
    run = cli(tls_url, "--insecure")
    run.assert_clean()
    assert run.code == 0  # the warning is a SHOULD-level finding: visible, not a failure
    assert "WARNING: --insecure" in run.console
    assert any(n.startswith("WARNING: --insecure") for n in run.doc["run"]["notes"])
    assert run.verdict("RFC6749-10.3-tls-server-auth") == "warn"


def test_plain_http_to_non_loopback_is_refused_before_connecting(cli: Cli) -> None:
    """192.0.2.1 is TEST-NET-1: had the suite tried to connect, the result would be exit 3 (or
    a hang up to the timeouts); exit 2 with the refusal means it never did."""
    run = cli("http://192.0.2.1/token")
    assert run.code == 2
    assert "refusing plain http to non-loopback host" in run.console
    assert "--allow-insecure-http" in run.console
    run.assert_clean()


def test_allow_insecure_http_is_accepted_and_stated() -> None:
    """Constructing the target makes no connection; the flag lets it through and it reports
    itself as plain, non-loopback http (the session turns that into a WARNING note)."""
    with pytest.raises(TargetConfigError, match="refusing plain http"):
        UrlTarget("http://192.0.2.1/token", timeout=1)
    target = UrlTarget("http://192.0.2.1/token", timeout=1,
                       transport=TransportOptions(allow_insecure_http=True))
    try:
        assert (target.uses_tls, target.is_loopback) == (False, False)
    finally:
        asyncio.run(target.aclose())


def test_loopback_http_needs_no_flag() -> None:
    for url in ("http://127.0.0.1:1/token", "http://[::1]:1/token", "http://localhost:1/token"):
        target = UrlTarget(url, timeout=1)
        assert target.is_loopback
        asyncio.run(target.aclose())


def test_missing_ca_bundle_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(TargetConfigError, match="no such file"):
        UrlTarget("https://127.0.0.1:1/token", timeout=1,
                  transport=TransportOptions(ca_bundle=str(tmp_path / "nope.pem")))
