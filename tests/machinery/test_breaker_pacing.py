"""The "stopped answering" breaker tells slow from dead, and bursts are paced to the target.

A fake target decides, per request, whether it answers or fails and in which order (asyncio
events, never sleeps), so each rule of ConformanceSession.asend and paced_concurrency is shown
on its own. The end-to-end runs are tests/transport/test_slow_server.py and tests/hostile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.exchange import Exchange, Received, SentRequest
from conformance.harness import STOPPED_AFTER, ConformanceSession
from conformance.options import RunOptions
from conformance.profile import load_profile
from conformance.request import RawRequest
from conformance.targets import TargetError, TargetSpec
from reference_impl.asgi import create_app
from tests.demo import DEMO_ENV, REFERENCE_PROFILE

REQ = RawRequest(body=b"grant_type=client_credentials")


def answer() -> Exchange:
    return Exchange(request=SentRequest("POST", "http://fake/token", (), b""),
                    response=Received(400, (("content-type", "application/json"),),
                                      b'{"error":"invalid_client"}'))


def timeout() -> TargetError:
    return TargetError("read timeout (1s) waiting for data", connection=True, timeout=True)


def reset() -> TargetError:
    return TargetError("connection reset", connection=True)


class FakeTarget:
    kind = "url"
    location = "http://fake/token"
    uses_tls = False
    is_loopback = True

    def __init__(self) -> None:
        #: the behaviour of the next requests, in order: an awaitable factory
        self.script: list[Callable[[], Any]] = []
        self.in_flight = 0
        self.peak = 0

    async def send(self, request: RawRequest) -> Exchange:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            step = self.script.pop(0) if self.script else (lambda: _answered())
            return await step()  # type: ignore[no-any-return]
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        return None


async def _answered() -> Exchange:
    await asyncio.sleep(0)  # yield once, like any real exchange (not a timing fix)
    return answer()


@pytest.fixture
def session() -> Iterator[tuple[ConformanceSession, FakeTarget]]:
    profile = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV,
                           overrides={"app": "injected:target", "read_timeout": 1.0,
                                      "request_timeout": 2.0})
    s = ConformanceSession(RunOptions(target=TargetSpec("app", create_app()), profile=profile))
    s.start()
    assert s.target is not None
    s.run(s.target.aclose())
    fake = FakeTarget()
    s.target = fake
    try:
        yield s, fake
    finally:
        s.close()


def _send_all(s: ConformanceSession, n: int) -> list[object]:
    async def go() -> list[object]:
        return await asyncio.gather(*(s.asend(REQ) for _ in range(n)), return_exceptions=True)

    return s.run(go())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ the breaker

def test_timeouts_while_other_requests_are_answered_do_not_stop_the_run(
        session: tuple[ConformanceSession, FakeTarget]) -> None:
    """Slow, not dead: each timed-out request waited while another one was answered."""
    s, fake = session
    s.send(REQ)  # the target has answered before
    answered = asyncio.Event()

    async def late() -> Exchange:
        await answered.wait()
        raise timeout()

    async def first() -> Exchange:
        await asyncio.sleep(0)
        answered.set()
        return answer()

    for _ in range(STOPPED_AFTER * 3):
        answered = asyncio.Event()
        fake.script = [late, late, late, first]
        outcomes = _send_all(s, 4)
        assert sum(isinstance(o, TargetError) for o in outcomes) == 3
    assert s.stopped_answering is None
    assert s.slow_timeouts == STOPPED_AFTER * 9


def test_timeouts_with_no_answer_at_all_stop_the_run(
        session: tuple[ConformanceSession, FakeTarget]) -> None:
    """Silent after answering before: nothing answers while the requests wait, so a few
    timeouts still end the run (every later request fails at once)."""
    s, fake = session
    s.send(REQ)

    async def silent() -> Exchange:
        raise timeout()

    fake.script = [silent] * STOPPED_AFTER
    for _ in range(STOPPED_AFTER):
        with pytest.raises(TargetError, match="read timeout"):
            s.send(REQ)
    assert s.stopped_answering is not None
    with pytest.raises(TargetError, match="target stopped answering"):
        s.send(REQ)


def test_resets_count_even_while_others_are_answered(
        session: tuple[ConformanceSession, FakeTarget]) -> None:
    """A refused or reset connection is not slowness: it counts whatever else happens, until
    an answer arrives after it."""
    s, fake = session
    s.send(REQ)

    async def resets() -> Exchange:
        raise reset()

    fake.script = [resets] * STOPPED_AFTER
    outcomes = _send_all(s, STOPPED_AFTER)
    assert all(isinstance(o, TargetError) for o in outcomes)
    assert s.stopped_answering is not None and "connection reset" in s.stopped_answering


def test_an_answer_resets_the_count(session: tuple[ConformanceSession, FakeTarget]) -> None:
    s, fake = session

    async def resets() -> Exchange:
        raise reset()

    for _ in range(3):
        fake.script = [resets] * (STOPPED_AFTER - 1)
        for _ in range(STOPPED_AFTER - 1):
            with pytest.raises(TargetError):
                s.send(REQ)
        s.send(REQ)
    assert s.stopped_answering is None


# ------------------------------------------------------------------ pacing

@pytest.mark.parametrize(("latency", "read", "throughput", "expected"), [
    (None, 5.0, None, 10),     # nothing measured yet: as asked
    (0.002, 5.0, None, 10),    # fast: as asked
    (0.3, 5.0, None, 8),       # 0.5 * 5 / 0.3
    (0.3, 1.0, None, 1),       # never below one
    (0.3, 1.0, 20.0, 10),      # measured throughput of a server that works in parallel
    (0.3, 1.0, 4.0, 2),        # 0.5 * 1 * 4
])
def test_paced_concurrency_rule(session: tuple[ConformanceSession, FakeTarget],
                                latency: float | None, read: float, throughput: float | None,
                                expected: int) -> None:
    s, _ = session
    s.profile = load_profile(REFERENCE_PROFILE, environ=DEMO_ENV,
                             overrides={"app": "injected:target", "read_timeout": read,
                                        "request_timeout": 10.0})
    s._solo_latencies.clear()
    if latency is not None:
        s._solo_latencies.extend([latency] * 5)
    assert s.request_deadline() == read
    assert s.paced_concurrency(10, throughput) == expected


def test_burst_starts_at_the_pace_of_the_solo_latency(
        session: tuple[ConformanceSession, FakeTarget]) -> None:
    """With a measured solo latency of 0.4 s and a 1 s read timeout, a burst asked to run 10
    at a time starts one at a time: while the first request is unanswered, no other starts
    (later slots follow the throughput the burst measures; the end-to-end run with a really
    slow server is tests/transport/test_slow_server.py)."""
    s, fake = session
    seen: list[int] = []

    async def first() -> Exchange:
        for _ in range(20):  # give every other task of the burst the chance to start
            await asyncio.sleep(0)
        seen.append(fake.in_flight)
        return answer()

    s._solo_latencies.extend([0.4] * 5)
    fake.script = [first]
    exchanges = s.run(s.send_many([REQ] * 6, 10))
    assert len(exchanges) == 6
    assert seen == [1]


def test_fast_burst_runs_as_asked(session: tuple[ConformanceSession, FakeTarget]) -> None:
    s, fake = session
    gate = asyncio.Event()

    async def held() -> Exchange:
        await gate.wait()
        return answer()

    async def release() -> Exchange:
        gate.set()
        return answer()

    s._solo_latencies.extend([0.001] * 5)
    fake.script = [held] * 9 + [release]
    exchanges = s.run(s.send_many([REQ] * 10, 10))
    assert len(exchanges) == 10 and fake.peak == 10
    assert not any(n.startswith("a burst of") for n in s.notes())
