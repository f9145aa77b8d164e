"""A small hostile HTTP server on 127.0.0.1 (ephemeral port), run on its own event loop in a
thread. It answers the first ``normal_first`` requests like a token endpoint (so the suite's
preflight passes) and every later one with the behaviour named by ``mode``. It records every
request it receives (raw head and body), so a test can prove what was, or was not, sent, and
every access token it issues, so a test can prove none of them leaked.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import socket
import struct
import threading
import uuid
from dataclasses import dataclass, field
from functools import cache

MODES = ("normal", "slow", "trickle", "endless_chunked", "huge", "huge_declared", "gzip_bomb",
         "malformed_json", "wrong_content_type", "redirect", "non_http", "reset", "silent")


@cache
def gzip_bomb() -> bytes:
    """64 MiB of zeros, gzip-compressed to about 64 KiB."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


@dataclass
class Recorded:
    head: bytes
    body: bytes


@dataclass
class HostileServer:
    mode: str = "normal"
    normal_first: int = 1
    redirect_to: str = ""
    requests: list[Recorded] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> HostileServer:
        if self.mode not in MODES:
            raise ValueError(self.mode)
        if self.mode == "gzip_bomb":
            gzip_bomb()
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()

        async def boot() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            loop.run_until_complete(boot())
            loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"hostile-{self.mode}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("hostile server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        loop.close()
        self._loop = None

    # ------------------------------------------------------------------ connection handling
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                        ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                body = await reader.readexactly(length) if length else b""
                self.requests.append(Recorded(head, body))
                index = len(self.requests)
                mode = "normal" if index <= self.normal_first else self.mode
                keep = await self._respond(mode, head, body, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _respond(self, mode: str, head: bytes, body: bytes,
                       writer: asyncio.StreamWriter) -> bool:
        """Write the answer for ``mode``; False closes the connection."""
        if mode == "normal":
            token = uuid.uuid4().hex + uuid.uuid4().hex
            self.tokens.append(token)
            payload = json.dumps({"access_token": token,
                                  "token_type": "Bearer", "expires_in": 3600,
                                  "scope": "read"}).encode()
            writer.write(_response(200, payload, ctype="application/json",
                                   extra=[("Cache-Control", "no-store"),
                                          ("Pragma", "no-cache")]))
            await writer.drain()
            return True
        if mode == "slow":  # a correct answer, a tenth of a second late
            await asyncio.sleep(0.1)
            return await self._respond("normal", head, body, writer)
        if mode == "trickle":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            while True:  # one byte every 0.2 s: never idle long enough for a read timeout
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.2)
        if mode == "endless_chunked":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
            while True:
                writer.write(chunk)
                await writer.drain()
        if mode == "huge":  # no Content-Length: read to close, 6 MiB
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Connection: close\r\n\r\n")
            for _ in range(96):
                writer.write(b" " * 65536)
                await writer.drain()
            return False
        if mode == "huge_declared":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1073741824\r\n\r\n")
            await writer.drain()
            return False
        if mode == "gzip_bomb":
            writer.write(_response(200, gzip_bomb(), ctype="application/json",
                                   extra=[("Content-Encoding", "gzip")]))
            await writer.drain()
            return True
        if mode == "malformed_json":
            # Echoes the request (credentials included) inside broken JSON: the suite must
            # report the bad JSON and still never print the secret.
            payload = b'{"token_type": "Bearer", "echo": ' + head + body + b"\n"
            writer.write(_response(200, payload, ctype="application/json"))
            await writer.drain()
            return True
        if mode == "wrong_content_type":
            payload = b"<html><body>access_token=abc&token_type=Bearer</body></html>"
            writer.write(_response(200, payload, ctype="text/html"))
            await writer.drain()
            return True
        if mode == "redirect":
            writer.write(_response(307, b"", ctype="text/plain",
                                   extra=[("Location", self.redirect_to)]))
            await writer.drain()
            return True
        if mode == "non_http":
            writer.write(os.urandom(2048))
            await writer.drain()
            return False
        if mode == "reset":
            sock = writer.get_extra_info("socket")
            if sock is not None:  # SO_LINGER 0: close() sends RST, not FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if mode == "silent":
            await asyncio.Event().wait()  # accept, read the request, never answer
        raise AssertionError(mode)


def _response(status: int, body: bytes, *, ctype: str,
              extra: list[tuple[str, str]] | None = None) -> bytes:
    reason = {200: "OK", 307: "Temporary Redirect"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {ctype}",
             f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in extra or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
