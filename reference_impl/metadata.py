"""Authorization server metadata (RFC 8414) for the reference: an HTTP-adapter concern.

The grant stays I/O-free and knows nothing of this; :class:`reference_impl.asgi.TokenApp`
serves the document at :data:`WELL_KNOWN_PATH` (RFC 8414 §3) from what the endpoint it wraps
really does:

- ``token_endpoint_auth_methods_supported``: :data:`reference_impl.common.AUTH_METHODS`, the
  values :class:`~reference_impl.endpoint.TokenEndpoint` records in ``request.auth_method``,
  i.e. the methods it accepts (an endpoint may say otherwise with an ``auth_methods``
  attribute). Adding a method there updates the metadata.
- ``token_endpoint_auth_signing_alg_values_supported``: only when a JWT method
  (``private_key_jwt``, ``client_secret_jwt``) is among them (§2 requires it then), from the
  endpoint's ``signing_algs`` attribute; ``none`` is never listed (§2).
- ``grant_types_supported``: the wrapped grant's ``grant_type`` (``client_credentials``); the
  member is OPTIONAL but its default (``authorization_code``, ``implicit``) would be wrong.
- ``scopes_supported`` (RECOMMENDED): the scopes the registry knows, when given.
- mutual TLS (RFC 8705): ``tls_client_auth`` and ``self_signed_tls_client_auth`` are among the
  methods only when the registry has such clients (the endpoint's ``auth_methods``), and then
  ``tls_client_certificate_bound_access_tokens`` is ``true`` (§3.3): their tokens carry
  ``cnf.x5t#S256``. The token endpoint is the same URL with and without a client certificate
  (the server asks for one in every handshake and lets it be absent), so no
  ``mtls_endpoint_aliases`` (§5) are listed.
- ``response_types_supported``: omitted. §2 marks it REQUIRED, but its values are
  authorization-endpoint ``response_type`` values and the reference has no authorization
  endpoint, so it supports none; an empty array is not an option either (§3.2: a member with
  zero elements MUST be omitted). Omitting it is the reading OAuth working group members
  gave for servers without an authorization endpoint (see the OpenID4VCI discussion of the
  same gap); listing a response type the server does not support would be a false claim.

**Issuer.** §3.3: the ``issuer`` a client gets MUST be the one the well-known string was
inserted into to build the URL it fetched. The reference has no path in its issuer, so the
metadata URL is ``<issuer>/.well-known/oauth-authorization-server``. By default the issuer is
derived per request from the request's scheme and ``Host`` header (``http://127.0.0.1:PORT``
when served on loopback, ``http://cc-target.test`` in-process), so it matches the URL used on
any host and port without configuration; a ``Host`` that is not a valid host[:port] is
refused (400) rather than reflected. A deployment behind a proxy that rewrites ``Host`` (or
terminates TLS without telling the app) passes ``issuer=`` explicitly (``create_app(...,
issuer="https://as.example")``), which then wins. RFC 8414 §2 wants an https issuer; the
reference serves plain http on loopback for CI, so its derived issuer is http there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .common import AUTH_METHODS

#: RFC 8414 §3: the default well-known URI suffix
WELL_KNOWN_PATH = "/.well-known/oauth-authorization-server"
#: the client authentication methods that sign a JWT (RFC 8414 §2 requires the algorithms then)
JWT_METHODS = ("private_key_jwt", "client_secret_jwt")

# RFC 3986 host (reg-name of unreserved/pct-encoded/sub-delims without ',;' is enough here,
# IPv4, or an IP-literal in brackets) with an optional port.
_HOST_RE = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+=-]+)(?::[0-9]{1,5})?$")


class BadHost(ValueError):
    """The request's Host header cannot be an issuer's authority."""


def request_issuer(scheme: str, headers: Iterable[tuple[bytes, bytes]],
                   server: Sequence[object] | None = None) -> str:
    """``scheme://host[:port]`` of the request: its ``Host`` header, else the ASGI ``server``
    address. Raises :class:`BadHost` for a missing, repeated or malformed host."""
    hosts = [v.decode("latin-1") for k, v in headers if k.lower() == b"host"]
    if len(hosts) > 1:
        raise BadHost("more than one Host header")
    if hosts:
        host = hosts[0].strip()
    elif server and len(server) == 2 and server[0] is not None:
        name, port = str(server[0]), server[1]
        host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    else:
        raise BadHost("no Host header")
    if not _HOST_RE.match(host):
        raise BadHost("the Host header is not a host[:port]")
    scheme = scheme.lower() if scheme in ("http", "https") else "http"
    return f"{scheme}://{host}"


def auth_methods_of(endpoint: Any) -> tuple[str, ...]:
    """The client authentication methods ``endpoint`` accepts (see the module docstring)."""
    methods = getattr(endpoint, "auth_methods", None)
    return tuple(methods) if methods else tuple(AUTH_METHODS)


def metadata_document(
    issuer: str,
    *,
    token_path: str,
    auth_methods: Sequence[str],
    grant_types: Sequence[str],
    signing_algs: Sequence[str] = (),
    scopes: Iterable[str] = (),
    certificate_bound_tokens: bool = False,
) -> dict[str, object]:
    """The RFC 8414 §2 document for ``issuer`` (members with no values are left out, §3.2)."""
    doc: dict[str, object] = {
        "issuer": issuer,
        "token_endpoint": issuer + token_path,
        "token_endpoint_auth_methods_supported": list(auth_methods),
        "grant_types_supported": list(grant_types),
    }
    if any(m in JWT_METHODS for m in auth_methods):
        algs = [a for a in signing_algs if a.lower() != "none"]
        if algs:
            doc["token_endpoint_auth_signing_alg_values_supported"] = algs
    scope_list = sorted(scopes)
    if scope_list:
        doc["scopes_supported"] = scope_list
    if certificate_bound_tokens:
        doc["tls_client_certificate_bound_access_tokens"] = True
    return {k: v for k, v in doc.items() if v != []}


def metadata_response(doc: Mapping[str, object]) -> tuple[dict[str, str], str, int]:
    """``(headers, body, status)`` of a metadata answer (§3.2: 200, application/json)."""
    return {"Content-Type": "application/json"}, json.dumps(doc, separators=(",", ":")), 200


__all__ = ["JWT_METHODS", "WELL_KNOWN_PATH", "BadHost", "auth_methods_of", "metadata_document",
           "metadata_response", "request_issuer"]
