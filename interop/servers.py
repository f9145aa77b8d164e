"""The peer servers (the one list, shared by ``make interop`` and ``make bench``) and how to
start and stop them."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import selectors
import shutil
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
    #: Not in interop/requirements.txt: ``make interop`` installs it when it can, and a server
    #: that is missing is skipped with the reason, never a failure.
    optional: bool = False
    #: ``module:factory`` of a grant object: tested through the suite's grant target
    #: (``--grant``), no server process; ``module`` is then unused.
    grant: str = ""
    #: A virtual environment of its own (relative to the repository) whose Python runs the suite
    #: for this column (a library that cannot share ``.venv``).
    venv: str = ""
    commands: tuple[str, ...] = ()  # executables it needs on PATH (a native server)
    debian: str = ""  # the Debian package whose version is reported (instead of PyPI)
    #: Why it is not run yet even when installed ("" : it is run). Reported as the skip reason.
    not_run: str = ""
    #: A server on https: the PEM CA certificate it writes at start, relative to the run's key
    #: folder ($CC_INTEROP_KEY_DIR); interop/run.py gives it to the suite as ``ca_bundle``.
    ca_bundle: str = ""

    @property
    def profile(self) -> Path:
        return ROOT / "interop" / self.name / "profile.toml"

    @property
    def python(self) -> str:
        """The interpreter that runs the suite (or the server) for this column."""
        return str(ROOT / self.venv / "bin" / "python") if self.venv else sys.executable

    def version(self) -> str:
        if self.debian:
            proc = subprocess.run(  # noqa: S603 - a fixed query of our own package name
                ["dpkg-query", "-W", "-f", "${Version}", self.debian],  # noqa: S607
                capture_output=True, text=True, check=False)
            return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() \
                else "not installed"
        if self.venv:
            key = self.distribution.lower().replace("-", "_")
            for info in (ROOT / self.venv).glob("lib/python*/site-packages/*.dist-info"):
                name, _, rest = info.name.removesuffix(".dist-info").partition("-")
                if name.lower().replace("-", "_") == key:
                    return rest
            return "not installed"
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "not installed"

    def missing(self) -> str:
        """Why it cannot run here ("" when it can): the one place a skip reason is made."""
        if self.not_run:
            return self.not_run
        if self.venv:
            if not Path(self.python).exists():
                return f"{self.venv} does not exist (make interop creates it)"
            if self.version() == "not installed":
                return (f"{self.distribution} is not installed in {self.venv} (make interop "
                        "installs it from PyPI; see its output for the pip error)")
            return ""
        absent = [c for c in self.commands if shutil.which(c) is None]
        if absent:
            how = f"apt-get install {self.debian}" if self.debian else "install it"
            return f"{', '.join(absent)} not found on PATH ({how}; make interop tries as root)"
        mods = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if mods:
            return (f"Python module {', '.join(mods)} not installed ({self.distribution} from "
                    "PyPI; make interop installs it when it can)")
        return ""

    def available(self) -> bool:
        """Whether every module it needs is installed (a missing peer is skipped, never a
        failure)."""
        return not self.missing()

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
    # The seed's own API: aoauthlib installs as ``oauthlib``, so it has a venv of its own.
    ServerSpec("aoauthlib", "aoauthlib (grant target)", "aoauthlib", "", optional=True,
               grant="interop.aoauthlib.grant:make_grant", venv=".venv-aoauthlib"),
    ServerSpec("idpyoidc", "idpyoidc", "idpyoidc", "interop.idpyoidc.server",
               optional=True,
               requires=("idpyoidc", "cryptography")),
    # A native server (Debian package): interop/glewlwyd/server.py makes its database and
    # config in a temporary folder, starts it and sets it up through its admin REST API.
    ServerSpec("glewlwyd", "Glewlwyd", "glewlwyd", "interop.glewlwyd.server",
               endpoint="/api/oidc/token", optional=True, requires=("cryptography",),
               commands=("glewlwyd",), debian="glewlwyd", ca_bundle="glewlwyd/ca.pem"),
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
                if not url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
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
