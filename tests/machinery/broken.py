"""Test-only: break a conformant app in one chosen way (drop a response header, add or change a
JSON member of a token response), to prove the suite reports the intended IDs. Built on the
fault set's response-rewriting middleware (tests/faults/wrappers.py)."""

from __future__ import annotations

from typing import Any

from tests.faults.wrappers import ASGIApp, Reply, Seen, rewrite


def breaking(app: Any, *, drop_headers: tuple[str, ...] = (),
             set_json: dict[str, object] | None = None) -> ASGIApp:
    def response(seen: Seen, reply: Reply) -> Reply:
        for name in drop_headers:
            reply = reply.set_header(name.lower(), None)
        if set_json and reply.status == 200:
            reply = reply.with_json({**(reply.json() or {}), **set_json})
        return reply

    return rewrite(app, response=response)
