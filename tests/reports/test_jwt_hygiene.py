"""A run with the JWT client authentication methods (RFC 7523) leaks none of their secrets: not
the client_secret_jwt secret, not a line of the private key, not one of the assertions it sent
(each is a bearer credential until it expires)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conformance.assertions import decode_unverified
from tests.demo import DEMO_ENV, DEMO_JWT_KEY, ROOT, ensure_demo_jwt_key

JWS_RE = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def test_jwt_run_leaks_no_key_secret_or_assertion(tmp_path: Path) -> None:
    profile = ensure_demo_jwt_key()
    out = tmp_path / "reports"
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", "3",
         "--examples", "5", "--report-dir", str(out)],
        cwd=ROOT, env={**os.environ, **DEMO_ENV}, capture_output=True, text=True,
        timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    texts = {str(p): p.read_bytes().decode("utf-8", errors="replace")
             for p in out.rglob("*") if p.is_file()}
    texts["console"] = proc.stdout + proc.stderr
    assert len(texts) > 10
    secret = DEMO_ENV["CC_JWT_SECRET_CLIENT_SECRET"]
    key_lines = [ln for ln in DEMO_JWT_KEY.read_text().splitlines()
                 if ln and not ln.startswith("-----")]
    for where, text in texts.items():
        assert secret not in text, where
        assert not any(line in text for line in key_lines), where
        for token in JWS_RE.findall(text):
            _, payload = decode_unverified(token)
            assert payload.get("iss") not in ("cc-jwt-client", "cc-jwt-secret-client"), where
    # the results do show that assertions were sent: redacted, and read from a variable in the
    # curl replays
    results = texts[str(out / "results.json")]
    assert "client_assertion=[REDACTED]" in results and "$CC_CLIENT_ASSERTION" in results
    assert "RFC7523-3-signature" in texts[str(out / "report.html")]
