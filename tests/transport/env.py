"""The reference profile and the demo secrets it reads from the environment (README: these
are public test fixtures). Runs pass them to ``run_suite(..., environ=DEMO_ENV)``, so no test
touches ``os.environ``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PROFILE = ROOT / "examples" / "reference.toml"
DEMO_ENV: dict[str, str] = {
    "CC_DEMO_CLIENT_SECRET": "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw",
    "CC_SPECIAL_CLIENT_SECRET": "p@ss:wörd +%&=/ü",
    "CC_CODE_ONLY_CLIENT_SECRET": "cc-code-only-secret",
}
