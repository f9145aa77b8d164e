"""Run-time plumbing shared by the plugin and the suite: the session (target, event loop,
redactor, collected findings) and the per-test ``cc`` helper the suite's tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest

from conformance import assertions
from conformance.assertions import JWT_BEARER
from conformance.catalogue import Catalogue, load_catalogue
from conformance.checks import Recorder
from conformance.exchange import Exchange, parse_json_object
from conformance.exitstatus import run_status
from conformance.options import RunOptions
from conformance.profile import JWT_METHODS, MTLS_METHODS, Client
from conformance.redact import Redactor
from conformance.request import RawRequest, RequestBuilder, UnsendableRequest, check_sendable
from conformance.results import (
    Finding,
    RunResults,
    TestOutcome,
    Verdict,
    aggregate,
    apply_expectations,
)
from conformance.targets import Target, TargetError, make_target

T = TypeVar("T")
SEND_GRACE_S = 5.0
#: consecutive connection-level failures after which the target is taken to have stopped
#: answering: every later request fails at once instead of waiting out its own timeout, so a
#: server that dies mid-run costs seconds, not minutes. Refused, reset, non-HTTP and connect
#: timeouts always count. A timeout after connecting (read timeout, whole-exchange deadline)
#: counts only if no response at all arrived from the target while that request waited: a
#: server that completed another request meanwhile is slow, not dead (ConformanceSession.asend).
STOPPED_AFTER = 3
#: a burst keeps the queue it puts on the server within this share of the per-request deadline
#: (ConformanceSession.paced_concurrency)
PACING_SHARE = 0.5
#: how many recent solo latencies (a request alone in flight) the pacing takes the median of
LATENCY_SAMPLES = 25
BUDGET_EXHAUSTED = "run budget exhausted"
#: the client the plain-http probe names: it exists nowhere, so nothing secret crosses in clear
PROBE_CLIENT_ID = "cc-conformance-plain-http-probe-no-such-client"
PROBE_CLIENT_SECRET = "not-a-secret-plain-http-probe"  # noqa: S105 - deliberately not a secret
class Usual:
    """The type of :data:`USUAL`."""


#: ``CheckContext.token_request``'s default scope: the usual one (``usual_scope``)
USUAL = Usual()
#: how many of a property's exchanges a pass points at (the observation, not all examples)
PASS_EXCHANGES_SHOWN = 3


class BudgetExhausted(TargetError):
    """The whole-run time budget is spent: the remaining checks are ``error``."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"{BUDGET_EXHAUSTED} ({budget:g}s)")


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
        #: the first exchange of the run (over https: the verified TLS handshake's proof)
        self.preflight_exchange: Exchange | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.started = time.time()
        self.deadline = time.monotonic() + self.profile.run_budget
        self.budget_exhausted = False
        self.stopped_answering: str | None = None
        self._connection_failures = 0
        #: when the target last completed a response (time.monotonic), None before the first
        self._last_answer: float | None = None
        self._in_flight = 0
        self._started_count = 0
        #: seconds per exchange of recent requests that had the target to themselves
        self._solo_latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        #: timeouts not counted towards the breaker: something else answered meanwhile
        self.slow_timeouts = 0
        #: generated requests a property dropped (hypothesis.reject) as unsendable over HTTP/1.1
        self.unsendable_rejected = 0
        #: how bursts were paced: one line per burst whose concurrency was lowered
        self.pacing: list[str] = []
        #: where certificates generated for probes live during the run (removed by close)
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def scratch_dir(self) -> Path:
        """A private folder (mode 0700) for files the run generates, such as the keys of
        probe certificates; deleted when the session closes."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="cc-conformance-")
        return Path(self._scratch.name)

    # ---------------------------------------------------------------- budget
    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check_budget(self) -> None:
        """Raise :class:`BudgetExhausted` once the run budget is spent."""
        if self.budget_exhausted or self.remaining() <= 0:
            self.budget_exhausted = True
            raise BudgetExhausted(self.profile.run_budget)

    @property
    def incomplete(self) -> bool:
        """The run could not judge everything because of the target (budget, stopped)."""
        return self.budget_exhausted or self.stopped_answering is not None

    def notes(self) -> list[str]:
        """Transport facts the results must state (insecure TLS, plain http, cut-short run)."""
        out = []
        p = self.profile
        tls = getattr(self.target, "tls_verification", None)
        if tls == "none":
            out.append("WARNING: --insecure: the TLS certificate of the target was NOT verified; "
                       "anyone on the path could have impersonated it (RFC 6749 §10.3)")
        elif tls == "ca-bundle":
            out.append(f"TLS certificate verified against the CA bundle {p.ca_bundle} only")
        if (self.target is not None and self.target.kind == "url" and not self.target.uses_tls
                and not self.target.is_loopback):
            out.append("WARNING: --allow-insecure-http: plain http to a non-loopback host; client "
                       "secrets crossed the network unencrypted (RFC 6749 §3.2)")
        if self.stopped_answering:
            out.append(f"target stopped answering mid-run: {self.stopped_answering}")
        if self.budget_exhausted:
            out.append(f"{BUDGET_EXHAUSTED}: the {p.run_budget:g}s run budget ran out; "
                       "the remaining checks are errors")
        out.extend(self.pacing)
        return out

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
        return make_target(self.options.target, timeout=self.profile.timeout,
                           transport=self.profile.transport)

    def preflight(self) -> None:
        """One harmless request: is the target there and does it speak HTTP?"""
        if self.target_error or self.target is None:
            return
        try:
            self.preflight_exchange = self.send(
                RequestBuilder(label="preflight").param("grant_type", "client_credentials")
                .build())
        except TargetError as exc:
            self.target_error = str(exc)

    def probe_plain_http(self) -> tuple[str, Exchange | None, str]:
        """RFC 6749 §3.2: ask the plain-http twin of an https endpoint for a token as a client
        that does not exist (the suite never sends a real secret without TLS). Returns (the
        twin URL, its exchange or None, why there was none)."""
        from conformance.targets.http import plain_http_twin, probe_plain_http

        url = self.profile.plain_http_url or plain_http_twin(str(self.options.target.value))
        raw = (RequestBuilder(label="plain-http twin (client that does not exist)")
               .param("grant_type", "client_credentials")
               .basic(PROBE_CLIENT_ID, PROBE_CLIENT_SECRET).build())
        try:
            return url, self.run(probe_plain_http(url, raw, self.profile.transport),
                                 timeout=self.profile.request_timeout + SEND_GRACE_S), ""
        except TargetError as exc:
            return url, None, str(exc)
        except TimeoutError:
            return url, None, "no answer within the request timeout"

    def run(self, coro: Any, timeout: float | None = None) -> Any:
        assert self._loop is not None
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout=timeout)

    def submit(self, coro: Any) -> Future[Any]:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
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
        """Send one request. Raises :class:`UnsendableRequest` (nothing sent, no effect on the
        breaker) for a request HTTP/1.1 cannot carry as built, :class:`TargetError` when the
        target fails.

        The "stopped answering" breaker: :data:`STOPPED_AFTER` consecutive connection-level
        failures trip it. A refusal, reset, non-HTTP answer or connect timeout always counts.
        A timeout after connecting counts only when no response at all completed while this
        request waited (from its start to its timeout): a silent or dead server completes
        nothing, so it still trips after a few timeouts; a slow server working through a
        queue completes others meanwhile, so its timeouts stay errors of their own checks but
        never end the run. Any complete response resets the count."""
        if self.target is None:
            raise TargetError(self.target_error or "no target")
        check_sendable(request)  # the targets check too; here it also guards foreign targets
        if self.stopped_answering:
            raise TargetError(f"target stopped answering: {self.stopped_answering}")
        self.check_budget()
        solo = self._in_flight == 0
        self._in_flight += 1
        self._started_count += 1
        seq = self._started_count
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.remaining()):
                ex = await self.target.send(request)
        except TimeoutError as exc:
            self.budget_exhausted = True
            raise BudgetExhausted(self.profile.run_budget) from exc
        except TargetError as exc:
            if exc.connection:
                self._count_failure(exc, started)
            raise
        finally:
            self._in_flight -= 1
        now = time.monotonic()
        if solo and seq == self._started_count:  # nothing else was in flight at any point
            self._solo_latencies.append(now - started)
        self._last_answer = now
        self._connection_failures = 0
        return self._observe(ex)

    def _count_failure(self, exc: TargetError, started: float) -> None:
        if exc.timeout and self._last_answer is not None and self._last_answer > started:
            self.slow_timeouts += 1  # slow, not dead: another request completed meanwhile
            return
        self._connection_failures += 1
        if self._connection_failures >= STOPPED_AFTER and not self.stopped_answering:
            self.stopped_answering = (f"{STOPPED_AFTER} consecutive connection "
                                      f"failures, the last: {exc}")

    # ---------------------------------------------------------------- pacing
    def request_deadline(self) -> float:
        """How long one queued request may wait for its answer: for a URL target the read
        timeout (it bounds the wait for the response head) within the whole-exchange deadline;
        for an in-process target the whole-exchange deadline."""
        t = self.profile.transport
        if self.target is not None and self.target.kind == "url":
            return min(t.read, t.total)
        return t.total

    def typical_latency(self) -> float | None:
        """Median seconds per exchange over the last :data:`LATENCY_SAMPLES` requests that had
        the target to themselves (None before the first)."""
        return statistics.median(self._solo_latencies) if self._solo_latencies else None

    def paced_concurrency(self, requested: int, throughput: float | None = None) -> int:
        """How many requests of a burst may be in flight: ``floor(PACING_SHARE * D * X)``,
        clamped to 1..``requested``, with D :meth:`request_deadline` and X the target's
        throughput in answers per second: ``throughput`` when measured (the burst's own
        answers so far), else ``1 / L`` with L :meth:`typical_latency`, which assumes the
        worst case of a server that handles one request at a time.

        By Little's law a request entering a queue of c requests served at X per second waits
        about c / X, so c <= 0.5 * D * X keeps the wait within half the deadline (the other
        half absorbs a server that slows down under the burst). A fast server (milliseconds
        per request) gets the requested concurrency; one that takes 0.3 s per request, one at
        a time, against a 5 s read timeout gets 8. No latency measured yet: ``requested``."""
        requested = max(1, requested)
        if throughput is None:
            latency = self.typical_latency()
            if not latency:
                return requested
            throughput = 1 / latency
        return max(1, min(requested, int(PACING_SHARE * self.request_deadline() * throughput)))

    def send(self, request: RawRequest) -> Exchange:
        # asend bounds itself (request timeout, run budget); the grace only guards against a
        # wedged event loop.
        fut = self.submit(self.asend(request))
        try:
            return fut.result(timeout=self.profile.request_timeout + SEND_GRACE_S)
        except TimeoutError as exc:
            fut.cancel()
            raise TargetError("request did not complete (event loop stalled)") from exc

    async def _gather(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        """The burst behind :meth:`send_many`: every request waits for a free slot, and the
        number of slots is recomputed (:meth:`paced_concurrency`) whenever one frees, from the
        throughput measured over the burst so far."""
        cond = asyncio.Condition()
        t0 = time.monotonic()
        state = {"in_flight": 0, "answered": 0, "peak": 0}

        def limit() -> int:
            elapsed = time.monotonic() - t0
            measured = state["answered"] / elapsed if state["answered"] and elapsed > 0 else None
            return self.paced_concurrency(concurrency, measured)

        async def one(r: RawRequest) -> Exchange:
            async with cond:
                await cond.wait_for(lambda: state["in_flight"] < limit())
                state["in_flight"] += 1
                state["peak"] = max(state["peak"], state["in_flight"])
            try:
                ex = await self.asend(r)
                state["answered"] += 1
                return ex
            finally:
                async with cond:
                    state["in_flight"] -= 1
                    cond.notify_all()

        # return_exceptions: every task is awaited and its outcome retrieved (no "exception was
        # never retrieved" noise); the first failure is then raised as the check's error.
        done = await asyncio.gather(*(one(r) for r in requests), return_exceptions=True)
        peak = state["peak"]
        if peak < min(concurrency, len(requests)):
            latency = self.typical_latency() or 0.0
            self.pacing.append(
                f"a burst of {len(requests)} requests ran at most {peak} at a time, not "
                f"{concurrency}: the target answered {state['answered']} in "
                f"{time.monotonic() - t0:.1f} s (median alone: {latency:.2f} s) against a "
                f"{self.request_deadline():g} s per-request deadline")
        for item in done:
            if isinstance(item, BaseException):
                raise item
        return list(done)  # type: ignore[arg-type]

    async def send_many(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        """Send ``requests`` with at most ``concurrency`` in flight, paced to the target.

        Awaitable from any event loop: the burst itself runs on the target's loop. Pacing rule
        (:meth:`paced_concurrency`): at most ``floor(0.5 * D * X)`` requests are in flight
        (1..``concurrency``), D the per-request deadline and X the target's throughput: first
        ``1 / median latency of requests sent alone``, then the answers per second of the
        burst itself. A queued request then waits about half the deadline at most, so a slow
        but alive server is not taken for a dead one; a fast one gets the full concurrency.
        A burst that ran below ``concurrency`` says so in the run's notes."""
        return await asyncio.wrap_future(self.submit(self._gather(requests, concurrency)))

    # ---------------------------------------------------------------- findings
    def all_findings(self) -> list[Finding]:
        out: list[Finding] = []
        for r in self.recorders:
            out.extend(r.findings)
        out.extend(self.extra_findings)
        return out

    def run_notes(self) -> list[str]:
        """What the results and the console must say about this run besides verdicts."""
        notes = []
        if self.target_error is not None:
            notes.append(f"target unreachable: {self.target_error}")
        notes.extend(self.notes())
        if self.options.target.kind == "grant":
            notes.append("grant target: the grant is hosted in reference_impl's TokenEndpoint, "
                         "which enforced the transport rules (RFC 6749 §2.3, §3.1, §3.2: POST, "
                         "form body, repeated and empty parameters, credentials in the query, "
                         "one authentication method, HTTP Basic parsing) before the grant ran; "
                         "findings on those rules describe the host, not the grant")
        return notes

    def build_results(self, *, pytest_status: int, started: str,
                      duration_s: float) -> RunResults:
        """The run's results: per-requirement verdicts, expected findings and exit status."""
        opts = self.options
        findings = self.all_findings()
        reqs = aggregate(self.catalogue, findings, self.profile.spec, strict=opts.strict)
        expectations = None
        if opts.expectations is not None:
            expectations = apply_expectations(
                reqs, list(opts.expectations.entries), source=opts.expectations.source,
                target=opts.target_name, run_targets=opts.all_targets, selected=opts.select)
        status = run_status(reqs.values(), unreachable=self.target_error is not None,
                            incomplete=self.incomplete, expectations=expectations,
                            pytest_status=pytest_status)
        return RunResults(
            catalogue=self.catalogue, spec_profile=self.profile.spec, strict=opts.strict,
            seed=self.seed, target_kind=opts.target.kind,
            target_location=opts.target.location, findings=findings, tests=self.tests,
            requirements=reqs, exit_status=status, started=started, duration_s=duration_s,
            selected_requirements=sorted(opts.select) if opts.select else None,
            notes=self.run_notes(), target_name=opts.target_name, expectations=expectations,
        )


class PropertyViolation(AssertionError):
    """Raised inside a Hypothesis property so Hypothesis shrinks to a minimal request."""

    def __init__(self, recorder: Recorder) -> None:
        lines = [f"{f.requirement}: {f.verdict.value}: {f.reason}" for f in recorder.failed]
        super().__init__("; ".join(lines))
        self.recorder = recorder


class CheckContext:
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
        self._examples: list[Recorder] = []

    # ------------------------------------------------------------ fixtures / applicability
    def na(self, reason: str, rids: Iterable[str] | None = None) -> NoReturn:
        """Record not_applicable for the test's requirements and skip (never a pass)."""
        self.rec.not_applicable(self.rids if rids is None else rids, reason)
        pytest.skip(f"not applicable: {reason}")

    def client(self, role: str) -> Client:
        c = self.profile.client(role)
        if c is None:
            self.na(f"the profile declares no '{role}' client (clients.{role})")
        return c

    def require_method(self, method: str) -> None:
        if method not in self.profile.auth_methods:
            self.na(f"the profile does not list {method} in server.auth_methods")

    @property
    def default_method(self) -> str:
        return self.profile.auth_methods[0]

    # ------------------------------------------------------------ building requests
    def usual_scope(self) -> list[str] | None:
        """The scope a request that should succeed carries. None (scope omitted) when the
        server applies a default to an omitted scope (``scopes.omitted_policy = "default"``);
        otherwise the first allowed scope: RFC 6749 §3.3 lets a server answer an omitted scope
        with invalid_scope, and such a server would refuse every "valid" request for that
        reason alone (a false failure), and every refusal probe too (a pass for the wrong
        reason). Only the scope checks themselves omit the scope on purpose."""
        sc = self.profile.scopes
        if sc.omitted_policy != "default" and sc.allowed:
            return [sc.allowed[0]]
        return None

    def grant_request(self, *, label: str = "") -> RequestBuilder:
        """grant_type=client_credentials and the usual scope (:meth:`usual_scope`), no client
        authentication: the start of a probe that authenticates in a way of its own."""
        b = RequestBuilder(label=label).param("grant_type", "client_credentials")
        scope = self.usual_scope()
        if scope:
            b.param("scope", " ".join(scope))
        return b

    def token_request(
        self,
        client: Client | None = None,
        method: str | None = None,
        *,
        scope: Sequence[str] | Usual | None = USUAL,
        grant_type: str | None = "client_credentials",
        extra: Iterable[tuple[str, str]] = (),
        label: str = "",
    ) -> RequestBuilder:
        """A client credentials request; ``method`` is one of the profile's authentication
        methods (client_secret_basic/_post, private_key_jwt, client_secret_jwt,
        tls_client_auth, self_signed_tls_client_auth) or None. A JWT method authenticates the
        client of the same role with a fresh, valid assertion; an mTLS method sends its
        client_id and presents its certificate. ``scope``: the usual scope unless given
        (:meth:`usual_scope`); None omits it."""
        if isinstance(scope, Usual):
            scope = self.usual_scope()
        method = method or self.default_method
        if method in JWT_METHODS and (client is None or client.signing_key is None):
            client = self.client(method)
        if method in MTLS_METHODS and (client is None or client.cert is None):
            client = self.client(method)
        client = client or self.profile.confidential
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
        elif method in JWT_METHODS:
            b.param("client_assertion_type", JWT_BEARER)
            b.param("client_assertion", self.assertion(client))
        elif method in MTLS_METHODS:
            # RFC 8705 §2: the certificate authenticates; client_id says whose it is
            b.param("client_id", client.client_id).tls_client(client.cert)
        return b

    # ------------------------------------------------------------ JWT client assertions
    @property
    def assertion_audience(self) -> str:
        """What a client assertion's ``aud`` names (RFC 7523 §3 item 3): the profile's
        ``server.assertion_audience``, else the token endpoint URL the requests go to."""
        if self.profile.assertion_audience:
            return self.profile.assertion_audience
        target = self.session.target
        assert target is not None, "no target"
        return target.token_url

    def assertion_claims(self, client: Client, **changes: object) -> dict[str, object]:
        """The claims of a valid assertion for ``client``, with ``changes`` applied (a value
        of None removes that claim)."""
        c: dict[str, object] = assertions.claims(client.client_id, self.assertion_audience)
        for name, value in changes.items():
            if value is None:
                c.pop(name, None)
            else:
                c[name] = value
        return c

    def assertion(self, client: Client, payload: dict[str, object] | None = None) -> str:
        """A client assertion signed with the client's own key (valid unless ``payload`` makes
        it otherwise)."""
        if client.signing_key is None:
            raise ValueError(f"client {client.role} has no signing key")
        return assertions.sign(payload or self.assertion_claims(client), client.signing_key)

    # ------------------------------------------------------------ sending
    def send(self, request: RawRequest | RequestBuilder) -> Exchange:
        """Send one request. Inside a Hypothesis property, a generated request HTTP/1.1 cannot
        carry as built is rejected (``hypothesis.reject``: no verdict, another example is
        drawn); anywhere else :class:`UnsendableRequest` propagates: a bug of the suite, which
        the plugin reports as a suite limitation, never as a target error."""
        raw = request.build() if isinstance(request, RequestBuilder) else request
        try:
            return self.session.send(raw)
        except UnsendableRequest:
            self._reject_in_property()
            raise

    async def send_many(self, requests: Sequence[RawRequest], concurrency: int) -> list[Exchange]:
        try:
            return await self.session.send_many(requests, concurrency)
        except UnsendableRequest:
            self._reject_in_property()
            raise

    def _reject_in_property(self) -> None:
        import hypothesis

        if hypothesis.currently_in_test_context():
            self.session.unsendable_rejected += 1
            hypothesis.reject()

    # ------------------------------------------------------------ Hypothesis properties
    def run_property(self, prop: Callable[..., None], *, passed: str) -> None:
        """Run a Hypothesis-wrapped property whose body raises PropertyViolation.

        Each example judges its response on its own :meth:`example_recorder`. On a violation
        the findings of the minimal (shrunk) example are recorded, with its exchange. When the
        property holds, a requirement gets a pass only if some example actually checked it
        (pointing at a few of those exchanges); a requirement no example reached is
        not_applicable, never a pass. Warnings and info findings raised by examples that did
        not violate the property are kept (the first of each requirement and reason).
        """
        import hypothesis

        self._examples = []
        hypothesis.seed(self.seed)(prop)
        try:
            prop()
        except BaseExceptionGroup as group:  # e.g. Hypothesis' FlakyFailure around a timeout
            target_errors = group.subgroup(TargetError)
            if target_errors is not None:
                raise _first_leaf(target_errors) from None
            raise
        except PropertyViolation as v:
            self.rec.findings.extend(
                [f for f in v.recorder.findings if f.verdict in (Verdict.FAIL, Verdict.ERROR,
                                                                 Verdict.WARN)]
            )
            self._keep_notes(self._examples, exclude=v.recorder)
            return
        finally:
            examples, self._examples = self._examples, []
        self._keep_notes(examples)
        passes: dict[str, list[Finding]] = {}
        for rec in examples:
            for f in rec.findings:
                if f.verdict == Verdict.PASS:
                    passes.setdefault(f.requirement, []).append(f)
        for rid in dict.fromkeys([*self.rids, *passes]):
            held = passes.get(rid)
            if not held:
                if rid in self.rids:
                    self.rec.not_applicable([rid], f"none of the {len(examples)} generated "
                                            f"examples (seed {self.seed}) exercised this rule")
                continue
            shown: list[Exchange] = []
            for f in held:
                for ex in f.exchanges:
                    if ex not in shown and len(shown) < PASS_EXCHANGES_SHOWN:
                        shown.append(ex)
            self.rec.record(rid, Verdict.PASS, expected=passed,
                            observed=f"held in {len(held)} checks over {len(examples)} "
                                     f"generated examples (seed {self.seed})",
                            exchanges=shown)

    def _keep_notes(self, examples: Sequence[Recorder], exclude: Recorder | None = None) -> None:
        """Keep the warn/info findings of the examples (the first per requirement, verdict and
        reason, so 25 identical warnings make one)."""
        seen: set[tuple[str, str, str]] = set()
        for rec in examples:
            if rec is exclude:
                continue
            for f in rec.findings:
                key = (f.requirement, f.verdict.value, f.reason)
                if f.verdict in (Verdict.WARN, Verdict.INFO) and key not in seen:
                    seen.add(key)
                    self.rec.findings.append(f)

    def example_recorder(self) -> Recorder:
        rec = Recorder(test=self.item.nodeid, promised=set(self.rec.promised))
        self._examples.append(rec)
        return rec


def _first_leaf(group: BaseExceptionGroup[Any]) -> BaseException:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def hypothesis_settings(examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=examples,
        # No per-example deadline: the transport bounds every request (request timeout, run
        # budget); a deadline would turn a slow target into a flaky DeadlineExceeded error.
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        report_multiple_bugs=False,
    )


