"""An in-process app that hangs mid-run: the whole-exchange deadline bounds each request, and a
few such timeouts count as "the target stopped answering", so the rest of the run errors at
once instead of waiting out the deadline for every remaining request."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.harness import STOPPED_AFTER
from conformance.profile import load_profile
from conformance.runner import run_suite
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

ANSWERED = 12  # requests answered before the app hangs
CONCURRENCY = 10  # the default §10.10 burst, during which the hang may begin


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
    # The bound the breaker promises. Once the app hangs, a timeout counts only if no answer
    # came back while it waited (slow is not dead), so the hung requests are: those that
    # started before the last answer returned (at most CONCURRENCY - 1, when the hang begins
    # inside the burst), then at most CONCURRENCY in flight while STOPPED_AFTER counted
    # timeouts trip the breaker. Without the breaker every one of the ~250 remaining
    # requests would hang until its deadline. (Measured: 14 when the hang begins in the
    # burst, 3 when it begins among sequential checks.)
    assert STOPPED_AFTER <= app.hung <= (CONCURRENCY - 1) + max(CONCURRENCY, STOPPED_AFTER), \
        app.hung
    reasons = {f.reason for f in res.findings if f.verdict.value == "error"}
    assert any("stopped answering" in r for r in reasons), reasons
