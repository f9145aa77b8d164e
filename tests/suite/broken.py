"""Test-only: ASGI middleware that breaks a conformant app in one chosen way (drop a response
header, add or change a JSON member). Used to prove the suite reports the intended IDs."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]


def breaking(app: Any, *, drop_headers: tuple[str, ...] = (),
             set_json: dict[str, object] | None = None) -> Callable[..., Awaitable[None]]:
    drop = {h.lower().encode() for h in drop_headers}

    async def wrapped(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            data = bytes(body)
            if set_json and start.get("status") == 200:
                obj = json.loads(data)
                obj.update(set_json)
                data = json.dumps(obj).encode()
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() not in drop and k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(data)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await app(scope, receive, capture)

    return wrapped
