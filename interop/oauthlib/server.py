"""oauthlib's own token endpoint (``BackendApplicationServer``) behind a minimal WSGI wrapper.

The wrapper only translates WSGI to ``create_token_response(uri, http_method, body, headers)``
and back, as oauthlib's documentation describes for any framework; it changes no behaviour.
The request validator is the demo one of examples/grants/oauthlib_grant.py, fed the fixture
clients (secrets from the environment).

    python -m interop.oauthlib.server      # prints "LISTENING <url>", serves until SIGTERM
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from oauthlib.oauth2 import BackendApplicationServer
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from examples.grants.oauthlib_grant import DemoClient, DemoRequestValidator
from interop.fixtures import TOKEN_LIFETIME_S, bind_loopback, fixture_clients
from interop.wsgi import serve_wsgi

TOKEN_PATH = "/token"  # noqa: S105 - a path


def make_server() -> BackendApplicationServer:
    clients = tuple(DemoClient(c.client_id, c.secret, c.grant_types, c.scopes, c.default_scopes)
                    for c in fixture_clients())
    return BackendApplicationServer(DemoRequestValidator(clients),
                                    token_expires_in=TOKEN_LIFETIME_S)


def make_app(server: BackendApplicationServer) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != TOKEN_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        query = environ.get("QUERY_STRING", "")
        uri = f"http://{environ['HTTP_HOST']}{TOKEN_PATH}" + (f"?{query}" if query else "")
        try:
            out_headers, out_body, status = server.create_token_response(
                uri, http_method=environ["REQUEST_METHOD"],
                body=body.decode("utf-8", "replace"), headers=headers)
        except OAuth2Error as exc:
            # The endpoint raises the errors it finds before dispatching to the grant (method,
            # query string); like every oauthlib integration (e.g. django-oauth-toolkit's
            # OAuthLibCore.create_token_response) the wrapper renders them as oauthlib does.
            out_headers, out_body, status = exc.headers, exc.json, exc.status_code
        payload = (out_body or "").encode("utf-8")
        from http import HTTPStatus

        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [*out_headers.items(), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def create_app() -> Callable[..., Iterable[bytes]]:
    """The WSGI app this module serves."""
    return make_app(make_server())


def main() -> None:
    sock = bind_loopback()
    serve_wsgi(create_app(), sock, TOKEN_PATH)


if __name__ == "__main__":
    main()
