"""An in-process app that hangs mid-run: the whole-exchange deadline bounds each request, and a
few such timeouts count as "the target stopped answering", so the rest of the run errors at
once instead of waiting out the deadline for every remaining request."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.profile import load_profile
from conformance.runner import run_suite
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

ANSWERED = 12  # requests answered before the app hangs


class HangsAfter:
    """The reference app, which stops answering (without closing anything) after ``n`` calls."""

    def __init__(self, n: int) -> None:
        self.app = create_app()
        self.n = n
        self.calls = 0
        self.hung = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls += 1
            if self.calls > self.n:
                self.hung += 1
                await asyncio.Event().wait()  # never set: the app hangs until cancelled
        await self.app(scope, receive, send)


def test_hung_in_process_app_stops_the_run_after_a_few_deadlines() -> None:
    app = HangsAfter(ANSWERED)
    profile = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV,
                           overrides={"app": "injected:target", "request_timeout": 0.2})
    res = run_suite(app, profile, seed=0, examples=5)
    assert res.exit_status == 3
    # Three consecutive deadlines trip the breaker; the concurrent token-uniqueness check may
    # have up to its concurrency (10) in flight when it does. Without the breaker every one of
    # the ~250 remaining requests would hang until its deadline.
    assert 3 <= app.hung <= 3 + 10, app.hung
    reasons = {f.reason for f in res.findings if f.verdict.value == "error"}
    assert any("stopped answering" in r for r in reasons), reasons
