"""A uvicorn server for the reference on 127.0.0.1, started and always stopped by a fixture.

The listening socket is bound (port 0) and put into listen state *before* uvicorn starts, so the
port is known up front and connections made while uvicorn is still starting wait in the
backlog instead of being refused. uvicorn runs in a thread (``Server.run(sockets=[...])``; it
installs no signal handlers off the main thread) and is stopped with ``should_exit`` in the
fixture's ``finally``, even when the test failed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


class _Server(uvicorn.Server):
    """uvicorn.Server that tells the fixture when startup has finished."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    def run_then_release(self, sock: socket.socket) -> None:
        try:
            self.run(sockets=[sock])
        finally:
            self.ready.set()  # never leave the fixture waiting on a server that died


@dataclass(frozen=True, slots=True)
class Served:
    base_url: str
    port: int

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"


@contextlib.contextmanager
def serve_in_thread(app: object, name: str, *, lifespan: str = "on") -> Iterator[Served]:
    """``app`` (an ASGI app or ``module:attr``) served by uvicorn on 127.0.0.1:<ephemeral
    port> in a thread; always stopped, even when the test failed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                            loop="asyncio", lifespan=lifespan, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=5)
    server = _Server(config)
    thread = threading.Thread(target=server.run_then_release, args=(sock,), name=name,
                              daemon=True)
    thread.start()
    try:
        if not server.ready.wait(START_TIMEOUT_S) or not server.started:
            pytest.fail(f"uvicorn did not start within {START_TIMEOUT_S:.0f}s "
                        f"(thread alive: {thread.is_alive()})")
        yield Served(base_url=f"http://127.0.0.1:{port}", port=port)
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def reference_server() -> Iterator[Served]:
    """``reference_impl.asgi:app`` served by uvicorn on 127.0.0.1:<ephemeral port>."""
    with serve_in_thread("reference_impl.asgi:app", "uvicorn-reference") as served:
        yield served
