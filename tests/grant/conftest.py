"""Shared constants for the grant-target tests (issue 3)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
}
REFERENCE_GRANT = "examples.grants.reference_grant:make_grant"
OAUTHLIB_GRANT = "examples.grants.oauthlib_grant:make_grant"
