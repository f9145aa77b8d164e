"""A small threaded WSGI server on a pre-bound loopback socket (stdlib wsgiref)."""

from __future__ import annotations

import signal
import socket
import socketserver
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from interop.fixtures import announce


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log (it would only repeat the suite's own record)."""


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_wsgi(app: Callable[..., Any], sock: socket.socket, path: str) -> None:
    """Serve ``app`` on ``sock`` (already bound and listening) until SIGTERM/SIGINT."""
    server = _ThreadingWSGIServer(sock.getsockname(), _QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = server.server_address[:2]
    server.setup_environ()
    server.set_app(app)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    announce(sock, path)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


def serve_asgi(app: Any, sock: socket.socket, path: str) -> None:
    """Serve an ASGI ``app`` with uvicorn on ``sock`` until SIGTERM/SIGINT."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    announce(sock, path)
    server.run(sockets=[sock])
