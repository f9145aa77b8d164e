"""The peer servers (the one list, shared by ``make interop`` and ``make bench``) and how to
start and stop them."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerSpec:
    """One server, for ``make interop`` and ``make bench`` alike: ``module`` is run with
    ``python -m`` and prints ``LISTENING <url>``; ``app`` (``module:factory``) builds the same
    ASGI/WSGI app in-process (the factory the server module serves), for the benchmarks."""

    name: str  # column key, also the folder under interop/
    label: str
    distribution: str  # the PyPI distribution whose version is reported
    module: str
    app: str = ""  # "" : not buildable in-process (not benchmarked)
    interface: str = "wsgi"  # how uvicorn serves the app: "asgi3" or "wsgi"
    endpoint: str = "/token"  # the token endpoint path (the server module's TOKEN_PATH)
    requires: tuple[str, ...] = ()  # the importable modules it needs

    @property
    def profile(self) -> Path:
        return ROOT / "interop" / self.name / "profile.toml"

    def version(self) -> str:
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "not installed"

    def available(self) -> bool:
        """Whether every module it needs is installed (a missing peer is skipped, never a
        failure)."""
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    def build_app(self) -> Any:
        """The server's ASGI or WSGI app, built in this process by its ``app`` factory (the
        fixture secrets come from the environment, see ``interop.fixtures``)."""
        if not self.app:
            raise KeyError(f"{self.name} has no in-process app")
        module, _, attr = self.app.partition(":")
        return getattr(importlib.import_module(module), attr)()


#: The peer servers of the interoperability matrix (and of the benchmarks, which add the
#: reference: bench/peers.py).
SERVERS: tuple[ServerSpec, ...] = (
    ServerSpec("authlib", "Authlib", "Authlib", "interop.authlib.server",
               app="interop.authlib.server:create_app", endpoint="/oauth/token",
               requires=("authlib", "flask")),
    ServerSpec("oauthlib", "oauthlib", "oauthlib", "interop.oauthlib.server",
               app="interop.oauthlib.server:create_app", requires=("oauthlib",)),
    ServerSpec("django_oauth_toolkit", "django-oauth-toolkit", "django-oauth-toolkit",
               "interop.django_oauth_toolkit.server", endpoint="/o/token/",
               requires=("oauth2_provider", "django")),
    ServerSpec("aioauth", "aioauth", "aioauth", "interop.aioauth.server",
               app="interop.aioauth.server:create_app", interface="asgi3",
               requires=("aioauth",)),
)


class ServerError(RuntimeError):
    """The server did not start (its log tail is in the message, secrets never are)."""


@contextlib.contextmanager
def running_process(spec: ServerSpec, env: Mapping[str, str], *, startup_timeout: float = 60.0
                    ) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start ``spec`` on loopback, yield its token endpoint URL and its process, and always
    stop it."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", spec.module], cwd=ROOT, env={**os.environ, **env},
            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        try:
            yield _wait_listening(proc, spec, log, startup_timeout), proc
        finally:
            _stop(proc)


@contextlib.contextmanager
def running(spec: ServerSpec, env: Mapping[str, str], *,
            startup_timeout: float = 60.0) -> Iterator[str]:
    """Start ``spec`` on loopback, yield its token endpoint URL, and always stop it."""
    with running_process(spec, env, startup_timeout=startup_timeout) as (url, _):
        yield url


def _wait_listening(proc: subprocess.Popen[str], spec: ServerSpec, log: object,
                    timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.2):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("LISTENING "):
                url = line.split(None, 1)[1].strip()
                if not url.startswith("http://127.0.0.1:"):
                    raise ServerError(f"{spec.label}: not a loopback URL: {url!r}")
                return url
    finally:
        sel.close()
    tail = ""
    if hasattr(log, "seek") and hasattr(log, "read"):
        log.seek(0)
        tail = log.read()[-2000:]
    raise ServerError(f"{spec.label} did not start (exit {proc.poll()}):\n{tail}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()
