"""Command line: ``python -m reference_impl {serve,demo,hash-secret,demo-key,demo-tls}``.

- ``serve --host 127.0.0.1 --port 8000 [--clients clients.toml] [--url-file FILE]
  [--tls-dir DIR]``: the token endpoint under uvicorn (``/token``); the bundled demo registry
  when ``--clients`` is not given. ``--port 0`` takes a free port. Once it accepts connections
  it prints one line, ``cc-reference listening on http://HOST:PORT/token`` (flushed), and
  writes the URL to ``--url-file`` if given, so a CI script started it detached can read where
  it listens. ``--tls-dir DIR``: https instead, with ``DIR/server.pem`` and
  ``DIR/server-key.pem``, asking every client for an optional certificate trusted through
  ``DIR/client-trust.pem`` (mutual TLS, RFC 8705 §2; :mod:`reference_impl.tls_server`); the
  line then says ``https://``. A missing file: one line on stderr, exit 2.
- ``demo``: run the app in-process, send one token request with the demo confidential client,
  print the exchange with the secret and token redacted; exit 0 on a 200.
- ``hash-secret``: read a secret from stdin (no echo on a terminal) and print the
  ``secret_hash = "..."`` line for clients.toml.
- ``demo-key --out FILE``: write the demo ``private_key_jwt`` client's private key (a public
  fixture derived from a published seed, ``reference_impl.demo_keys``) as PEM, mode 0600, for
  the suite profile's ``private_key_file``.
- ``demo-tls --out DIR``: write the demo TLS material (CA, server and client certificates and
  keys, public fixtures derived from a published seed, :mod:`reference_impl.demo_tls`) into
  ``DIR`` and print the paths (never key material).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .registry import ClientRegistry, RegistryError, demo_registry, hash_secret

DEMO_CLIENT_ID = "cc-demo-client"
DEMO_CLIENT_SECRET = "cc-demo-secret-7Fjfp0ZBr1KtDRbnfVdmIw"  # noqa: S105 - public demo fixture
REDACTED = "<redacted>"


def _load_registry(path: str | None) -> ClientRegistry:
    return ClientRegistry.from_file(path) if path else demo_registry()


LISTENING = "cc-reference listening on"


def endpoint_url(host: str, port: int, path: str = "/token", *, scheme: str = "http") -> str:
    """``http://host:port/token`` (or ``https``), an IPv6 literal in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}{path}"


def announce(url: str, url_file: str | None, out: TextIO) -> None:
    """The one line a CI script waits for, flushed; the URL alone to ``url_file`` (written to a
    temporary name and renamed, so a reader never sees half of it)."""
    if url_file:
        target = Path(url_file)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        partial.write_text(url + "\n", encoding="utf-8")
        partial.replace(target)
    print(f"{LISTENING} {url}", file=out, flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the reference token endpoint with uvicorn; announce the URL once it listens."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installed extras
        print("serve needs uvicorn: pip install 'cc-conformance[serve]'", file=sys.stderr)
        return 2
    from .asgi import create_app

    try:
        registry = _load_registry(args.clients)
    except (OSError, RegistryError) as exc:
        print(f"cannot load clients: {exc}", file=sys.stderr)
        return 2
    if args.url_file and not Path(args.url_file).resolve().parent.is_dir():
        print(f"cannot write --url-file {args.url_file}: no such folder", file=sys.stderr)
        return 2
    tls: dict[str, Any] = {}
    if args.tls_dir:
        from .tls_server import uvicorn_tls_options

        try:
            tls = uvicorn_tls_options(args.tls_dir)
        except FileNotFoundError as exc:
            print(f"cannot serve --tls-dir {args.tls_dir}: missing {exc} (python -m "
                  "reference_impl demo-tls --out DIR writes the demo files)", file=sys.stderr)
            return 2
    app = create_app(registry)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                            lifespan="on", **tls)
    host, url_file, scheme = args.host, args.url_file, "https" if tls else "http"

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                port = self.servers[0].sockets[0].getsockname()[1]
                announce(endpoint_url(host, port, scheme=scheme), url_file, sys.stdout)

    server = AnnouncingServer(config)
    server.run()
    return 0 if server.started else 1


async def run_demo(out: TextIO) -> int:
    """One client credentials exchange against the in-process app, printed redacted."""
    import httpx

    from .asgi import create_app
    from .formencoding import encode_basic_credentials

    app = create_app()
    body = {"grant_type": "client_credentials", "scope": "read"}
    auth = encode_basic_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference.local") as c:
        response = await c.post("/token", data=body, headers={"Authorization": auth})
    request = response.request
    print(f"> {request.method} {request.url.raw_path.decode()} HTTP/1.1", file=out)
    for name, value in request.headers.items():
        shown = f"Basic {REDACTED}" if name.lower() == "authorization" else value
        print(f"> {name}: {shown}", file=out)
    print(">", file=out)
    print(f"> {request.content.decode()}", file=out)
    print(f"< HTTP/1.1 {response.status_code} {response.reason_phrase}", file=out)
    for name, value in response.headers.items():
        print(f"< {name}: {value}", file=out)
    print("<", file=out)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "access_token" in payload:
        token = str(payload["access_token"])
        payload["access_token"] = f"{token[:4]}...{REDACTED}"
    print(f"< {json.dumps(payload) if payload is not None else response.text}", file=out)
    ok = response.status_code == 200
    print(f"client {DEMO_CLIENT_ID}: {'token issued' if ok else 'request failed'}", file=out)
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """Run :func:`run_demo` on stdout."""
    return asyncio.run(run_demo(sys.stdout))


def read_secret(stream: TextIO) -> str:
    """The secret from ``stream``: prompted without echo on a terminal, else one line."""
    if stream.isatty():
        return getpass.getpass("Client secret: ")
    line = stream.readline()
    return line[:-1] if line.endswith("\n") else line


def cmd_hash_secret(args: argparse.Namespace) -> int:
    """Print ``secret_hash = "scrypt$..."`` for a secret read from stdin."""
    secret = read_secret(sys.stdin)
    secret = secret[:-1] if secret.endswith("\r") else secret
    if not secret:
        print("empty secret", file=sys.stderr)
        return 2
    print(f'secret_hash = "{hash_secret(secret)}"')
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reference_impl",
        description="Reference OAuth 2.0 client credentials token endpoint (RFC 6749 §4.4).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve /token with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0: any free port (default 8000)")
    serve.add_argument("--url-file", metavar="FILE",
                       help="also write the URL to FILE once the server accepts connections")
    serve.add_argument("--clients", help="clients TOML file (default: bundled demo registry)")
    serve.add_argument("--tls-dir", metavar="DIR",
                       help="serve https with DIR/server.pem, DIR/server-key.pem and optional "
                            "client certificates trusted through DIR/client-trust.pem")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="one in-process token request with the demo client")
    demo.set_defaults(func=cmd_demo)
    hashing = sub.add_parser("hash-secret", help="hash a client secret read from stdin")
    hashing.set_defaults(func=cmd_hash_secret)
    key = sub.add_parser("demo-key", help="write the demo private_key_jwt client's key (PEM)")
    key.add_argument("--out", required=True, metavar="FILE", help="where to write it")
    key.set_defaults(func=cmd_demo_key)
    tls = sub.add_parser("demo-tls", help="write the demo TLS CA, server and client certificates")
    tls.add_argument("--out", required=True, metavar="DIR", help="the folder to write them to")
    tls.set_defaults(func=cmd_demo_tls)
    return parser


def cmd_demo_key(args: argparse.Namespace) -> int:
    from .demo_keys import demo_private_key_pem

    path = Path(args.out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(demo_private_key_pem())
    except OSError as exc:
        print(f"reference_impl: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: the demo private_key_jwt key (a public test fixture, never a real "
          "key)")
    return 0


def cmd_demo_tls(args: argparse.Namespace) -> int:
    """Write the demo TLS files (:func:`reference_impl.demo_tls.write_demo_tls`); print their
    paths, one a line, and never their contents."""
    from .demo_tls import write_demo_tls

    try:
        paths = write_demo_tls(args.out)
    except OSError as exc:
        print(f"reference_impl: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for path in paths.values():
        print(path)
    print("(demo TLS material: public test fixtures derived from a published seed, never real "
          "keys)", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
