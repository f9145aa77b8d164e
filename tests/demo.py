"""The one place the project's tests take the demo fixtures from: the checkout root, the
suite profiles of the bundled reference, and the demo registry's secrets and key those profiles
read (public test fixtures, documented in the README and docs/design.md)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV: dict[str, str] = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
    "CC_JWT_SECRET_CLIENT_SECRET": "cc-demo-jwt-secret-Yq3vN8tKx2LpR5wZ7sDf4hJm",
}
#: the reference profile with every method the reference serves, JWT assertions included
JWT_PROFILE = ROOT / "examples" / "reference-jwt.toml"
DEMO_JWT_KEY = ROOT / "reports" / "demo-jwt-key.pem"
#: JWT_PROFILE plus the two mutual-TLS clients (RFC 8705), tls_client_auth first
MTLS_PROFILE = ROOT / "examples" / "reference-mtls.toml"
DEMO_TLS_DIR = ROOT / "reports" / "demo-tls"


def ensure_demo_jwt_key() -> Path:
    """Write the demo private_key_jwt key where JWT_PROFILE reads it (a public fixture derived
    from a published seed; reports/ is git-ignored)."""
    from reference_impl.demo_keys import demo_private_key_pem

    pem = demo_private_key_pem()
    if not DEMO_JWT_KEY.is_file() or DEMO_JWT_KEY.read_bytes() != pem:
        DEMO_JWT_KEY.parent.mkdir(parents=True, exist_ok=True)
        DEMO_JWT_KEY.write_bytes(pem)
        DEMO_JWT_KEY.chmod(0o600)
    return JWT_PROFILE


def ensure_demo_tls() -> Path:
    """Write the demo TLS material where MTLS_PROFILE reads it (public fixtures derived from a
    published seed; ``write_demo_tls`` replaces files atomically, so parallel workers are safe)
    and return MTLS_PROFILE (the JWT key included)."""
    from reference_impl.demo_tls import write_demo_tls

    ensure_demo_jwt_key()
    write_demo_tls(DEMO_TLS_DIR)
    return MTLS_PROFILE


@contextlib.contextmanager
def served_reference(*args: str) -> Iterator[str]:
    """``python -m reference_impl serve --host 127.0.0.1 --port 0 [args]`` as a vendor runs it;
    yields ``http(s)://127.0.0.1:PORT`` from the one line it prints, and always stops it."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "reference_impl", "serve", "--host", "127.0.0.1", "--port", "0",
         "--log-level", "warning", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"cc-reference listening on (https?://127\.0\.0\.1:\d+)/token\n",
                             line)
        assert match, f"server did not start: {line!r}"
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if uvicorn hangs
            proc.kill()
            proc.wait()
