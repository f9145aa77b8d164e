"""Serve one benchmarked app with uvicorn on 127.0.0.1 (ephemeral port), the same settings for
every peer: one worker, h11, the asyncio loop, no access log, log level warning, no lifespan.
ASGI apps run as ``asgi3``; WSGI apps through uvicorn's own WSGI interface (``interface="wsgi"``,
a thread pool). Prints ``LISTENING <url>`` (see ``interop.servers.running``) and serves until
SIGTERM.

    CC_BENCH_PEER=reference python -m bench.serve
"""

from __future__ import annotations

import os

import uvicorn

from bench.peers import by_name
from interop.fixtures import announce, bind_loopback

#: The uvicorn settings every peer gets (reported in docs/benchmarks.md).
UVICORN_SETTINGS: dict[str, object] = {
    "workers": 1,
    "http": "h11",
    "loop": "asyncio",
    "access_log": False,
    "log_level": "warning",
    "lifespan": "off",
}


def main() -> None:
    peer = by_name(os.environ["CC_BENCH_PEER"])
    app = peer.build_app()
    sock = bind_loopback()
    config = uvicorn.Config(app, interface=peer.interface, **UVICORN_SETTINGS)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    announce(sock, peer.endpoint)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
