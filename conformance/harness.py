"""Run-time plumbing shared by the plugin and the suite: the session (target, event loop,
redactor, collected findings) and the per-test ``cc`` helper the suite's tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from conformance.catalogue import Catalogue, load_catalogue
from conformance.checks import Recorder
from conformance.exchange import Exchange, parse_json_object
from conformance.profile import Client, Profile
from conformance.redact import Redactor
from conformance.request import RawRequest, RequestBuilder
from conformance.results import Finding, TestOutcome, Verdict
from conformance.targets import Target, TargetError, TargetSpec, make_target

T = TypeVar("T")
SEND_GRACE_S = 5.0


@dataclass(slots=True, eq=False)
class RunOptions:
    """Everything a run needs; built from command-line options or by the runner."""

    target: TargetSpec
    profile: Profile
    strict: bool = False
    seed: int | None = None
    json_path: str | None = None
    examples: int = 25
    select: frozenset[str] | None = None
    token_count: int = 100
    concurrency: int = 10
    results: Any = None  # filled in by the session: conformance.results.RunResults


class ConformanceSession:
    """One suite run against one target."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.profile = options.profile
        self.catalogue: Catalogue = load_catalogue()
        self.seed = (options.seed if options.seed is not None
                     else random.SystemRandom().randrange(2**32))
        self.redactor = Redactor()
        for cid, secret in self.profile.secrets():
            self.redactor.add_credentials(cid, secret)
        self.recorders: list[Recorder] = []
        self.extra_findings: list[Finding] = []
        self.tests: list[TestOutcome] = []
        self.target: Target | None = None
        self.target_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.started = time.time()

    # ---------------------------------------------------------------- event loop and target
    def start(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="cc-target-loop",
                                        daemon=True)
        self._thread.start()
        try:
            self.target = self.run(self._make_target())
        except TargetError as exc:
            self.target_error = str(exc)

    async def _make_target(self) -> Target:
        return make_target(self.options.target, timeout=self.profile.timeout)

    def preflight(self) -> None:
        """One harmless request: is the target there and does it speak HTTP?"""
        if self.target_error or self.target is None:
            return
        try:
            self.send(RequestBuilder(label="preflight").param("grant_type", "client_credentials")
                      .build())
        except TargetError as exc:
            self.target_error = str(exc)

    def run(self, coro: Any, timeout: float | None = None) -> Any:
        assert self._loop is not None
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout=timeout)

    def submit(self, coro: Any) -> Future[Any]:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def close(self) -> None:
        if self._loop is None:
            return
        if self.target is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                self.run(self.target.aclose(), timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    # ---------------------------------------------------------------- sending
    def _observe(self, ex: Exchange) -> Exchange:
        obj, _, _ = parse_json_object(ex.response.body)
        if obj is not None:
            for key in ("access_token", "refresh_token", "id_token"):
                val = obj.get(key)
                if isinstance(val, str):
                    self.redactor.add_token(val)
        return ex

    async def asend(self, request: RawRequest) -> Exchange:
        if self.target is None:
            raise TargetError(self.target_error or "no target")
        return self._observe(await self.target.send(request))

    def send(self, request: RawRequest) -> Exchange:
        try:
            return self.run(self.asend(request), timeout=self.profile.timeout * 2 + SEND_GRACE_S)
        except TimeoutError as exc:
            raise TargetError("request timed out") from exc

    async def _gather(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        sem = asyncio.Semaphore(concurrency)

        async def one(r: RawRequest) -> Exchange:
            async with sem:
                return await self.asend(r)

        return list(await asyncio.gather(*(one(r) for r in requests)))

    async def send_many(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        """Awaitable from any event loop: the burst itself runs on the target's loop."""
        return await asyncio.wrap_future(self.submit(self._gather(requests, concurrency)))

    # ---------------------------------------------------------------- findings
    def all_findings(self) -> list[Finding]:
        out: list[Finding] = []
        for r in self.recorders:
            out.extend(r.findings)
        out.extend(self.extra_findings)
        return out


class PropertyViolation(AssertionError):
    """Raised inside a Hypothesis property so Hypothesis shrinks to a minimal request."""

    def __init__(self, recorder: Recorder) -> None:
        lines = [f"{f.requirement}: {f.verdict.value}: {f.reason}" for f in recorder.failed]
        super().__init__("; ".join(lines))
        self.recorder = recorder


class CC:
    """The per-test helper behind the ``cc`` fixture."""

    def __init__(self, session: ConformanceSession, item: pytest.Item, rids: Sequence[str]) -> None:
        self.session = session
        self.item = item
        self.rids = tuple(rids)
        self.rec = Recorder(test=item.nodeid)
        session.recorders.append(self.rec)
        self.profile = session.profile
        self.spec = session.profile.spec
        self.seed = session.seed
        self.examples = session.options.examples
        self.redactor = session.redactor

    # ------------------------------------------------------------ fixtures / applicability
    def na(self, reason: str, rids: Iterable[str] | None = None) -> None:
        """Record not_applicable for the test's requirements and skip (never a pass)."""
        self.rec.not_applicable(self.rids if rids is None else rids, reason)
        pytest.skip(f"not applicable: {reason}")

    def client(self, role: str) -> Client:
        c = self.profile.client(role)
        if c is None:
            self.na(f"the profile declares no '{role}' client (clients.{role})")
            raise AssertionError("unreachable")  # pragma: no cover
        return c

    def require_method(self, method: str) -> None:
        if method not in self.profile.auth_methods:
            self.na(f"the profile does not list {method} in server.auth_methods")

    @property
    def default_method(self) -> str:
        return self.profile.auth_methods[0]

    # ------------------------------------------------------------ building requests
    def token_request(
        self,
        client: Client | None = None,
        method: str | None = None,
        *,
        scope: Sequence[str] | None = None,
        grant_type: str | None = "client_credentials",
        extra: Iterable[tuple[str, str]] = (),
        label: str = "",
    ) -> RequestBuilder:
        """A client credentials request; ``method`` is client_secret_basic/_post or None."""
        client = client or self.profile.confidential
        method = method or self.default_method
        b = RequestBuilder(label=label)
        if grant_type is not None:
            b.param("grant_type", grant_type)
        if scope is not None:
            b.param("scope", " ".join(scope))
        b.params_(extra)
        if method == "client_secret_basic":
            b.basic(client.client_id, client.require_secret)
        elif method == "client_secret_post":
            b.post_credentials(client.client_id, client.require_secret)
        return b

    # ------------------------------------------------------------ sending
    def send(self, request: RawRequest | RequestBuilder) -> Exchange:
        raw = request.build() if isinstance(request, RequestBuilder) else request
        return self.session.send(raw)

    async def send_many(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        return await self.session.send_many(requests, concurrency)

    # ------------------------------------------------------------ Hypothesis properties
    def run_property(self, prop: Callable[..., None], *, passed: str) -> None:
        """Run a Hypothesis-wrapped property whose body raises PropertyViolation.

        On success every requirement of the test gets one pass finding; on a violation the
        findings of the minimal (shrunk) example are recorded, with its exchange.
        """
        import hypothesis

        hypothesis.seed(self.seed)(prop)
        try:
            prop()
        except PropertyViolation as v:
            self.rec.findings.extend(
                [f for f in v.recorder.findings if f.verdict in (Verdict.FAIL, Verdict.ERROR,
                                                                 Verdict.WARN)]
            )
            return
        for rid in self.rids:
            self.rec.record(rid, Verdict.PASS, expected=passed,
                            observed=f"held for {self.examples} generated examples "
                                     f"(seed {self.seed})")

    def example_recorder(self) -> Recorder:
        return Recorder(test=self.item.nodeid)


def hypothesis_settings(examples: int) -> Any:
    import datetime

    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=examples,
        deadline=datetime.timedelta(seconds=10),
        database=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        report_multiple_bugs=False,
    )


