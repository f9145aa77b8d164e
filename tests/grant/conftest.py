"""Shared constants for the grant-target tests (issue 3)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# examples/ is not an installed package: the CLI finds it through the current directory
# (conformance.targets.grant appends the cwd to sys.path); these tests import it directly.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
}
REFERENCE_GRANT = "examples.grants.reference_grant:make_grant"
OAUTHLIB_GRANT = "examples.grants.oauthlib_grant:make_grant"
