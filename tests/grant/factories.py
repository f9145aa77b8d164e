"""Test-only grant factories: broken ones (exit 2) and instrumented ones (threads)."""

from __future__ import annotations

import threading
from typing import Any

from oauthlib.oauth2 import ClientCredentialsGrant

from examples.grants.oauthlib_grant import DemoRequestValidator

NOT_A_FACTORY = 42


def not_a_grant() -> object:
    return object()


def raises() -> object:
    raise RuntimeError("factory exploded")


def triple() -> tuple[object, object, object]:
    return object(), object(), object()


def bad_handler() -> tuple[object, object]:
    from examples.grants.reference_grant import make_grant

    grant, _ = make_grant()
    return grant, object()


class ThreadRecordingValidator(DemoRequestValidator):
    """Records the thread each authenticate_client call ran in."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        self.threads.append(threading.get_ident())
        return super().authenticate_client(request, *args, **kwargs)


def recording_oauthlib_grant() -> ClientCredentialsGrant:
    return ClientCredentialsGrant(request_validator=ThreadRecordingValidator())


class SyncSeedGrant:
    """A seed-API grant with a plain (sync) create_token_response."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, Any, Any]] = []

    def create_token_response(self, request: Any, token_handler: Any
                              ) -> tuple[dict[str, str], str, int]:
        self.calls.append((threading.get_ident(), request, token_handler))
        return {"Content-Type": "application/json"}, '{"error": "invalid_request"}', 400


def sync_seed_grant() -> SyncSeedGrant:
    return SyncSeedGrant()
