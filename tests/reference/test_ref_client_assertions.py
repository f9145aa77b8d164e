"""reference_impl.client_assertions unit tests: what the suite cannot see from outside -- the
replay set forgets expired jti values, and each client's key is imported once."""

from __future__ import annotations

import time

from conformance import assertions
from reference_impl.client_assertions import CLOCK_SKEW_S, AssertionVerifier
from reference_impl.registry import demo_registry
from tests.demo import DEMO_ENV

AUD = "http://as.test/token"
SECRET = DEMO_ENV["CC_JWT_SECRET_CLIENT_SECRET"]


def _assertion(now: float, lifetime: int = 120) -> str:
    claims = assertions.claims("cc-jwt-secret-client", AUD, now=now, lifetime=lifetime)
    return assertions.sign(claims, assertions.secret_key(SECRET))


def test_valid_once_then_replay_refused() -> None:
    v = AssertionVerifier(demo_registry())
    now = time.time()
    token = _assertion(now)
    assert v.verify(token, audiences={AUD}, now=now) is not None
    assert v.verify(token, audiences={AUD}, now=now + 1) is None
    assert v.verify(token, audiences={"http://other.test/token"}, now=now) is None


def test_expired_jti_values_are_forgotten() -> None:
    v = AssertionVerifier(demo_registry())
    now = time.time()
    for i in range(5):
        assert v.verify(_assertion(now + i, lifetime=10), audiences={AUD}, now=now + i)
    assert len(v._seen) == 5
    later = now + 10 + CLOCK_SKEW_S + 100
    assert v.verify(_assertion(later), audiences={AUD}, now=later) is not None
    assert len(v._seen) == 1  # the five expired ones were dropped, oldest first
    assert list(v._keys) == ["cc-jwt-secret-client"]  # the key was imported once
