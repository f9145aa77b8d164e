"""The one place the project's tests take the demo fixtures from: the checkout root, the
suite profile of the bundled reference, and the demo registry's secrets that profile reads
from the environment (public test fixtures, documented in the README and docs/design.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV: dict[str, str] = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
}
