"""Serving the reference over TLS with uvicorn, client certificates included (RFC 8705 §2).

uvicorn terminates TLS (``ssl_certfile``, ``ssl_keyfile``, and ``ssl_ca_certs`` with
``ssl.CERT_OPTIONAL``: the server asks every client for a certificate, accepts none, and refuses
the handshake when one is presented that does not chain to ``ssl_ca_certs``), but it does not
put the peer certificate into the ASGI scope. :class:`TLSExtensionH11Protocol` (uvicorn's h11
protocol, one instance per connection) reads it from the connection's ``ssl_object`` when the
connection is made and wraps the app so that every request scope on that connection carries
the ASGI TLS extension (https://asgi.readthedocs.io/en/latest/extensions.html#tls):
``scope["extensions"]["tls"]`` with ``client_cert_chain`` (``[leaf PEM]`` or ``[]``; Python's
ssl module exposes the leaf only), ``client_cert_name`` (its subject, RFC 4514),
``client_cert_error`` (``None``: OpenSSL refused bad certificates already), ``tls_version``
(the 16-bit protocol number) and ``cipher_suite``/``server_cert`` (``None``: not known here).
The application (:mod:`reference_impl.mtls`) decides which client, if any, the certificate
authenticates.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

#: the files of ``serve --tls-dir DIR`` (what ``demo-tls --out DIR`` writes, among others)
SERVER_CERT, SERVER_KEY, CLIENT_TRUST = "server.pem", "server-key.pem", "client-trust.pem"
#: ASGI TLS extension ``tls_version`` values (the TLS protocol version numbers)
_TLS_VERSIONS = {"TLSv1": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_extension(ssl_object: Any) -> dict[str, Any]:
    """The ASGI TLS extension of a connection, from its :class:`ssl.SSLObject`."""
    der = ssl_object.getpeercert(binary_form=True)
    chain, name = [], None
    if der:
        from cryptography import x509

        chain = [ssl.DER_cert_to_PEM_cert(der)]
        try:
            name = x509.load_der_x509_certificate(der).subject.rfc4514_string()
        except ValueError:
            name = None
    return {"server_cert": None, "client_cert_chain": chain, "client_cert_name": name,
            "client_cert_error": None, "tls_version": _TLS_VERSIONS.get(ssl_object.version()),
            "cipher_suite": None}


class TLSExtensionApp:
    """Wraps an ASGI app: every ``http`` scope gets ``extensions["tls"] = tls``."""

    def __init__(self, app: ASGIApp, tls: dict[str, Any]) -> None:
        self.app = app
        self.tls = tls

    def __repr__(self) -> str:
        return f"TLSExtensionApp({self.app!r})"

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope = dict(scope)
            scope["extensions"] = {**(scope.get("extensions") or {}), "tls": dict(self.tls)}
        await self.app(scope, receive, send)


class TLSExtensionH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, telling the app each connection's client certificate."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self.app = TLSExtensionApp(self.app, tls_extension(ssl_object))


def tls_files(directory: str | Path) -> tuple[dict[str, Path], list[str]]:
    """The server certificate, key and client trust file of ``directory``, and the names of
    those that are missing."""
    folder = Path(directory)
    files = {name: folder / name for name in (SERVER_CERT, SERVER_KEY, CLIENT_TRUST)}
    return files, [name for name, path in files.items() if not path.is_file()]


def uvicorn_tls_options(directory: str | Path) -> dict[str, Any]:
    """The ``uvicorn.Config`` keywords that serve https from ``directory`` and ask every
    client for a certificate (optional, verified against ``client-trust.pem``)."""
    files, missing = tls_files(directory)
    if missing:
        raise FileNotFoundError(", ".join(missing))
    return {"ssl_certfile": str(files[SERVER_CERT]), "ssl_keyfile": str(files[SERVER_KEY]),
            "ssl_ca_certs": str(files[CLIENT_TRUST]), "ssl_cert_reqs": ssl.CERT_OPTIONAL,
            "http": TLSExtensionH11Protocol}


__all__ = ["TLSExtensionApp", "TLSExtensionH11Protocol", "tls_extension", "tls_files",
           "uvicorn_tls_options"]
