"""The request object handed to grants (oauthlib's ``Request`` shape, RFC 6749 §4.4.2).

The HTTP adapter (:class:`reference_impl.endpoint.TokenEndpoint`) builds it after the transport
rules passed; a grant and its :class:`~reference_impl.request_validator.RequestValidator` read
parameters from it and store what they learn (``client``, ``scopes``) on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

#: Values of :attr:`Request.auth_method` (and the metadata's default list of methods).
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt",
                "client_secret_jwt")
#: The mutual-TLS methods (RFC 8705 §2): ``request.auth_method`` after a client authenticated
#: with its TLS certificate; listed in the metadata only when some client is registered so.
MTLS_AUTH_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")


class CaseInsensitiveDict(MutableMapping[str, str]):
    """A header mapping whose keys compare case-insensitively (RFC 9110 §5.1)."""

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
        self._store: dict[str, tuple[str, str]] = {}
        if data is not None:
            items = data.items() if isinstance(data, Mapping) else data
            for key, value in items:
                self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> str:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        # Header values may hold credentials (Authorization); show names only.
        return f"CaseInsensitiveDict(names={sorted(self._store)!r})"


class Request:
    """One access token request (RFC 6749 §4.4.2).

    Attributes set by the endpoint:

    - ``uri``, ``http_method``, ``headers`` (case-insensitive), ``body`` (the decoded form body
      as text) and ``decoded_body`` (its ``(name, value)`` pairs, empty values dropped).
    - ``grant_type``, ``scope``: the body parameters (``None`` when omitted, §3.2).
    - ``client_id``, ``client_secret``: the client credentials from HTTP Basic or the body
      (§2.3.1); ``auth_method`` is ``"client_secret_basic"``, ``"client_secret_post"`` or
      ``None``.
    - ``client_cert``: the PEM of the leaf certificate the client presented in the TLS
      handshake, or ``None`` (RFC 8705 §2; the TLS layer, not the request, supplies it).

    Attributes set by the grant and validator: ``client`` (an object with a ``client_id``),
    ``scopes`` (list of granted scope tokens), ``user`` (always ``None`` here),
    ``certificate_thumbprint`` (the ``x5t#S256`` of the client certificate that authenticated
    the client, RFC 8705 §3.1: the token handler binds the access token to it).

    Other body parameters are reachable as attributes too (``request.audience``), like in
    oauthlib. ``repr()`` never shows the secret, the body or header values.
    """

    def __init__(
        self,
        uri: str,
        http_method: str = "POST",
        body: str | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ):
        self.uri = uri
        self.http_method = http_method
        self.headers = CaseInsensitiveDict(headers)
        if body is None:
            pairs: list[tuple[str, str]] = []
            text = ""
        elif isinstance(body, str):
            pairs = []
            text = body
        else:
            items = body.items() if isinstance(body, Mapping) else body
            pairs = [(str(k), str(v)) for k, v in items]
            text = ""
        self.body = text
        self.decoded_body = pairs
        params: dict[str, str] = {}
        duplicates: list[str] = []
        for name, value in pairs:
            if name in params and name not in duplicates:
                duplicates.append(name)
            params.setdefault(name, value)
        self._params = params
        self._duplicate_params = duplicates
        self.grant_type: str | None = params.get("grant_type")
        self.scope: str | None = params.get("scope")
        self.client_id: str | None = params.get("client_id")
        self.client_secret: str | None = params.get("client_secret")
        self.auth_method: str | None = None
        self.client: Any = None
        self.scopes: list[str] | None = None
        self.user: Any = None
        self.response_type: str | None = params.get("response_type")
        self.redirect_uri: str | None = params.get("redirect_uri")
        self.state: str | None = params.get("state")
        self.extra_credentials: dict[str, Any] | None = None
        self.client_cert: str | None = None
        self.certificate_thumbprint: str | None = None

    @property
    def duplicate_params(self) -> list[str]:
        """Names of body parameters that appeared more than once (§3.2 forbids it)."""
        return list(self._duplicate_params)

    @property
    def params(self) -> dict[str, str]:
        """A copy of the body parameters (first value of each name)."""
        return dict(self._params)

    def __getattr__(self, name: str) -> str:
        # Only called for attributes not set in __init__: other body parameters.
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        secret = "<redacted>" if self.client_secret is not None else None
        return (
            f"<Request {self.http_method} {self.uri.split('?', 1)[0]!r} "
            f"client_id={self.client_id!r} client_secret={secret!r} "
            f"auth_method={self.auth_method!r} grant_type={self.grant_type!r} "
            f"scope={self.scope!r}>"
        )

    __str__ = __repr__
