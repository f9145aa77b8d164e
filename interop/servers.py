"""The peer servers of the interoperability matrix and how to start and stop them."""

from __future__ import annotations

import contextlib
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

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerSpec:
    """One peer: ``module`` is run with ``python -m`` and prints ``LISTENING <url>``."""

    name: str  # column key, also the folder under interop/
    label: str
    distribution: str  # the PyPI distribution whose version is reported
    module: str

    @property
    def profile(self) -> Path:
        return ROOT / "interop" / self.name / "profile.toml"

    def version(self) -> str:
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "not installed"


SERVERS: tuple[ServerSpec, ...] = (
    ServerSpec("authlib", "Authlib", "Authlib", "interop.authlib.server"),
    ServerSpec("oauthlib", "oauthlib", "oauthlib", "interop.oauthlib.server"),
    ServerSpec("django_oauth_toolkit", "django-oauth-toolkit", "django-oauth-toolkit",
               "interop.django_oauth_toolkit.server"),
    ServerSpec("aioauth", "aioauth", "aioauth", "interop.aioauth.server"),
)


class ServerError(RuntimeError):
    """The server did not start (its log tail is in the message, secrets never are)."""


@contextlib.contextmanager
def running(spec: ServerSpec, env: Mapping[str, str], *,
            startup_timeout: float = 60.0) -> Iterator[str]:
    """Start ``spec`` on loopback, yield its token endpoint URL, and always stop it."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", spec.module], cwd=ROOT, env={**os.environ, **env},
            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        try:
            yield _wait_listening(proc, spec, log, startup_timeout)
        finally:
            _stop(proc)


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
