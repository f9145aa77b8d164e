"""Serve one benchmarked app with uvicorn on 127.0.0.1 (ephemeral port), the same settings for
every peer: one worker, h11, the asyncio loop, no access log, log level warning, no lifespan.
ASGI apps run as ``asgi3``; WSGI apps through uvicorn's own WSGI interface (``interface="wsgi"``,
a thread pool). Prints ``LISTENING <url>`` (see ``interop.servers.running``) and serves until
SIGTERM.

    CC_BENCH_PEER=reference python -m bench.serve
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import replace

import uvicorn

from bench.peers import by_name
from interop.fixtures import announce, bind_loopback
from interop.servers import ServerSpec, running_process

#: The uvicorn settings every peer gets (reported in docs/benchmarks.md).
UVICORN_SETTINGS: dict[str, object] = {
    "workers": 1,
    "http": "h11",
    "loop": "asyncio",
    "access_log": False,
    "log_level": "warning",
    "lifespan": "off",
}


@contextlib.contextmanager
def served_process(peer: ServerSpec, env: Mapping[str, str]
                   ) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``peer`` under uvicorn with the settings every server gets, in its own process (this
    module); yields its token endpoint URL and the process, and always stops it."""
    with running_process(replace(peer, module="bench.serve"),
                         {**env, "CC_BENCH_PEER": peer.name}) as served:
        yield served


@contextlib.contextmanager
def served(peer: ServerSpec, env: Mapping[str, str]) -> Iterator[str]:
    """:func:`served_process`, the URL only."""
    with served_process(peer, env) as (url, _):
        yield url


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
