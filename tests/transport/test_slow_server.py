"""Slow is not dead: a correct server that takes 0.3 s per request, two at a time (as one that
hashes client secrets with PBKDF2 does on a small machine), gets the same verdicts as the fast
reference and exit 0, with tight timeouts that a burst of 10 at a time would exceed.

The delay is the server's own behaviour (an ASGI middleware awaiting asyncio.sleep inside an
asyncio.Semaphore(2)); uvicorn serves it on 127.0.0.1, started and stopped by a fixture. The
test itself never sleeps and asserts no time. Measured on the shared 2-core machine: the slow
run took 47.7 s wall (the paced burst of 30 tokens ran 1 at a time, 10.4 s), the fast run
about 6 s; without pacing the burst's read timeouts leave abandoned requests holding the
server's slots, nothing answers within a read timeout and the breaker ends the run (exit 3).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.exitstatus import ExitStatus
from conformance.profile import load_profile
from conformance.results import RunResults
from conformance.runner import run_suite
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

from .conftest import Served, serve_in_thread

DELAY_S = 0.3
SLOTS = 2
#: both runs: 1 s read timeout, 2 s per exchange. Ten requests at once would queue 5 deep at
#: two slots, the last answered after 1.5 s: past the read timeout unless the burst is paced.
SETTINGS: dict[str, Any] = {"seed": 0, "examples": 3, "token_count": 30, "concurrency": 10}
TIMEOUTS = {"connect_timeout": 1.0, "read_timeout": 1.0, "request_timeout": 2.0}


class SlowServer:
    """ASGI middleware: every HTTP request holds one of ``slots`` slots for ``delay`` seconds
    before the app answers it; further requests queue for a slot."""

    def __init__(self, app: Any, delay: float, slots: int) -> None:
        self.app = app
        self.delay = delay
        self.slots = asyncio.Semaphore(slots)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await asyncio.sleep(self.delay)  # the server's work, not the test waiting
            await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def slow_server() -> Iterator[Served]:
    app = SlowServer(create_app(), DELAY_S, SLOTS)
    with serve_in_thread(app, "uvicorn-slow-reference", lifespan="off") as served:
        yield served


def run(url: str) -> RunResults:
    profile = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV,
                           overrides={"app": "injected:target", **TIMEOUTS})
    return run_suite(url, profile, **SETTINGS)


def test_slow_server_gets_the_fast_servers_verdicts(reference_server: Served,
                                                     slow_server: Served) -> None:
    fast = run(reference_server.token_url)
    slow = run(slow_server.token_url)
    assert fast.exit_status == ExitStatus.OK
    verdicts = {rid: r.verdict.value for rid, r in fast.requirements.items()}
    slow_verdicts = {rid: r.verdict.value for rid, r in slow.requirements.items()}
    differ = {rid: (v, slow_verdicts.get(rid), slow.requirements[rid].reason)
              for rid, v in verdicts.items() if slow_verdicts.get(rid) != v}
    assert differ == {}
    assert slow.exit_status == ExitStatus.OK, slow.notes
    assert not any("stopped answering" in n for n in slow.notes)
    # The token burst was paced to the slow server (and said so), not to the fast one.
    assert any(n.startswith("a burst of 30 requests ran at most") for n in slow.notes), slow.notes
    assert not any(n.startswith("a burst of") for n in fast.notes), fast.notes
