"""Shared constants for the grant-target tests (issue 3)."""

from __future__ import annotations

import sys

from tests.demo import ROOT

# examples/ is not an installed package: the CLI finds it through the current directory
# (conformance.targets.grant appends the cwd to sys.path); these tests import it directly.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
REFERENCE_GRANT = "examples.grants.reference_grant:make_grant"
OAUTHLIB_GRANT = "examples.grants.oauthlib_grant:make_grant"
