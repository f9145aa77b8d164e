"""The client registry: clients loaded from TOML, secrets stored hashed (RFC 6749 §2.3.1, §10.1).

TOML format (see ``demo_clients.toml`` and the README)::

    [server]                      # optional
    token_lifetime = 3600         # seconds, default 3600
    known_scopes = ["read", "write", "admin"]   # default: union of the clients' scopes
    realm = "cc-reference"

    [[clients]]
    client_id = "cc-demo-client"
    type = "confidential"         # or "public" (then no secret_hash)
    secret_hash = "scrypt$16384$8$1$<salt b64>$<hash b64>"
    grant_types = ["client_credentials"]
    scopes = ["read", "write"]    # allowed scopes
    default_scopes = ["read"]     # granted when the request has no scope

Mutual-TLS clients (RFC 8705 §2, :mod:`reference_impl.mtls`) register no secret::

    [server]
    tls_client_ca_file = "ca.pem" # trust anchors of tls_client_auth clients (PEM; a relative
                                  # path is relative to the registry file)
    resource = "https://api.example"   # aud of the JWT access tokens of mTLS clients

    [[clients]]
    client_id = "cc-mtls-client"
    token_endpoint_auth_method = "tls_client_auth"
    tls_client_auth_subject_dn = "CN=cc-mtls-client,O=cc-conformance demo"   # RFC 4514

    [[clients]]
    client_id = "cc-mtls-self-signed-client"
    token_endpoint_auth_method = "self_signed_tls_client_auth"
    tls_client_x5t_s256 = ["<x5t#S256 of each registered certificate>"]

Secret hashes: ``scrypt$n$r$p$salt$hash`` (what ``python -m reference_impl hash-secret``
writes) or ``pbkdf2_sha256$iterations$salt$hash``; salt and hash are standard base64.

Cost: scrypt with n=2**14, r=8, p=1 (16 MiB, tens of milliseconds). That is moderate on
purpose: strong enough for stored secrets of machine clients (which should be long random
strings anyway) yet cheap enough for a conformance run. Successful verifications are cached in
memory, keyed by an HMAC (random per-process key) of the client id, the secret and the stored
hash, so repeated requests of the same client cost microseconds; failures are never cached.
An unknown client (or a public one) is checked against a dummy hash so that it costs about the
same as a wrong secret for a known client. An async server checks the cache on the event
loop (:meth:`ClientRegistry.cached`) and runs only the misses in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .common import MTLS_AUTH_METHODS
from .scopes import is_scope_token
from .tokens import DEFAULT_RESOURCE

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_SCRYPT_MAXMEM = 64 * 1024 * 1024
CACHE_SIZE = 1024
CLIENT_TYPES = ("confidential", "public")
MTLS_METHODS = MTLS_AUTH_METHODS
AUTH_METHODS = ("client_secret", "private_key_jwt", "client_secret_jwt", *MTLS_METHODS)
_X5T_S256 = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2)
_PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


class RegistryError(ValueError):
    """The clients file is malformed."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """Hash a client secret with scrypt (n=2**14, r=8, p=1) and a random 16-byte salt."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        secret.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=_SCRYPT_MAXMEM,
        dklen=HASH_BYTES,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parse_hash(stored: str) -> tuple[str, tuple[int, ...], bytes, bytes]:
    parts = stored.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            params: tuple[int, ...] = (int(parts[1]), int(parts[2]), int(parts[3]))
            salt, digest = parts[4], parts[5]
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            params = (int(parts[1]),)
            salt, digest = parts[2], parts[3]
        else:
            raise RegistryError("unknown secret hash format")
        return (
            parts[0],
            params,
            base64.b64decode(salt, validate=True),
            base64.b64decode(digest, validate=True),
        )
    except (ValueError, binascii.Error) as exc:
        if isinstance(exc, RegistryError):
            raise
        raise RegistryError("malformed secret hash") from exc


def verify_secret(secret: str, stored: str) -> bool:
    """Check ``secret`` against a stored hash in constant time (``hmac.compare_digest``)."""
    algorithm, params, salt, expected = _parse_hash(stored)
    raw = secret.encode("utf-8", "surrogatepass")
    if algorithm == "scrypt":
        n, r, p = params
        actual = hashlib.scrypt(
            raw, salt=salt, n=n, r=r, p=p, maxmem=_SCRYPT_MAXMEM, dklen=len(expected)
        )
    else:
        actual = hashlib.pbkdf2_hmac("sha256", raw, salt, params[0], dklen=len(expected))
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Client:
    """One registered client. ``repr()`` never shows the secret hash."""

    client_id: str
    confidential: bool
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...]
    secret_hash: str | None = field(default=None, repr=False)
    #: how the client authenticates: "client_secret" (HTTP Basic or the body, RFC 6749 §2.3.1),
    #: "private_key_jwt" or "client_secret_jwt" (RFC 7523 §2.2; reference_impl.client_assertions)
    auth_method: str = "client_secret"
    #: private_key_jwt: the client's public key (a JWK)
    jwk: dict[str, Any] | None = field(default=None, repr=False)
    #: client_secret_jwt: the shared MAC key. It must be stored in the clear (a hash cannot
    #: verify an HMAC), one reason RFC 9700 §2.5 prefers asymmetric methods.
    jwt_secret: str | None = field(default=None, repr=False)
    #: tls_client_auth: the subject DN (RFC 4514) its certificate must have (RFC 8705 §2.1.2)
    tls_client_auth_subject_dn: str | None = None
    #: self_signed_tls_client_auth: the x5t#S256 of each registered certificate (§2.2, §3.1)
    tls_client_x5t_s256: tuple[str, ...] = ()


class ClientRegistry:
    """Clients by id, the scopes the server knows, the token lifetime and the realm."""

    def __init__(
        self,
        clients: Iterable[Client],
        *,
        known_scopes: Iterable[str] | None = None,
        token_lifetime: int = 3600,
        realm: str = "cc-reference",
        dummy_hash: str | None = None,
        tls_client_anchors: Iterable[Any] = (),
        resource: str = DEFAULT_RESOURCE,
        access_token_key: Any = None,
        access_token_kid: str | None = None,
    ):
        self.clients: dict[str, Client] = {}
        for client in clients:
            if client.client_id in self.clients:
                raise RegistryError(f"duplicate client_id {client.client_id!r}")
            self.clients[client.client_id] = client
        if known_scopes is None:
            known_scopes = [s for c in self.clients.values() for s in c.scopes]
        self.known_scopes: frozenset[str] = frozenset(known_scopes)
        self.token_lifetime = token_lifetime
        self.realm = realm
        #: the certificates tls_client_auth clients' certificates must chain to (RFC 8705 §2.1)
        self.tls_client_anchors: tuple[Any, ...] = tuple(tls_client_anchors)
        #: ``aud`` of the certificate-bound JWT access tokens (RFC 9068 §3, RFC 8705 §3)
        self.resource = resource
        #: the EC P-256 key those tokens are signed with (None: one is generated at start) and
        #: its ``kid``; never shown by ``repr()``
        self.access_token_key = access_token_key
        self.access_token_kid = access_token_kid
        # Verified when there is nothing real to verify; pass one with the same algorithm and
        # cost as the stored hashes if they are not the default scrypt parameters.
        self._dummy_hash = dummy_hash or hash_secret(secrets.token_urlsafe(16))
        self._cache_key = secrets.token_bytes(32)
        self._cache: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientRegistry(clients={sorted(self.clients)!r})"

    @property
    def mtls_methods(self) -> tuple[str, ...]:
        """The mutual-TLS methods (RFC 8705 §2) some registered client uses, in a fixed order."""
        used = {c.auth_method for c in self.clients.values()}
        return tuple(m for m in MTLS_METHODS if m in used)

    def get(self, client_id: str | None) -> Client | None:
        """The client with this id, or ``None``."""
        if client_id is None:
            return None
        return self.clients.get(client_id)

    def _cache_id(self, client_id: str, secret: str, stored: str) -> bytes:
        # Length-prefixed parts, so no two different (id, secret, hash) triples share a message
        # (a plain separator could be moved between an id and a secret that contain it).
        mac = hmac.new(self._cache_key, digestmod=hashlib.sha256)
        for part in (client_id, secret, stored):
            data = part.encode("utf-8", "surrogatepass")
            mac.update(len(data).to_bytes(8, "big"))
            mac.update(data)
        return mac.digest()

    def cached(self, client_id: str | None, secret: str | None) -> Client | None:
        """The client if exactly these credentials were verified before (a cache hit), else
        ``None``; never runs a hash, so it is cheap enough for the event loop. A miss means
        "not known yet", not "wrong": call :meth:`authenticate` (off the loop) then."""
        client = self.get(client_id)
        if client is None or secret is None or not client.confidential:
            return None
        stored = client.secret_hash
        if stored is None:  # pragma: no cover - a confidential client always has a hash
            return None
        key = self._cache_id(client.client_id, secret, stored)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return client
        return None

    def verification_key(self, client_id: str | None, secret: str | None) -> bytes:
        """An opaque key (HMAC with the per-process key) naming one verification, so that
        concurrent verifications of the same credentials can share one hash computation."""
        return self._cache_id(client_id or "", secret or "", "\x00" if secret is None else "")

    def authenticate(self, client_id: str | None, secret: str | None) -> Client | None:
        """Return the confidential client these credentials prove, else ``None``.

        Unknown ids, public clients and missing secrets are verified against a dummy hash so
        their cost matches a wrong secret (no client enumeration by timing).
        """
        client = self.get(client_id)
        stored = client.secret_hash if client is not None and client.confidential else None
        if client_id is None or secret is None or stored is None:
            verify_secret(secret or "", self._dummy_hash)
            return None
        key = self._cache_id(client_id, secret, stored)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return client
        if not verify_secret(secret, stored):
            return None
        with self._lock:
            self._cache[key] = None
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return client

    @classmethod
    def from_toml(cls, text: str, *, base_dir: str | Path | None = None,
                  tls_client_anchors: Iterable[Any] = (), access_token_key: Any = None,
                  access_token_kid: str | None = None) -> ClientRegistry:
        """Build a registry from the TOML format in the module docstring. ``base_dir``: where
        a relative ``tls_client_ca_file`` is (default: the working directory);
        ``tls_client_anchors`` are trusted beside that file's certificates."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"invalid TOML: {exc}") from exc
        server = data.get("server", {})
        if not isinstance(server, dict):
            raise RegistryError("[server] must be a table")
        raw_clients = data.get("clients", [])
        if not isinstance(raw_clients, list):
            raise RegistryError("clients must be an array of tables")
        clients = [_client_from_table(i, table) for i, table in enumerate(raw_clients)]
        known = server.get("known_scopes")
        if known is not None:
            known = _str_list(known, "server.known_scopes")
            for scope in known:
                _check_scope(scope, "server.known_scopes")
        lifetime = server.get("token_lifetime", 3600)
        if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime <= 0:
            raise RegistryError("server.token_lifetime must be a positive integer")
        realm = server.get("realm", "cc-reference")
        if not isinstance(realm, str):
            raise RegistryError("server.realm must be a string")
        resource = server.get("resource", DEFAULT_RESOURCE)
        if not isinstance(resource, str) or not resource:
            raise RegistryError("server.resource must be a non-empty string (the aud of "
                                "certificate-bound access tokens)")
        anchors = (*tls_client_anchors, *_ca_file_anchors(server, base_dir))
        if not anchors:
            for client in clients:
                if client.auth_method == "tls_client_auth":
                    raise RegistryError(
                        f"client {client.client_id!r} uses tls_client_auth but no trust anchor "
                        "is configured: set [server] tls_client_ca_file (for the demo CA, "
                        "python -m reference_impl demo-tls --out DIR writes DIR/ca.pem)")
        registry = cls(clients, known_scopes=known, token_lifetime=lifetime, realm=realm,
                       tls_client_anchors=anchors, resource=resource,
                       access_token_key=access_token_key, access_token_kid=access_token_kid)
        for client in clients:
            unknown = set(client.scopes) - registry.known_scopes
            if unknown:
                raise RegistryError(f"client {client.client_id!r} has unknown scopes")
        return registry

    @classmethod
    def from_file(cls, path: str | Path) -> ClientRegistry:
        """Load a registry from a TOML file (relative paths in it are relative to it)."""
        path = Path(path)
        return cls.from_toml(path.read_text(encoding="utf-8"), base_dir=path.parent)


def _ca_file_anchors(server: dict[str, Any], base_dir: str | Path | None) -> tuple[Any, ...]:
    """The certificates of ``[server] tls_client_ca_file`` (none when it is not set)."""
    from .mtls import load_anchors

    ca_file = server.get("tls_client_ca_file")
    if ca_file is None:
        return ()
    if not isinstance(ca_file, str) or not ca_file:
        raise RegistryError("server.tls_client_ca_file must be a path (a PEM file)")
    path = Path(ca_file)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    try:
        return load_anchors(path.read_bytes(), "server.tls_client_ca_file")
    except OSError as exc:
        raise RegistryError(f"server.tls_client_ca_file: cannot read {path}: "
                            f"{exc.strerror or exc}") from exc
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where} must be a list of strings")
    return value


def _check_scope(scope: str, where: str) -> None:
    if not is_scope_token(scope):
        raise RegistryError(f"{where}: {scope!r} is not a RFC 6749 scope-token")


def _client_from_table(index: int, table: Any) -> Client:
    where = f"clients[{index}]"
    if not isinstance(table, dict):
        raise RegistryError(f"{where} must be a table")
    client_id = table.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistryError(f"{where}.client_id must be a non-empty string")
    client_type = table.get("type", "confidential")
    if client_type not in CLIENT_TYPES:
        raise RegistryError(f"{where}.type must be 'confidential' or 'public'")
    secret_hash = table.get("secret_hash")
    method = table.get("token_endpoint_auth_method", "client_secret")
    if method not in AUTH_METHODS:
        raise RegistryError(f"{where}.token_endpoint_auth_method must be one of {AUTH_METHODS}")
    jwk, jwt_secret = _jwt_credentials(where, table, method)
    subject_dn, thumbprints = _tls_credentials(where, table, method)
    if client_type == "confidential":
        if method == "client_secret" and not isinstance(secret_hash, str):
            raise RegistryError(f"{where}: a confidential client needs secret_hash")
        if method != "client_secret" and secret_hash is not None:
            credential = {"private_key_jwt": "key", "client_secret_jwt": "jwt_secret"}.get(
                method, "TLS client certificate")
            raise RegistryError(f"{where}: a {method} client authenticates with its "
                                f"{credential}, not a secret_hash")
        if secret_hash is not None:
            _parse_hash(secret_hash)
    elif secret_hash is not None or method != "client_secret":
        raise RegistryError(f"{where}: a public client has no secret_hash and no JWT or TLS "
                            "method")
    grant_types = _str_list(table.get("grant_types", ["client_credentials"]), where)
    scopes = _str_list(table.get("scopes", []), f"{where}.scopes")
    defaults = _str_list(table.get("default_scopes", []), f"{where}.default_scopes")
    for scope in scopes:
        _check_scope(scope, f"{where}.scopes")
    if not set(defaults) <= set(scopes):
        raise RegistryError(f"{where}.default_scopes must be a subset of scopes")
    return Client(
        client_id=client_id,
        confidential=client_type == "confidential",
        grant_types=tuple(grant_types),
        scopes=tuple(scopes),
        default_scopes=tuple(defaults),
        secret_hash=secret_hash,
        auth_method=method,
        jwk=jwk,
        jwt_secret=jwt_secret,
        tls_client_auth_subject_dn=subject_dn,
        tls_client_x5t_s256=thumbprints,
    )


def _tls_credentials(where: str, table: dict[str, Any],
                     method: str) -> tuple[str | None, tuple[str, ...]]:
    """The subject DN of a tls_client_auth client (RFC 8705 §2.1.2), the registered
    certificates' x5t#S256 of a self_signed_tls_client_auth one (§2.2, §3.1)."""
    from .mtls import parse_dn

    dn, thumbprints = table.get("tls_client_auth_subject_dn"), table.get("tls_client_x5t_s256")
    if method != "tls_client_auth" and dn is not None:
        raise RegistryError(f"{where}.tls_client_auth_subject_dn: only a tls_client_auth client "
                            "has one")
    if method != "self_signed_tls_client_auth" and thumbprints is not None:
        raise RegistryError(f"{where}.tls_client_x5t_s256: only a self_signed_tls_client_auth "
                            "client has them")
    if method == "tls_client_auth":
        try:
            name = parse_dn(dn) if isinstance(dn, str) else None
        except ValueError:
            name = None
        if name is None or not name.rdns:
            raise RegistryError(f"{where}.tls_client_auth_subject_dn must be a non-empty "
                                "RFC 4514 distinguished name (\"CN=client,O=Example\")")
        return dn, ()
    if method == "self_signed_tls_client_auth":
        if (not isinstance(thumbprints, list) or not thumbprints
                or not all(isinstance(t, str) and _X5T_S256.match(t) for t in thumbprints)):
            raise RegistryError(f"{where}.tls_client_x5t_s256 must be a non-empty list of "
                                "certificate thumbprints (base64url SHA-256, 43 characters, "
                                "RFC 8705 §3.1)")
        return None, tuple(thumbprints)
    return None, ()


def _jwt_credentials(where: str, table: dict[str, Any],
                     method: str) -> tuple[dict[str, Any] | None, str | None]:
    """The public JWK of a private_key_jwt client, the MAC key of a client_secret_jwt one."""
    jwk, jwt_secret = table.get("jwk"), table.get("jwt_secret")
    if method != "private_key_jwt" and jwk is not None:
        raise RegistryError(f"{where}.jwk: only a private_key_jwt client has a key")
    if method != "client_secret_jwt" and jwt_secret is not None:
        raise RegistryError(f"{where}.jwt_secret: only a client_secret_jwt client has one")
    if method == "private_key_jwt":
        if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC", "OKP"):
            raise RegistryError(f"{where}.jwk must be a public RSA, EC or OKP JWK")
        if _PRIVATE_JWK_MEMBERS & set(jwk):
            raise RegistryError(f"{where}.jwk holds private key members: register the public "
                                "key only")
        return dict(jwk), None
    if method == "client_secret_jwt":
        if not isinstance(jwt_secret, str) or len(jwt_secret.encode("utf-8")) < 32:
            raise RegistryError(f"{where}.jwt_secret must be at least 32 bytes (an HS256 key "
                                "as long as its hash, RFC 7518 §3.2)")
        return None, jwt_secret
    return None, None


def demo_registry() -> ClientRegistry:
    """The bundled demo registry (``demo_clients.toml``; credentials in the README). Its
    ``tls_client_auth`` trust anchor is the demo CA and its access token key is derived from
    the public seed, both from :mod:`reference_impl.demo_tls`."""
    from . import demo_tls

    text = resources.files("reference_impl").joinpath("demo_clients.toml").read_text("utf-8")
    return ClientRegistry.from_toml(text, tls_client_anchors=[demo_tls.ca_certificate()],
                                    access_token_key=demo_tls.token_signing_key(),
                                    access_token_kid=demo_tls.DEMO_TOKEN_KID)
