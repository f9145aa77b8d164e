"""Glewlwyd (Debian package ``glewlwyd``, 2.7.x), a native SSO server, set up as its own
documentation describes and served on 127.0.0.1.

Glewlwyd is configured in two places (docs/GETTING_STARTED.md of the package,
/usr/share/doc/glewlwyd): a libconfig file for the server itself, and its database for every
user and client backend, scope and plugin instance, which the administrator creates through the
admin REST API (docs/API.md) after a password login. So this launcher, in a private temporary
folder:

1. makes a SQLite database from the package's own schema and first data
   (``/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz``: the database user and client
   backends, the ``g_admin`` scope and the ``admin`` user, password ``password``);
2. makes a CA, the server's certificate for 127.0.0.1 and the mutual-TLS client certificates
   (:func:`tls_material`) and writes a config file with the keys of the package's
   ``/etc/glewlwyd/glewlwyd.conf``, but a free loopback port, ``bind_address="127.0.0.1"``,
   ``use_secure_connection=true`` with those files, this database and console logging;
3. starts ``glewlwyd --config-file=...`` and waits (bounded) for ``https://.../config``;
4. logs in as admin (``POST /api/auth/``, session cookie) and creates, as documented:
   the scopes ``read``, ``write`` and ``admin`` (``POST /api/scope/``), one instance ``oidc`` of
   the OpenID Connect plugin (``POST /api/mod/plugin/``; the admin UI's defaults for a new
   instance, plus what client credentials needs: ``allow-non-oidc`` and
   ``auth-type-client-enabled``, docs/OIDC.md; tokens signed RS256 with a key made now;
   the client certificate of the TLS session, self-signed ones allowed), and the fixture
   clients (``POST /api/client/``, docs/OIDC.md "Client secret vs password"), after adding
   ``tls_client_auth_subject_dn`` to the client database backend's data-format;
5. prints ``LISTENING <token endpoint>`` and waits for SIGTERM, then stops glewlwyd and removes
   the folder.

The fixture clients: ``cc-demo-client`` and ``cc:special client/ü`` (confidential, a hashed
``password``, authorization type ``client_credentials``, scopes read and write);
``cc-public-client`` (not confidential, no secret); ``cc-code-only-client`` (confidential,
authorization type ``code`` only); ``cc-key-jwt-client`` (``token_endpoint_auth_method``
``private_key_jwt``, its public JWK in the ``jwks`` property; the private key is made at start
into ``$CC_INTEROP_KEY_DIR/glewlwyd/``) and ``cc-hmac-jwt-client`` (``client_secret_jwt`` with a
``client_secret``, which Glewlwyd keeps unhashed for exactly that method); ``cc-mtls-client``
(``tls_client_auth``, subject DN ``CN=cc-mtls-client``, its certificate from the run's CA) and
``cc-mtls-self-signed-client`` (``self_signed_tls_client_auth``, its self-signed certificate as
the ``x5c`` of its ``jwks``), certificates and keys in ``$CC_INTEROP_KEY_DIR/glewlwyd/``.

    python -m interop.glewlwyd.server      # prints "LISTENING https://...", serves until SIGTERM
"""

from __future__ import annotations

import contextlib
import gzip
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from interop.fixtures import (
    CLIENT_SECRET_JWT_CLIENT,
    KEY_DIR_ENV,
    KNOWN_SCOPES,
    PRIVATE_KEY_JWT_CLIENT,
    TOKEN_LIFETIME_S,
    fixture_clients,
    generate_client_key,
    jwt_client_secret,
)

PLUGIN = "oidc"  # the plugin instance name: its endpoints are /api/<name>/...
TOKEN_PATH = f"/api/{PLUGIN}/token"
SCHEMA = Path("/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz")
LIB = Path("/usr/lib/glewlwyd")
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
ADMIN = ("admin", "password")  # the first admin of the package's schema (GETTING_STARTED.md)
START_TIMEOUT_S = 20.0
#: The mutual-TLS clients (RFC 8705) of interop/glewlwyd/profile.toml: a certificate from the
#: run's CA whose subject DN is registered (tls_client_auth), and a registered self-signed one.
TLS_CLIENT = "cc-mtls-client"
SELF_SIGNED_CLIENT = "cc-mtls-self-signed-client"
#: Where the run's CA certificate (the suite's ca_bundle) and the client certificates and keys
#: are written, under $CC_INTEROP_KEY_DIR (interop/servers.py names the CA file to run.py).
TLS_DIR = "glewlwyd"

#: The admin UI's defaults for a new OpenID Connect plugin instance (webapp/admin.js of the
#: package, the object a "new plugin" form starts from), the parts that matter here.
OIDC_DEFAULTS: dict[str, Any] = {
    "oauth-as-iss-id": False, "jwt-type": "rsa", "jwt-key-size": "256", "jwks-uri": "",
    "jwks-private": "", "default-kid": "", "client-sign_kid-parameter": "", "jwks-public": "",
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": True, "refresh-token-one-use": "never",
    "client-refresh-token-one-use-parameter": "refresh-token-one-use", "allow-non-oidc": False,
    "auth-type-code-enabled": True, "auth-type-code-revoke-replayed": False,
    "auth-type-token-enabled": True, "auth-type-id-token-enabled": True,
    "auth-type-none-enabled": True, "auth-type-password-enabled": False,
    "auth-type-client-enabled": True, "auth-type-device-enabled": False,
    "auth-type-refresh-enabled": True, "scope": [], "additional-parameters": [], "claims": [],
    "jwks-show": True, "jwks-x5c": [], "request-parameter-allow": True,
    "request-uri-allow-https-non-secure": False, "request-parameter-allow-encrypted": True,
    "request-parameter-ietf-strict": False, "secret-type": "pairwise",
    "address-claim": {"type": "no", "formatted": "", "street_address": "", "locality": "",
                      "region": "", "postal_code": "", "country": "", "mandatory": False},
    "name-claim": "on-demand", "name-claim-scope": [], "email-claim": "no",
    "email-claim-scope": [], "scope-claim": "no", "scope-claim-scope": [],
    "allowed-scope": ["openid"], "pkce-allowed": False, "pkce-method-plain-allowed": False,
    "pkce-required": False, "pkce-required-public-client": False, "pkce-scopes": [],
    "introspection-revocation-allowed": False, "introspection-revocation-auth-scope": [],
    "introspection-revocation-allow-target-client": True, "register-client-allowed": False,
    "register-client-auth-scope": [], "register-client-credentials-scope": [],
    "register-client-token-one-use": True, "register-client-management-allowed": True,
    "register-resource-specify-allowed": False, "register-resource-default": [],
    "register-default-properties": {}, "session-management-allowed": False,
    "session-cookie-name": "GLEWLWYD2_OIDC_SID", "session-cookie-expiration": 2419200,
    "front-channel-logout-allowed": True, "back-channel-logout-allowed": True,
    "client-pubkey-parameter": "", "client-jwks-parameter": "jwks",
    "client-jwks_uri-parameter": "jwks_uri", "request-maximum-exp": 3600,
    "encrypt-out-token-allow": False, "client-enc-parameter": "enc",
    "client-alg-parameter": "alg", "client-alg_kid-parameter": "alg_kid",
    "client-encrypt_code-parameter": "encrypt_code",
    "client-encrypt_at-parameter": "encrypt_at",
    "client-encrypt_userinfo-parameter": "encrypt_userinfo",
    "client-encrypt_id_token-parameter": "encrypt_id_token",
    "client-encrypt_refresh_token-parameter": "encrypt_refresh_token",
    "client-encrypt_introspection-parameter": "encrypt_introspection",
    "device-authorization-expiration": 600, "device-authorization-interval": 5,
    "client-cert-header-name": "SSL_CLIENT_CERT", "client-cert-use-endpoint-aliases": False,
    "client-cert-self-signed-allowed": False, "oauth-dpop-allowed": False,
    "oauth-dpop-iat-duration": 10, "oauth-dpop-iat-gap-duration": 0,
    "oauth-dpop-dpop_bound_access_tokens-property": "dpop_bound_access_tokens",
    "oauth-dpop-nonce-mandatory": False, "oauth-dpop-nonce-counter": 10,
    "resource-allowed": False, "resource-scope": {}, "resource-client-property": "",
    "resource-scope-and-client-property": False, "oauth-rar-allowed": False,
    "rar-types-client-property": "authorization_details_types", "rar-allow-auth-unsigned": False,
    "rar-allow-auth-unencrypted": True, "rar-types": {}, "oauth-par-allowed": False,
    "oauth-par-duration": 90, "oauth-par-required": False,
    "oauth-par-request_uri-prefix": "urn:ietf:params:oauth:request_uri:",
    "prompt-continue-client-property": "", "restrict-scope-client-property": "",
    "oauth-ciba-allowed": False, "oauth-fapi-check-all": False, "oauth-fapi-allow-jarm": False,
    "oauth-fapi-add-s_hash": False, "oauth-fapi-verify-nbf": False,
    "oauth-fapi-allow-restrict-alg": False, "oauth-fapi-restrict-alg": [],
    "oauth-fapi-allow-multiple-kid": False, "jwks-public-uri": "",
}

CONFIG = """\
# Written by interop/glewlwyd/server.py from the keys of the package's
# /etc/glewlwyd/glewlwyd.conf (loopback only, a private SQLite database, console log, https
# with the certificates made at start; secure_connection_ca_file: the certificates a client
# may present, verified by ulfius).
port={port}
bind_address="127.0.0.1"
external_url="https://127.0.0.1:{port}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
allow_methods="GET, POST, PUT, DELETE, OPTIONS"
allow_headers="Origin, X-Requested-With, Content-Type, Accept, Bearer, Authorization, DPoP"
expose_headers="Content-Encoding, Authorization"
log_mode="console"
log_level="{log_level}"
cookie_secure=0
cookie_same_site="empty"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="{lib}/user"
client_module_path="{lib}/client"
user_auth_scheme_module_path="{lib}/scheme"
plugin_module_path="{lib}/plugin"
use_secure_connection=true
secure_connection_key_file="{work}/server-key.pem"
secure_connection_pem_file="{work}/server.pem"
secure_connection_ca_file="{work}/trust.pem"
hash_algorithm="SHA512"
database =
{{
  type = "sqlite3"
  path = "{work}/glewlwyd.db"
}};
"""


class Admin:
    """The admin REST API, with the session cookie of ``POST /api/auth/``."""

    def __init__(self, base: str, context: ssl.SSLContext) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context))

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - https://127.0.0.1 only (free_port)
            f"{self.base}/api/{path}", data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with self.opener.open(req, timeout=10) as resp:
                text = resp.read().decode() or "null"
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise SystemExit(f"glewlwyd admin API: {method} /api/{path}: HTTP {exc.code} "
                             f"{detail}") from None
        return json.loads(text)


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (glewlwyd binds it itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_database(work: Path) -> None:
    with gzip.open(SCHEMA, "rt", encoding="utf-8") as f:
        script = f.read()
    con = sqlite3.connect(work / "glewlwyd.db")
    try:
        con.executescript(script)
        con.commit()
    finally:
        con.close()


def signing_key() -> tuple[str, str]:
    """An RSA key for the plugin's RS256 tokens (``key``, ``cert``: PEM private, public)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def tls_material(work: Path, keys: Path) -> Path:
    """Certificates made now with ``cryptography`` (RSA-2048, valid one day, never checked in):
    a CA; the server's certificate for 127.0.0.1 and its key (``work``: ``server.pem``,
    ``server-key.pem``); the tls_client_auth client's certificate ``CN=cc-mtls-client`` from that
    CA and the self_signed_tls_client_auth client's self-signed ``CN=cc-mtls-self-signed-client``,
    each with its key (``keys``: ``<client>.crt`` and ``<client>-key.pem``, mode 0600, where the
    profile points); the CA again as ``keys/ca.pem`` (the suite's ``ca_bundle``).

    ``work/trust.pem`` (``secure_connection_ca_file``) holds the CA and the self-signed client
    certificate: ulfius hands Glewlwyd a client certificate only when it verifies against that
    file (docs/OIDC.md: "Self-signed certificates couldn't be tested in TLS sessions"), so a
    self-signed client certificate must be listed there to reach the plugin at all. Returns the
    CA file."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cert(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey,
             signer: rsa.RSAPrivateKey, *, ca: bool = False, server: bool = False) -> bytes:
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            b = b.add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        elif server:
            b = (b.add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                critical=False))
        else:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                                critical=False)
        return b.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def private(key: rsa.RSAPrivateKey, path: Path) -> None:
        path.touch(mode=0o600)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key = new_key()
    ca_name = name("cc-conformance interop CA (glewlwyd)")
    ca_pem = cert(ca_name, ca_name, ca_key, ca_key, ca=True)
    server_key = new_key()
    (work / "server.pem").write_bytes(cert(name("127.0.0.1"), ca_name, server_key, ca_key,
                                           server=True))
    private(server_key, work / "server-key.pem")
    tls_key, self_key = new_key(), new_key()
    (keys / f"{TLS_CLIENT}.crt").write_bytes(cert(name(TLS_CLIENT), ca_name, tls_key, ca_key))
    private(tls_key, keys / f"{TLS_CLIENT}-key.pem")
    self_pem = cert(name(SELF_SIGNED_CLIENT), name(SELF_SIGNED_CLIENT), self_key, self_key)
    (keys / f"{SELF_SIGNED_CLIENT}.crt").write_bytes(self_pem)
    private(self_key, keys / f"{SELF_SIGNED_CLIENT}-key.pem")
    (work / "trust.pem").write_bytes(ca_pem + self_pem)
    (keys / "ca.pem").write_bytes(ca_pem)
    return keys / "ca.pem"


def self_signed_jwk(pem: bytes) -> dict[str, Any]:
    """The self-signed client certificate as the public JWK Glewlwyd matches it by: the plugin
    exports each key of the client's ``jwks`` to a certificate (its ``x5c``) and compares the
    SHA-256 thumbprints (protocol_oidc.c, check_client_certificate_valid)."""
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    crt = x509.load_pem_x509_certificate(pem)
    pub = crt.public_key()
    assert isinstance(pub, rsa.RSAPublicKey)
    nums = pub.public_numbers()

    def b64(n: int) -> str:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    der = crt.public_bytes(serialization.Encoding.DER)
    return {"kty": "RSA", "kid": SELF_SIGNED_CLIENT, "n": b64(nums.n), "e": b64(nums.e),
            "x5c": [base64.b64encode(der).decode("ascii")]}


def wait_up(proc: subprocess.Popen[bytes], base: str, deadline: float,
            context: ssl.SSLContext) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"glewlwyd exited with {proc.returncode} at start")
        with contextlib.suppress(OSError), urllib.request.urlopen(  # noqa: S310 - loopback
                f"{base}/config", timeout=1, context=context):
            return
        time.sleep(0.05)
    raise SystemExit(f"glewlwyd did not answer on {base} within {START_TIMEOUT_S:.0f}s")


def configure(admin: Admin, base: str, keys: Path) -> None:
    """Scopes, the OpenID Connect plugin instance and the fixture clients, as an administrator
    creates them (docs/API.md, docs/OIDC.md)."""
    admin.call("POST", "auth/", {"username": ADMIN[0], "password": ADMIN[1]})
    # The client database backend stores only the properties of its data-format
    # (docs/CLIENT_DATABASE.md "Specific data format"); the schema's list has the SAN
    # properties of RFC 8705 but not tls_client_auth_subject_dn, which the plugin reads
    # (check_client_certificate_valid): add it, then reload the instance (action reset).
    mod = admin.call("GET", "mod/client/database")
    mod["parameters"]["data-format"]["tls_client_auth_subject_dn"] = {
        "multiple": False, "read": True, "write": True}
    admin.call("PUT", "mod/client/database", {
        "display_name": mod["display_name"], "parameters": mod["parameters"],
        "order_rank": mod.get("order_rank", 0), "readonly": mod.get("readonly", False)})
    admin.call("PUT", "mod/client/database/reset")
    for scope in KNOWN_SCOPES:
        admin.call("POST", "scope/", {"name": scope, "display_name": scope,
                                      "description": f"cc-conformance fixture scope {scope}",
                                      "password_required": False, "scheme": {}})
    key, cert = signing_key()
    params = {**OIDC_DEFAULTS, "iss": base, "key": key, "cert": cert,
              "access-token-duration": TOKEN_LIFETIME_S,
              # docs/OIDC.md: "Allow non OIDC but valid OAuth2 requests" (client_credential is
              # one) and "Authentication type client enabled".
              "allow-non-oidc": True, "auth-type-client-enabled": True,
              "allowed-scope": ["openid", *KNOWN_SCOPES],
              # docs/OIDC.md "Mutual-TLS Client Authentication": the certificate of the TLS
              # session ("TLS session"; the admin UI's value is "TLS"), self-signed allowed.
              "client-cert-source": "TLS", "client-cert-self-signed-allowed": True}
    admin.call("POST", "mod/plugin/", {"module": "oidc", "name": PLUGIN,
                                       "display_name": "cc-conformance OpenID Connect",
                                       "order_rank": 0, "readonly": False,
                                       "parameters": params})
    for c in fixture_clients():
        body: dict[str, Any] = {
            "client_id": c.client_id, "name": c.client_id, "enabled": True,
            "confidential": c.confidential, "scope": list(c.scopes),
            "authorization_type": list(c.grant_types), "redirect_uri": []}
        if "authorization_code" in c.grant_types:
            body["authorization_type"] = ["code"]
            body["redirect_uri"] = ["https://client.example/cb"]
        if c.secret is not None:
            body["password"] = c.secret
            # A client may use only the methods listed (docs/OIDC.md; without the property,
            # every request of the client is refused 403).
            body["token_endpoint_auth_method"] = SECRET_METHODS
        else:
            body["token_endpoint_auth_method"] = ["none"]
        admin.call("POST", "client/", body)
    jwk = generate_client_key(PRIVATE_KEY_JWT_CLIENT, server="glewlwyd")
    write_private_jwk(jwk["kid"])
    admin.call("POST", "client/", {
        "client_id": PRIVATE_KEY_JWT_CLIENT, "name": PRIVATE_KEY_JWT_CLIENT, "enabled": True,
        "confidential": True, "scope": ["read", "write"],
        "authorization_type": ["client_credentials"], "redirect_uri": [],
        "token_endpoint_auth_method": ["private_key_jwt"],
        "jwks": {"keys": [jwk]}})
    admin.call("POST", "client/", {
        "client_id": CLIENT_SECRET_JWT_CLIENT, "name": CLIENT_SECRET_JWT_CLIENT,
        "enabled": True, "confidential": True, "scope": ["read", "write"],
        "authorization_type": ["client_credentials"], "redirect_uri": [],
        "token_endpoint_auth_method": ["client_secret_jwt"],
        "client_secret": jwt_client_secret()})
    mtls = {"enabled": True, "confidential": True, "scope": ["read", "write"],
            "authorization_type": ["client_credentials"], "redirect_uri": []}
    admin.call("POST", "client/", {
        **mtls, "client_id": TLS_CLIENT, "name": TLS_CLIENT,
        "token_endpoint_auth_method": ["tls_client_auth"],
        "tls_client_auth_subject_dn": f"CN={TLS_CLIENT}"})
    admin.call("POST", "client/", {
        **mtls, "client_id": SELF_SIGNED_CLIENT, "name": SELF_SIGNED_CLIENT,
        "token_endpoint_auth_method": ["self_signed_tls_client_auth"],
        "jwks": {"keys": [self_signed_jwk((keys / f"{SELF_SIGNED_CLIENT}.crt").read_bytes())]}})


def write_private_jwk(kid: str) -> None:
    """The private_key_jwt client's key again, as a private JWK with its ``kid``, beside the PEM
    (``$CC_INTEROP_KEY_DIR/glewlwyd/<client>.jwk``, mode 0600): Glewlwyd picks the client's key
    from its JWKS by the assertion's ``kid`` and refuses an assertion without one
    ("verify_request_signature - invalid pubkey" in its DEBUG log, even with one key in the
    set), so the suite's client must sign with the kid (its key file's ``kid`` member)."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = os.environ.get(KEY_DIR_ENV)
    if not folder:
        return
    base = Path(folder) / "glewlwyd"
    key = serialization.load_pem_private_key(
        (base / f"{PRIVATE_KEY_JWT_CLIENT}.pem").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    nums = key.private_numbers()

    def b64(n: int) -> str:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    jwk = {"kty": "RSA", "kid": kid, "alg": "RS256", "n": b64(nums.public_numbers.n),
           "e": b64(nums.public_numbers.e), "d": b64(nums.d), "p": b64(nums.p),
           "q": b64(nums.q), "dp": b64(nums.dmp1), "dq": b64(nums.dmq1), "qi": b64(nums.iqmp)}
    path = base / f"{PRIVATE_KEY_JWT_CLIENT}.jwk"
    path.touch(mode=0o600)
    path.write_text(json.dumps(jwk), encoding="utf-8")


def main() -> None:
    glewlwyd = shutil.which("glewlwyd")
    if glewlwyd is None:
        raise SystemExit("glewlwyd not found on PATH (apt-get install glewlwyd)")
    work = Path(tempfile.mkdtemp(prefix="cc-glewlwyd-"))
    proc: subprocess.Popen[bytes] | None = None

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        make_database(work)
        keys = Path(os.environ.get(KEY_DIR_ENV) or work / "keys") / TLS_DIR
        context = ssl.create_default_context(cafile=str(tls_material(work, keys)))
        conf = work / "glewlwyd.conf"
        level = os.environ.get("CC_GLEWLWYD_LOG_LEVEL", "WARNING")  # DEBUG when looking closer
        deadline = time.monotonic() + START_TIMEOUT_S
        for attempt in range(3):  # the free port may be taken before glewlwyd binds it
            port = free_port()
            base = f"https://127.0.0.1:{port}"
            conf.write_text(CONFIG.format(port=port, work=work, lib=LIB, log_level=level),
                            encoding="utf-8")
            # Its log goes to our stderr (the runner keeps the tail if the start fails).
            proc = subprocess.Popen([glewlwyd, f"--config-file={conf}"],  # noqa: S603
                                    stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                    stderr=sys.stderr)
            try:
                wait_up(proc, base, deadline, context)
                break
            except SystemExit:
                if proc.poll() is None or attempt == 2:
                    raise
        configure(Admin(base, context), base, keys)
        print(f"LISTENING {base}{TOKEN_PATH}", flush=True)
        while proc.poll() is None:
            time.sleep(0.5)
        raise SystemExit(f"glewlwyd exited with {proc.returncode}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
