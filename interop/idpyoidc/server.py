"""idpyoidc's OAuth 2 authorization server (``idpyoidc.server.Server`` with an
``ASConfiguration``), set up as its client-credentials demo (demo/oauth2_cc.py of the idpy-oidc
repository) does, and served as its Flask example (example/flask_op/views.py,
``service_endpoint`` and ``do_response``) serves an endpoint, ported to a minimal WSGI wrapper.

Configuration (the demo's): the ``oauth2.token.Token`` endpoint with the client authentication
methods it is asked to accept (``client_secret_basic``, ``client_secret_post``,
``client_secret_jwt``, ``private_key_jwt``), ``verify_client``, the OAuth 2 claims interface, an
authz handler allowing access tokens, signing keys generated at start. Clients go into
``context.cdb`` as the demo puts them: ``client_secret``, ``allowed_scopes`` and
``grant_types_supported``; the two JWT clients also get their key in the server's key jar
(the private_key_jwt client's public JWK, the client_secret_jwt client's secret as a symmetric
key: idpyoidc verifies assertions with the key jar).

The wrapper does what the Flask example does: a POST body is read as a form (first value of a
repeated field, as ``request.form.items()``), a GET as the query; ``parse_request`` (client
authentication included) raising is a 400 ``invalid_request``; an error message from parsing or
processing is a 400 with its JSON; a success goes through ``endpoint.do_response`` with its
headers.

    python -m interop.idpyoidc.server      # prints "LISTENING <url>", serves until SIGTERM
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from idpyoidc.message.oauth2 import ResponseMessage
from idpyoidc.server import Server
from idpyoidc.server.authz import AuthzHandling
from idpyoidc.server.client_authn import verify_client
from idpyoidc.server.configure import ASConfiguration
from idpyoidc.server.oauth2.token import Token

from interop.fixtures import (
    CLIENT_SECRET_JWT_CLIENT,
    PRIVATE_KEY_JWT_CLIENT,
    TOKEN_LIFETIME_S,
    bind_loopback,
    fixture_clients,
    generate_client_key,
    jwt_client_secret,
)
from interop.wsgi import serve_wsgi

TOKEN_PATH = "/token"  # noqa: S105 - a path
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
JWT_METHODS = ["client_secret_jwt", "private_key_jwt"]
KEYDEFS = [{"type": "RSA", "key": "", "use": ["sig"]},
           {"type": "EC", "crv": "P-256", "use": ["sig"]}]
SESSION_PARAMS = {"encrypter": {"kwargs": {"keys": {"key_defs": [
    {"type": "OCT", "use": ["enc"], "kid": "password"},
    {"type": "OCT", "use": ["enc"], "kid": "salt"}]}, "iterations": 1}}}
IGNORE = ("cookie", "user-agent")  # as example/flask_op/views.py


def server_config(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "httpc_params": {"verify": False},
        "preference": {"grant_types_supported": ["client_credentials"]},
        "keys": {"key_defs": KEYDEFS, "read_only": False},
        "endpoint": {"token": {"path": TOKEN_PATH.lstrip("/"), "class": Token, "kwargs": {
            "client_authn_method": SECRET_METHODS + JWT_METHODS}}},
        "token_handler_args": {
            "jwks_defs": {"key_defs": KEYDEFS},
            "token": {"class": "idpyoidc.server.token.jwt_token.JWTToken",
                      "kwargs": {"lifetime": TOKEN_LIFETIME_S, "aud": [issuer]}}},
        "client_authn": verify_client,
        "claims_interface": {"class": "idpyoidc.server.session.claims.OAuth2ClaimsInterface",
                             "kwargs": {}},
        "authz": {"class": AuthzHandling, "kwargs": {"grant_config": {
            "usage_rules": {"access_token": {}}}}},
        "session_params": SESSION_PARAMS,
    }


def make_server(issuer: str, workdir: str) -> Server:
    server = Server(ASConfiguration(conf=server_config(issuer), base_path=workdir), cwd=workdir)
    cdb = server.context.cdb
    for c in fixture_clients():
        entry: dict[str, Any] = {"client_id": c.client_id, "allowed_scopes": list(c.scopes),
                                 "grant_types_supported": list(c.grant_types)}
        if c.secret is not None:
            entry["client_secret"] = c.secret
            entry["token_endpoint_client_authn_method"] = SECRET_METHODS
        cdb[c.client_id] = entry
    keyjar = server.keyjar
    jwk = generate_client_key(PRIVATE_KEY_JWT_CLIENT)
    keyjar.import_jwks({"keys": [jwk]}, PRIVATE_KEY_JWT_CLIENT)
    cdb[PRIVATE_KEY_JWT_CLIENT] = {
        "client_id": PRIVATE_KEY_JWT_CLIENT, "allowed_scopes": ["read", "write"],
        "grant_types_supported": ["client_credentials"], "jwks": {"keys": [jwk]},
        "token_endpoint_client_authn_method": ["private_key_jwt"]}
    secret = jwt_client_secret()
    keyjar.add_symmetric(CLIENT_SECRET_JWT_CLIENT, secret)
    cdb[CLIENT_SECRET_JWT_CLIENT] = {
        "client_id": CLIENT_SECRET_JWT_CLIENT, "client_secret": secret,
        "allowed_scopes": ["read", "write"], "grant_types_supported": ["client_credentials"],
        "token_endpoint_client_authn_method": ["client_secret_jwt"]}
    return server


def _respond(start_response: Callable[..., Any], status: int, body: str,
             headers: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    payload = body.encode("utf-8")
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [*headers, ("Content-Length", str(len(payload)))])
    return [payload]


def make_app(server: Server) -> Callable[..., Iterable[bytes]]:
    endpoint = server.get_endpoint("token")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != TOKEN_PATH:
            return _respond(start_response, 404, "not found", [("Content-Type", "text/plain")])
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "POST"):  # the Flask route: methods=['GET', 'POST']
            return _respond(start_response, 405, "method not allowed",
                            [("Content-Type", "text/plain"), ("Allow", "GET, POST")])
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        headers = {k: v for k, v in headers.items() if k not in IGNORE}
        query = environ.get("QUERY_STRING", "")
        url = f"http://{environ['HTTP_HOST']}{TOKEN_PATH}" + (f"?{query}" if query else "")
        http_info = {"headers": headers, "method": method, "url": url, "cookie": []}
        if method == "GET":
            raw = query
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = (environ["wsgi.input"].read(length) if length > 0 else b"").decode(
                "utf-8", "replace")
        form: dict[str, str] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            form.setdefault(key, value)  # request.form.items(): the first value of each key
        json_header = [("Content-Type", "application/json")]
        html = [("Content-Type", "text/html; charset=utf-8")]  # Flask make_response(str)
        try:
            req = endpoint.parse_request(form, http_info=http_info)
        except Exception as err:  # as the Flask example: any failure is a 400
            msg = ResponseMessage(error="invalid_request", error_description=str(err))
            return _respond(start_response, 400, msg.to_json(), html)
        if isinstance(req, ResponseMessage) and "error" in req:
            return _respond(start_response, 400, req.to_json(),
                            json_header if method == "POST" else html)
        try:
            args = endpoint.process_request(req, http_info=http_info)
        except Exception as err:  # as the Flask example
            msg = ResponseMessage(error="invalid_request", error_description=str(err))
            return _respond(start_response, 400, msg.to_json(), html)
        error = args.pop("error", "") if isinstance(args, dict) else ""
        if isinstance(args, ResponseMessage):  # a helper's error_cls(...) is returned as is
            error = args.get("error", "")
            args = {k: v for k, v in args.items() if k != "error"}
        info = endpoint.do_response(request=req, error=error, **args)
        status = info.get("response_code", 400 if error else 200)
        return _respond(start_response, status, info["response"] or "", info["http_headers"])

    return app


def create_app(issuer: str = "http://127.0.0.1") -> Callable[..., Iterable[bytes]]:
    """The WSGI app this module serves."""
    return make_app(make_server(issuer, tempfile.mkdtemp(prefix="cc-idpyoidc-")))


def main() -> None:
    sock = bind_loopback()
    host, port = sock.getsockname()[:2]
    serve_wsgi(create_app(f"http://{host}:{port}"), sock, TOKEN_PATH)


if __name__ == "__main__":
    main()
