"""A server that needs a scope on every request (RFC 6749 §3.3 lets it answer an omitted scope
with invalid_scope; Glewlwyd does) passes the whole suite when the profile says so
(``scopes.omitted_policy = "invalid_scope"``): every request that should succeed carries an
allowed scope, and every refusal probe carries one too, so it is refused for the thing it
probes and not for the missing scope. Before, the valid-request checks failed against such a
server and several refusal probes passed for the wrong reason."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.exitstatus import ExitStatus
from conformance.results import Verdict
from conformance.runner import run_suite
from reference_impl import demo_tls
from reference_impl.asgi import create_app
from reference_impl.registry import ClientRegistry
from tests.demo import DEMO_ENV, REFERENCE_PROFILE, ROOT


def _scope_required_app() -> object:
    """The reference with no default scope for any client: an omitted scope is invalid_scope."""
    text = (ROOT / "reference_impl" / "demo_clients.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^default_scopes = .*$", "default_scopes = []", text)
    # the demo registry's tls_client_auth client is trusted through the demo CA
    registry = ClientRegistry.from_toml(text, tls_client_anchors=[demo_tls.ca_certificate()])
    return create_app(registry)


def _profile(tmp_path: Path) -> Path:
    text = REFERENCE_PROFILE.read_text(encoding="utf-8")
    text = text.replace('default = ["read"]\n', "")
    text = re.sub(r'omitted_policy = "default"', 'omitted_policy = "invalid_scope"', text)
    path = tmp_path / "scope-required.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_server_that_needs_a_scope_passes_when_the_profile_says_so(tmp_path: Path) -> None:
    res = run_suite(_scope_required_app(), _profile(tmp_path), environ=DEMO_ENV, examples=5,
                    seed=3)
    bad = {k: (v.verdict.value, v.reason) for k, v in res.requirements.items()
           if v.verdict in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)}
    assert res.exit_status == ExitStatus.OK, bad
    # the omitted-scope rule is judged on its own probe: invalid_scope, as declared
    assert res.verdict("RFC6749-3.3-default-scope") is Verdict.PASS
    omitted = [ex for f in res.findings if f.requirement == "RFC6749-3.3-default-scope"
               for ex in f.exchanges]
    assert omitted and all(b"scope=" not in ex.request.body for ex in omitted)
    # the checks that need a token got one, with the usual scope
    issued = [ex for f in res.findings if f.requirement == "RFC6749-4.4.3-token-issued"
              for ex in f.exchanges]
    assert issued and all(b"scope=" in ex.request.body for ex in issued)
