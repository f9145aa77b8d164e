"""The URL transport tells our own unsendable request apart from a broken target."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance.request import RawRequest
from conformance.targets import TargetError
from conformance.targets._httpx import send_httpx


async def test_unsendable_header_is_not_a_target_failure() -> None:
    """h11 refuses a header value with a trailing blank before anything is sent. That must not
    count towards "the target stopped answering", and the error must not quote the value."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient() as client:
            with pytest.raises(TargetError) as info:
                await send_httpx(client, f"http://127.0.0.1:{port}/token",
                                 RawRequest(headers=(("Authorization", "Basic s3cr3t-value "),),
                                            body=b"grant_type=client_credentials"))
    finally:
        server.close()
        await server.wait_closed()
    assert info.value.connection is False
    assert "s3cr3t-value" not in str(info.value)
    assert "could not encode this request" in str(info.value)
