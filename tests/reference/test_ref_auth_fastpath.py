"""The validator's authentication path: cache hits answered on the event loop, misses verified
in a worker thread, concurrent misses for the same credentials sharing one verification."""

from __future__ import annotations

import asyncio
import threading

import pytest

from reference_impl.common import Request
from reference_impl.registry import Client, ClientRegistry
from reference_impl.registry_validator import RegistryRequestValidator

from .conftest import CODE_ONLY_ID, DEMO_ID, DEMO_SECRET, PUBLIC_ID


class CountingRegistry(ClientRegistry):
    """Counts calls of the hashing path and the threads they ran on."""

    def __init__(self, base: ClientRegistry, gate: threading.Event | None = None) -> None:
        self.__dict__.update(base.__dict__)
        self.calls = 0
        self.threads: set[int] = set()
        self.gate = gate

    def authenticate(self, client_id: str | None, secret: str | None) -> Client | None:
        self.calls += 1
        self.threads.add(threading.get_ident())
        if self.gate is not None:
            self.gate.wait(5)
        return super().authenticate(client_id, secret)


def _request(client_id: str | None, secret: str | None) -> Request:
    request = Request("/token")
    request.client_id, request.client_secret = client_id, secret
    return request


def test_cached_is_a_hit_only_for_verified_credentials(fast_registry: ClientRegistry) -> None:
    assert fast_registry.cached(DEMO_ID, DEMO_SECRET) is None  # not verified yet
    assert fast_registry.authenticate(DEMO_ID, DEMO_SECRET) is not None
    assert fast_registry.cached(DEMO_ID, DEMO_SECRET) is fast_registry.get(DEMO_ID)
    assert fast_registry.cached(DEMO_ID, DEMO_SECRET + "x") is None
    assert fast_registry.cached(DEMO_ID, None) is None
    assert fast_registry.cached(PUBLIC_ID, "") is None
    assert fast_registry.cached("nobody", DEMO_SECRET) is None


def test_verification_keys_separate_credentials(fast_registry: ClientRegistry) -> None:
    key = fast_registry.verification_key
    assert key(DEMO_ID, DEMO_SECRET) == key(DEMO_ID, DEMO_SECRET)
    assert key(DEMO_ID, DEMO_SECRET) != key(DEMO_ID, DEMO_SECRET + "x")
    assert key(DEMO_ID, None) != key(DEMO_ID, "")
    assert DEMO_SECRET.encode() not in key(DEMO_ID, DEMO_SECRET)


async def test_hit_stays_on_the_loop_miss_goes_to_a_thread(
        fast_registry: ClientRegistry) -> None:
    registry = CountingRegistry(fast_registry)
    validator = RegistryRequestValidator(registry)
    assert await validator.authenticate_client(_request(DEMO_ID, DEMO_SECRET))
    assert registry.calls == 1 and threading.get_ident() not in registry.threads
    for _ in range(5):
        request = _request(DEMO_ID, DEMO_SECRET)
        assert await validator.authenticate_client(request)
        assert request.client.client_id == DEMO_ID
    assert registry.calls == 1  # every later request was a cache hit


async def test_concurrent_misses_share_one_verification(fast_registry: ClientRegistry) -> None:
    gate = threading.Event()
    registry = CountingRegistry(fast_registry, gate)
    validator = RegistryRequestValidator(registry)
    tasks = [asyncio.create_task(validator.authenticate_client(_request(DEMO_ID, DEMO_SECRET)))
             for _ in range(20)]
    wrong = [asyncio.create_task(validator.authenticate_client(_request(DEMO_ID, "wrong")))
             for _ in range(5)]
    await asyncio.sleep(0.05)
    gate.set()
    assert all(await asyncio.gather(*tasks))
    assert not any(await asyncio.gather(*wrong))
    assert registry.calls == 2  # one per distinct credentials
    assert validator._verifying == {}
    # a failure is not cached: the next wrong attempt verifies again
    assert not await validator.authenticate_client(_request(DEMO_ID, "wrong"))
    assert registry.calls == 3


async def test_a_cancelled_caller_does_not_cancel_the_others(
        fast_registry: ClientRegistry) -> None:
    gate = threading.Event()
    registry = CountingRegistry(fast_registry, gate)
    validator = RegistryRequestValidator(registry)
    first = asyncio.create_task(validator.authenticate_client(_request(DEMO_ID, DEMO_SECRET)))
    second = asyncio.create_task(validator.authenticate_client(_request(DEMO_ID, DEMO_SECRET)))
    await asyncio.sleep(0.02)
    first.cancel()
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second
    assert registry.calls == 1


async def test_a_verification_of_another_event_loop_is_not_shared(
        fast_registry: ClientRegistry) -> None:
    validator = RegistryRequestValidator(fast_registry)
    key = fast_registry.verification_key(CODE_ONLY_ID, "x")
    other_loop = asyncio.new_event_loop()
    try:
        stale: asyncio.Future[Client | None] = other_loop.create_future()
        validator._verifying[key] = stale
        assert not await validator.authenticate_client(_request(CODE_ONLY_ID, "x"))
        assert validator._verifying.get(key) is None  # replaced, then forgotten when done
        validator._verifying[key] = other_loop.create_future()
        validator._forget(key, stale)  # a finished stale future never drops a newer entry
        assert key in validator._verifying
    finally:
        other_loop.close()


def test_authentication_works_across_event_loops(fast_registry: ClientRegistry) -> None:
    validator = RegistryRequestValidator(fast_registry)
    for _ in range(2):
        assert asyncio.run(validator.authenticate_client(_request(DEMO_ID, "nope"))) is False
        assert asyncio.run(validator.authenticate_client(_request(DEMO_ID, DEMO_SECRET)))
