"""The URL transport tells our own unsendable request apart from a broken target."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance.request import RawRequest, UnsendableRequest
from conformance.targets._httpx import send_httpx


async def test_unsendable_header_is_not_a_target_failure() -> None:
    """h11 refuses a header value with a trailing blank: the transport refuses it first, with
    UnsendableRequest (a suite limitation, not a TargetError, so never the breaker's business),
    before any connection; the error does not quote the value."""
    accepted: list[object] = []
    server = await asyncio.start_server(lambda r, w: accepted.append(w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient() as client:
            with pytest.raises(UnsendableRequest) as info:
                await send_httpx(client, f"http://127.0.0.1:{port}/token",
                                 RawRequest(headers=(("Authorization", "Basic s3cr3t-value "),),
                                            body=b"grant_type=client_credentials"))
    finally:
        server.close()
        await server.wait_closed()
    assert accepted == []  # nothing reached the server
    assert "s3cr3t-value" not in str(info.value)
    assert str(info.value).startswith("suite limitation:")
    assert "header 'Authorization': value has leading or trailing whitespace" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
