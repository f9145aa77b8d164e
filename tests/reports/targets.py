"""Test-only targets for the report tests (importable as module:attr by the CLI).

``broken`` is the reference without Cache-Control (so RFC6749-5.1-no-store fails and the report
has a failure to explain). ``recorded`` is the same, and also appends every access token it
issues to the file named by ``CC_TEST_TOKEN_LOG``, so a test can prove none of them leaks.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from typing import Any

from reference_impl.asgi import create_app
from tests.machinery.broken import breaking

Message = MutableMapping[str, Any]

broken = breaking(create_app(), drop_headers=("cache-control",))


async def recorded(scope: Message, receive: Any, send: Any) -> None:
    body = bytearray()

    async def spy(message: Message) -> None:
        if message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                _log_token(bytes(body))
        await send(message)

    await broken(scope, receive, spy if scope["type"] == "http" else send)


def _log_token(body: bytes) -> None:
    try:
        obj = json.loads(body)
    except ValueError:
        return
    token = obj.get("access_token") if isinstance(obj, dict) else None
    log = os.environ.get("CC_TEST_TOKEN_LOG")
    if isinstance(token, str) and log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(token + "\n")
