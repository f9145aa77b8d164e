"""Target profiles: what the suite knows about the server under test.

A TOML file plus command-line overrides. Secrets are never written in the file: each client
names the environment variable that holds its secret (``secret_env``). Only the endpoint and one
confidential client are required; optional fixtures unlock more tests. Any problem raises
:class:`ProfileError` naming the offending field (exit status 2).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance import client_certs
from conformance.assertions import AssertionKeyError, SigningKey, load_private_key, secret_key
from conformance.catalogue import SPEC_PROFILES
from conformance.client_certs import ClientCert, ClientCertError
from conformance.targets import (
    DEFAULT_REQUEST_TIMEOUT_S,
    DEFAULT_RUN_BUDGET_S,
    DEFAULT_TIMEOUT_S,
    TargetSpec,
    TransportOptions,
)

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt",
                "client_secret_jwt", "tls_client_auth", "self_signed_tls_client_auth")
#: the JWT client authentication methods (RFC 7523 §2.2, OpenID Connect Core §9); each has a
#: client role of the same name in [clients]
JWT_METHODS = ("private_key_jwt", "client_secret_jwt")
#: the mutual-TLS client authentication methods (RFC 8705 §2.1 PKI, §2.2 self-signed); each has
#: a client role of the same name in [clients], with a certificate and key file
MTLS_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CLIENT_ROLES = ("confidential", "needs_encoding", "public", "not_allowed_grant",
                "private_key_jwt", "client_secret_jwt", *MTLS_METHODS)
_SECRET_ROLES = ("confidential", "needs_encoding", "not_allowed_grant", "client_secret_jwt")


class ProfileError(ValueError):
    """The profile is unusable; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"profile field {field_name!r}: {message}")
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Client:
    """A registered client. The secret never appears in repr()/str()."""

    role: str
    client_id: str
    secret: str | None = field(default=None, repr=False)
    secret_env: str | None = None  # the environment variable the secret came from
    #: what its JWT assertions are signed with (private_key_jwt, client_secret_jwt roles)
    signing_key: SigningKey | None = field(default=None, repr=False)
    #: the certificate and key it presents in the TLS handshake (mTLS roles)
    cert: ClientCert | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        shown = "None" if self.secret is None else "'***'"
        key = f", signing_key={self.signing_key!r}" if self.signing_key is not None else ""
        cert = f", cert={self.cert!r}" if self.cert is not None else ""
        return (f"Client(role={self.role!r}, client_id={self.client_id!r}, secret={shown}"
                f"{key}{cert})")

    __str__ = __repr__

    @property
    def require_secret(self) -> str:
        if self.secret is None:
            raise ValueError(f"client {self.role} has no secret")
        return self.secret


@dataclass(frozen=True, slots=True)
class Scopes:
    allowed: tuple[str, ...] = ()
    not_allowed: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    default: tuple[str, ...] | None = None  # None: not declared
    omitted_policy: str = "default"  # "default" | "invalid_scope" | "unknown"


@dataclass(frozen=True, slots=True)
class Profile:
    spec: str = "rfc6749"
    url: str | None = None
    app: str | None = None
    grant: str | None = None
    token_path: str = "/token"  # noqa: S105 - a path
    timeout: float = DEFAULT_TIMEOUT_S
    clients: Mapping[str, Client] = field(default_factory=dict)
    scopes: Scopes = field(default_factory=Scopes)
    auth_methods: tuple[str, ...] = ("client_secret_basic",)
    #: the audience JWT client assertions name (RFC 7523 §3 item 3): None means the token
    #: endpoint URL the suite sends to; a server that wants its issuer identifier says so here
    assertion_audience: str | None = None
    #: the server declares it refuses a replayed assertion ``jti`` (a MAY of RFC 7523 §3 item 7
    #: that OpenID Connect Core §9 makes a rule for OpenID Providers): then a replay is a fail
    refuses_replayed_jti: bool = False
    source: str = "<command line>"
    connect_timeout: float = DEFAULT_TIMEOUT_S
    read_timeout: float = DEFAULT_TIMEOUT_S
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_S
    run_budget: float = DEFAULT_RUN_BUDGET_S
    ca_bundle: str | None = None
    insecure: bool = False  # command line only (--insecure)
    allow_insecure_http: bool = False  # command line only (--allow-insecure-http)
    #: RFC 6749 §3.2: for an https target, probe the plain-http twin of the endpoint with a
    #: client that does not exist (--no-plain-http-probe / target.plain_http_probe = false)
    plain_http_probe: bool = True
    plain_http_url: str | None = None  # where that twin is, if not http://<host>[:port]/<path>
    #: RFC 8414 §3: where the server publishes its authorization server metadata: an http(s)
    #: URL, or a path ("/.well-known/oauth-authorization-server") on the target itself (the
    #: token endpoint's origin for a URL target, the app for an in-process one); None: the
    #: metadata checks are not applicable
    metadata_url: str | None = None
    name: str | None = None  # [target] name: report folder and matrix column of a multi-target run

    @property
    def transport(self) -> TransportOptions:
        return TransportOptions(connect=self.connect_timeout, read=self.read_timeout,
                                total=self.request_timeout, ca_bundle=self.ca_bundle,
                                insecure=self.insecure,
                                allow_insecure_http=self.allow_insecure_http)

    def __repr__(self) -> str:
        return (f"Profile(spec={self.spec!r}, url={self.url!r}, app={self.app!r}, "
                f"grant={self.grant!r}, "
                f"clients={list(self.clients.values())!r}, auth_methods={self.auth_methods!r})")

    def target_spec(self) -> TargetSpec:
        """What to test, from whichever of ``url``, ``app`` or ``grant`` the profile names."""
        if self.url:
            return TargetSpec("url", self.url)
        if self.grant:
            return TargetSpec("grant", self.grant, token_path=self.token_path)
        return TargetSpec("app", self.app, token_path=self.token_path)

    def client(self, role: str) -> Client | None:
        return self.clients.get(role)

    @property
    def confidential(self) -> Client:
        return self.clients["confidential"]

    def secrets(self) -> list[tuple[str, str]]:
        return [(c.client_id, c.secret) for c in self.clients.values() if c.secret]


_TOP = {"spec", "target", "clients", "scopes", "server"}
_TARGET = {"name", "url", "app", "grant", "token_path", "timeout", "connect_timeout",
           "read_timeout", "request_timeout", "run_budget", "ca_bundle", "plain_http_probe",
           "plain_http_url", "metadata_url"}
_CLIENT = {"client_id", "secret_env", "private_key_file", "private_key_passphrase_env", "alg",
           "kid", "cert_file", "key_file", "key_passphrase_env"}
_KEY_FIELDS = ("private_key_file", "private_key_passphrase_env", "kid")
_CERT_FIELDS = ("cert_file", "key_file", "key_passphrase_env")
_SCOPES = {"allowed", "not_allowed", "unknown", "default", "omitted_policy"}
_SERVER = {"auth_methods", "assertion_audience", "refuses_replayed_jti"}


def _check_keys(table: Mapping[str, object], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            name = f"{prefix}.{key}" if prefix else key
            known = ", ".join(sorted(allowed))
            raise ProfileError(name, f"unknown field (expected one of: {known})")


def _table(data: Mapping[str, object], key: str, prefix: str = "") -> Mapping[str, object]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ProfileError(f"{prefix}{key}", "must be a table")
    return value


def _str_list(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ProfileError(name, "must be a list of non-empty strings")
    return tuple(value)


def _scope_tokens(value: object, name: str) -> tuple[str, ...]:
    items = _str_list(value, name)
    for s in items:
        if any(c in s for c in ' "\\') or not all(0x21 <= ord(c) <= 0x7E for c in s):
            raise ProfileError(name, f"{s!r} is not a valid scope token (RFC 6749 §3.3)")
    return items


def _seconds(overrides: Mapping[str, object], target: Mapping[str, object], key: str,
             default: float, upper: float) -> float:
    """A duration from the command line (``overrides``) or ``[target]``, in (0, upper]."""
    value = overrides.get(key)
    if value is None:
        value = target.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= upper:
        raise ProfileError(f"target.{key}", f"must be a number of seconds in (0, {upper:g}]")
    return float(value)


def _parse_target(target: Mapping[str, object], o: Mapping[str, object]) -> dict[str, object]:
    """``[target]`` with the command line's overrides ``o``: the Profile fields it sets."""
    _check_keys(target, _TARGET, "target")
    url, app, grant = (o.get(k) or target.get(k) for k in ("url", "app", "grant"))
    # A target given on the command line replaces the file's target, whatever its kind.
    if o.get("url") or o.get("app") or o.get("grant"):
        url, app, grant = o.get("url"), o.get("app"), o.get("grant")
    if url is not None and not isinstance(url, str):
        raise ProfileError("target.url", "must be a string")
    if app is not None and (not isinstance(app, str) or ":" not in app):
        raise ProfileError("target.app", "must be a 'module:attr' string")
    if grant is not None and (not isinstance(grant, str) or ":" not in grant):
        raise ProfileError("target.grant", "must be a 'module:factory' string")
    if sum(1 for t in (url, app, grant) if t) > 1:
        raise ProfileError("target", "give one of url, app or grant, not several")
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        raise ProfileError("target.url", f"must be an http(s) URL, got {url!r}")
    name = target.get("name")
    if name is not None and (not isinstance(name, str) or not NAME_RE.match(name)):
        raise ProfileError("target.name", "must be 1-64 characters of letters, digits, '.', "
                           f"'_' or '-', starting with a letter or digit; got {name!r}")
    token_path = target.get("token_path", "/token")
    if not isinstance(token_path, str) or not token_path.startswith("/"):
        raise ProfileError("target.token_path", "must be a path starting with '/'")
    timeout = target.get("timeout", 5.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 60:
        raise ProfileError("target.timeout", "must be a number of seconds in (0, 60]")
    ca_bundle = o.get("ca_bundle") or target.get("ca_bundle")
    if ca_bundle is not None and (not isinstance(ca_bundle, str) or not ca_bundle):
        raise ProfileError("target.ca_bundle", "must be the path of a PEM file")
    insecure = bool(o.get("insecure"))
    if insecure and ca_bundle:
        raise ProfileError("--insecure", "cannot be combined with a CA bundle (ca_bundle)")
    plain_http_probe = target.get("plain_http_probe", True)
    if not isinstance(plain_http_probe, bool):
        raise ProfileError("target.plain_http_probe", "must be true or false")
    plain_http_url = target.get("plain_http_url")
    if plain_http_url is not None and (not isinstance(plain_http_url, str)
                                       or not plain_http_url.startswith("http://")):
        raise ProfileError("target.plain_http_url", "must be an http:// URL (where the plain "
                           "HTTP twin of the token endpoint would answer)")
    metadata_url = o.get("metadata_url") or target.get("metadata_url")
    if metadata_url is not None and (
            not isinstance(metadata_url, str)
            or not metadata_url.startswith(("http://", "https://", "/"))
            or "#" in metadata_url or any(c.isspace() for c in metadata_url)):
        raise ProfileError("target.metadata_url", "must be an http(s) URL or a path starting "
                           "with '/' (on the target), without a fragment (RFC 8414 §3)")
    return {
        "url": url, "app": app, "grant": grant, "name": name, "token_path": token_path,
        "timeout": float(timeout),
        "connect_timeout": _seconds(o, target, "connect_timeout", timeout, 60),
        "read_timeout": _seconds(o, target, "read_timeout", timeout, 60),
        "request_timeout": _seconds(o, target, "request_timeout",
                                    max(DEFAULT_REQUEST_TIMEOUT_S, timeout), 300),
        "run_budget": _seconds(o, target, "run_budget", DEFAULT_RUN_BUDGET_S, 86400),
        "ca_bundle": str(ca_bundle) if ca_bundle else None, "insecure": insecure,
        "allow_insecure_http": bool(o.get("allow_insecure_http")),
        "plain_http_probe": plain_http_probe and not o.get("no_plain_http_probe"),
        "plain_http_url": plain_http_url, "metadata_url": metadata_url,
    }


def _from_env(raw: Mapping[str, object], name: str, env: Mapping[str, str],
              missing: str) -> tuple[str, str]:
    """``(variable, value)`` of the field ``name`` (``clients.<role>.<field>``), which names an
    environment variable that must be set and non-empty."""
    var = raw.get(name.rsplit(".", 1)[1])
    if not isinstance(var, str) or not var:
        raise ProfileError(name, missing)
    value = env.get(var)
    if not value:
        raise ProfileError(name, f"environment variable {var!r} is not set or empty")
    return var, value


def _signing_key(role: str, raw: Mapping[str, object], secret: str | None,
                 env: Mapping[str, str], base: Path) -> SigningKey | None:
    """The assertion key of a JWT client: the private key file (private_key_jwt) or the
    secret (client_secret_jwt); other roles have none."""
    prefix = f"clients.{role}"
    alg = raw.get("alg")
    if alg is not None and not isinstance(alg, str):
        raise ProfileError(f"{prefix}.alg", "must be a JWS algorithm name")
    if role != "private_key_jwt":
        for name in (*_KEY_FIELDS, *(("alg",) if role != "client_secret_jwt" else ())):
            if name in raw:
                raise ProfileError(f"{prefix}.{name}", "only a private_key_jwt client has a "
                                   "private key (alg: private_key_jwt and client_secret_jwt)")
        if role != "client_secret_jwt":
            return None
        try:
            return secret_key(secret or "", alg)
        except AssertionKeyError as exc:
            raise ProfileError(f"{prefix}.alg", str(exc)) from exc
    path = raw.get("private_key_file")
    if not isinstance(path, str) or not path:
        raise ProfileError(f"{prefix}.private_key_file", "is required: the PEM or JWK file of "
                           "the client's private key (relative to the profile's folder)")
    passphrase = None
    if "private_key_passphrase_env" in raw:
        _, passphrase = _from_env(raw, f"{prefix}.private_key_passphrase_env", env,
                                  "must name the environment variable holding the passphrase")
    kid = raw.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise ProfileError(f"{prefix}.kid", "must be a non-empty string")
    try:
        return load_private_key(base / path, passphrase=passphrase, alg=alg, kid=kid)
    except AssertionKeyError as exc:
        raise ProfileError(f"{prefix}.private_key_file", str(exc)) from exc


def _client_cert(role: str, raw: Mapping[str, object], env: Mapping[str, str],
                 base: Path) -> ClientCert | None:
    """The TLS client certificate of an mTLS client (its PEM certificate and key files,
    relative to ``base``); other roles have none."""
    prefix = f"clients.{role}"
    if role not in MTLS_METHODS:
        for name in _CERT_FIELDS:
            if name in raw:
                raise ProfileError(f"{prefix}.{name}", "only a tls_client_auth or "
                                   "self_signed_tls_client_auth client has a certificate")
        return None
    paths = {}
    for name, what in (("cert_file", "certificate"), ("key_file", "private key")):
        path = raw.get(name)
        if not isinstance(path, str) or not path:
            raise ProfileError(f"{prefix}.{name}", f"is required: the PEM file of the client's "
                               f"TLS {what} (relative to the profile's folder)")
        paths[name] = base / path
    passphrase = None
    if "key_passphrase_env" in raw:
        _, passphrase = _from_env(raw, f"{prefix}.key_passphrase_env", env,
                                  "must name the environment variable holding the passphrase")
    try:
        return client_certs.load(paths["cert_file"], paths["key_file"], password=passphrase,
                                 label=f"the {role} client's certificate")
    except ClientCertError as exc:
        raise ProfileError(f"{prefix}.cert_file", str(exc)) from exc


def _parse_clients(clients_table: Mapping[str, object], o: Mapping[str, object],
                   env: Mapping[str, str], base: Path) -> dict[str, Client]:
    """``[clients.<role>]``; each secret is read from its environment variable, each private
    key from its file (relative to ``base``, the profile's folder)."""
    clients_raw = dict(clients_table)
    if o.get("client_id") or o.get("secret_env"):
        conf = dict(clients_raw.get("confidential", {}))  # type: ignore[call-overload]
        if o.get("client_id"):
            conf["client_id"] = o["client_id"]
        if o.get("secret_env"):
            conf["secret_env"] = o["secret_env"]
        clients_raw["confidential"] = conf
    _check_keys(clients_raw, set(CLIENT_ROLES), "clients")
    clients: dict[str, Client] = {}
    for role, raw in clients_raw.items():
        prefix = f"clients.{role}"
        if not isinstance(raw, Mapping):
            raise ProfileError(prefix, "must be a table")
        _check_keys(raw, _CLIENT, prefix)
        cid = raw.get("client_id")
        if not isinstance(cid, str) or not cid:
            raise ProfileError(f"{prefix}.client_id", "is required and must be a non-empty string")
        secret: str | None = None
        var = None
        if role in _SECRET_ROLES:
            var, secret = _from_env(raw, f"{prefix}.secret_env", env,
                                    "is required: the environment variable holding the secret")
        elif "secret_env" in raw:
            raise ProfileError(f"{prefix}.secret_env", "a public client has no secret")
        clients[role] = Client(role=role, client_id=cid, secret=secret,
                               secret_env=var if secret else None,
                               signing_key=_signing_key(role, raw, secret, env, base),
                               cert=_client_cert(role, raw, env, base))
    if "confidential" not in clients:
        raise ProfileError("clients.confidential",
                           "is required (client_id and secret_env of one confidential client)")
    return clients


def _parse_scopes(sc: Mapping[str, object]) -> Scopes:
    """``[scopes]``: the scope fixtures and the policy for a request without scope."""
    _check_keys(sc, _SCOPES, "scopes")
    default = sc.get("default")
    policy = sc.get("omitted_policy", "default" if default is not None else "unknown")
    if policy not in ("default", "invalid_scope", "unknown"):
        raise ProfileError("scopes.omitted_policy", "must be default, invalid_scope or unknown")
    scopes = Scopes(
        allowed=_scope_tokens(sc.get("allowed", []), "scopes.allowed"),
        not_allowed=_scope_tokens(sc.get("not_allowed", []), "scopes.not_allowed"),
        unknown=_scope_tokens(sc.get("unknown", []), "scopes.unknown"),
        default=None if default is None else _scope_tokens(default, "scopes.default"),
        omitted_policy=str(policy),
    )
    if policy == "default" and scopes.default is None:
        raise ProfileError("scopes.default", "is required when omitted_policy = 'default'")
    overlap = set(scopes.allowed) & (set(scopes.not_allowed) | set(scopes.unknown))
    if overlap:
        raise ProfileError("scopes.allowed", f"overlaps not_allowed/unknown: {sorted(overlap)}")
    return scopes


def _parse_server(server: Mapping[str, object], spec: str,
                  clients: Mapping[str, Client]) -> dict[str, object]:
    """``[server]``: the client authentication methods the server supports and how it
    handles JWT assertions."""
    _check_keys(server, _SERVER, "server")
    default_methods = ["client_secret_basic"] if spec == "rfc6749" else ["client_secret_post"]
    methods = _str_list(server.get("auth_methods", default_methods), "server.auth_methods")
    for m in methods:
        if m not in AUTH_METHODS:
            raise ProfileError("server.auth_methods", f"unknown method {m!r} (know {AUTH_METHODS})")
        if m in (*JWT_METHODS, *MTLS_METHODS) and m not in clients:
            raise ProfileError("server.auth_methods", f"{m} is listed but the profile has no "
                               f"[clients.{m}] client to authenticate with it")
    audience = server.get("assertion_audience")
    if audience is not None and (not isinstance(audience, str) or not audience):
        raise ProfileError("server.assertion_audience", "must be a non-empty string (the "
                           "token endpoint URL or the issuer identifier the server expects)")
    replay = server.get("refuses_replayed_jti", False)
    if not isinstance(replay, bool):
        raise ProfileError("server.refuses_replayed_jti", "must be true or false")
    return {"auth_methods": methods, "assertion_audience": audience,
            "refuses_replayed_jti": replay}


def parse_profile(
    data: Mapping[str, object],
    *,
    source: str = "<profile>",
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Profile:
    """A profile from its TOML tables (one function per table) and command-line overrides."""
    env = os.environ if environ is None else environ
    o = dict(overrides or {})
    _check_keys(data, _TOP, "")
    spec = o.get("spec") or data.get("spec", "rfc6749")
    if spec not in SPEC_PROFILES:
        raise ProfileError("spec", f"must be one of {SPEC_PROFILES}, got {spec!r}")
    target = _parse_target(_table(data, "target"), o)
    base = Path(source).parent if not source.startswith("<") else Path.cwd()
    clients = _parse_clients(_table(data, "clients"), o, env, base)
    server = _parse_server(_table(data, "server"), str(spec), clients)
    mtls = [m for m in server["auth_methods"] if m in MTLS_METHODS]  # type: ignore[attr-defined]
    url = target["url"]
    if mtls and isinstance(url, str) and not url.startswith("https://"):
        raise ProfileError("server.auth_methods", f"{', '.join(mtls)} needs an https target "
                           "(a client certificate is presented in the TLS handshake); test "
                           "the server's https endpoint, or an ASGI app in-process")
    return Profile(
        spec=str(spec), clients=clients, scopes=_parse_scopes(_table(data, "scopes")),
        source=source, **server,  # type: ignore[arg-type]
        **target,  # type: ignore[arg-type]
    )


def load_profile(
    path: str | Path | None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Profile:
    data: Mapping[str, object] = {}
    source = "<command line>"
    if path is not None:
        p = Path(path)
        source = str(p)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ProfileError("--profile", f"file not found: {p}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError("--profile", f"{p} is not valid TOML: {exc}") from exc
    profile = parse_profile(data, source=source, environ=environ, overrides=overrides)
    if not profile.url and not profile.app and not profile.grant:
        raise ProfileError("target", "no target: give --url/--app/--grant or "
                           "target.url/target.app/target.grant")
    return profile


def target_name(profile: Profile) -> str:
    """The name of the profile's target: ``[target] name``, else the profile file's stem (made
    safe for a folder name), else ``target``."""
    if profile.name:
        return profile.name
    if profile.source and not profile.source.startswith("<"):
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(profile.source).stem).strip("-.")
        if stem:
            return stem[:64]
    return "target"
