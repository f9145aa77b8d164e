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
2. writes a config file with the keys of the package's ``/etc/glewlwyd/glewlwyd.conf``, but a
   free loopback port, ``bind_address="127.0.0.1"``, this database and console logging;
3. starts ``glewlwyd --config-file=...`` and waits (bounded) for ``/config`` to answer;
4. logs in as admin (``POST /api/auth/``, session cookie) and creates, as documented:
   the scopes ``read``, ``write`` and ``admin`` (``POST /api/scope/``), one instance ``oidc`` of
   the OpenID Connect plugin (``POST /api/mod/plugin/``; the admin UI's defaults for a new
   instance, plus what client credentials needs: ``allow-non-oidc`` and
   ``auth-type-client-enabled``, docs/OIDC.md; tokens signed RS256 with a key made now), and
   the fixture clients (``POST /api/client/``, docs/OIDC.md "Client secret vs password");
5. prints ``LISTENING <token endpoint>`` and waits for SIGTERM, then stops glewlwyd and removes
   the folder.

The fixture clients: ``cc-demo-client`` and ``cc:special client/ü`` (confidential, a hashed
``password``, authorization type ``client_credentials``, scopes read and write);
``cc-public-client`` (not confidential, no secret); ``cc-code-only-client`` (confidential,
authorization type ``code`` only); ``cc-key-jwt-client`` (``token_endpoint_auth_method``
``private_key_jwt``, its public JWK in the ``jwks`` property; the private key is made at start
into ``$CC_INTEROP_KEY_DIR/glewlwyd/``) and ``cc-hmac-jwt-client`` (``client_secret_jwt`` with a
``client_secret``, which Glewlwyd keeps unhashed for exactly that method).

    python -m interop.glewlwyd.server      # prints "LISTENING <url>", serves until SIGTERM
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
# /etc/glewlwyd/glewlwyd.conf (loopback only, a private SQLite database, console log).
port={port}
bind_address="127.0.0.1"
external_url="http://127.0.0.1:{port}"
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
use_secure_connection=false
secure_connection_key_file="{work}/cert.key"
secure_connection_pem_file="{work}/cert.pem"
secure_connection_ca_file="{work}/ca.crt"
hash_algorithm="SHA512"
database =
{{
  type = "sqlite3"
  path = "{work}/glewlwyd.db"
}};
"""


class Admin:
    """The admin REST API, with the session cookie of ``POST /api/auth/``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only (free_port)
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


def wait_up(proc: subprocess.Popen[bytes], base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"glewlwyd exited with {proc.returncode} at start")
        with contextlib.suppress(OSError), urllib.request.urlopen(  # noqa: S310 - loopback
                f"{base}/config", timeout=1):
            return
        time.sleep(0.05)
    raise SystemExit(f"glewlwyd did not answer on {base} within {START_TIMEOUT_S:.0f}s")


def configure(admin: Admin, base: str) -> None:
    """Scopes, the OpenID Connect plugin instance and the fixture clients, as an administrator
    creates them (docs/API.md, docs/OIDC.md)."""
    admin.call("POST", "auth/", {"username": ADMIN[0], "password": ADMIN[1]})
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
              "allowed-scope": ["openid", *KNOWN_SCOPES]}
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
        conf = work / "glewlwyd.conf"
        level = os.environ.get("CC_GLEWLWYD_LOG_LEVEL", "WARNING")  # DEBUG when looking closer
        deadline = time.monotonic() + START_TIMEOUT_S
        for attempt in range(3):  # the free port may be taken before glewlwyd binds it
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            conf.write_text(CONFIG.format(port=port, work=work, lib=LIB, log_level=level),
                            encoding="utf-8")
            # Its log goes to our stderr (the runner keeps the tail if the start fails).
            proc = subprocess.Popen([glewlwyd, f"--config-file={conf}"],  # noqa: S603
                                    stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                    stderr=sys.stderr)
            try:
                wait_up(proc, base, deadline)
                break
            except SystemExit:
                if proc.poll() is None or attempt == 2:
                    raise
        configure(Admin(base), base)
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
