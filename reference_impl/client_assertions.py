"""JWT client assertions at the reference token endpoint (RFC 7521 §4.2, RFC 7523 §2.2 and §3;
OpenID Connect Core §9: ``private_key_jwt`` and ``client_secret_jwt``).

I/O-free: :class:`AssertionVerifier` is given the registry, the audiences the server answers
to and the time; the HTTP adapter (``endpoint.py``) only moves ``client_assertion`` and
``client_assertion_type`` from the form onto the request. What is checked, in order (any
failure: the assertion authenticates nobody, ``invalid_client``):

1. a compact JWS whose header ``alg`` the client's registration allows: an asymmetric algorithm
   of its registered key for ``private_key_jwt`` (never an HMAC: no algorithm confusion), an
   HMAC for ``client_secret_jwt``; never ``none``;
2. ``sub`` names a client registered for that method and ``iss`` equals ``sub`` (§3 items 1-2);
3. the signature or MAC verifies with the registered key or secret (§3 item 9);
4. ``aud`` names this server: the token endpoint URL the request was sent to or the issuer
   identifier (§3 item 3); ``exp`` present and not passed, ``nbf`` (if present) reached, with
   :data:`CLOCK_SKEW_S` of leeway (§3 items 4-5);
5. ``jti`` present (OpenID Connect Core §9) and not seen before for this client while the
   assertion is valid: a replay is refused (§3 item 7 allows it; OIDC requires it of OPs).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_METHODS = ("private_key_jwt", "client_secret_jwt")
CLOCK_SKEW_S = 60
REPLAY_CACHE_SIZE = 10_000
ASYMMETRIC_ALGS = {"RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
                   "EC": ("ES256", "ES384", "ES512"), "OKP": ("EdDSA",)}
HMAC_ALGS = ("HS256", "HS384", "HS512")
SIGNING_ALGS = (*(a for algs in ASYMMETRIC_ALGS.values() for a in algs), *HMAC_ALGS)


class AssertionVerifier:
    """Verifies client assertions against a registry; remembers used ``jti`` values."""

    def __init__(self, registry: Any, *, replay_cache_size: int = REPLAY_CACHE_SIZE) -> None:
        self.registry = registry
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._size = replay_cache_size
        self._lock = threading.Lock()
        #: the verification key of each client, imported once (not on every request)
        self._keys: dict[str, tuple[Any, tuple[str, ...]]] = {}

    def __repr__(self) -> str:
        return f"AssertionVerifier({self.registry!r})"

    def verify(self, assertion: str, *, audiences: Iterable[str],
               now: float | None = None) -> Any | None:
        """The registered client the assertion authenticates, or None."""
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jws import extract_compact

        t = time.time() if now is None else now
        try:
            unverified = extract_compact(assertion.encode("ascii"))
            header = unverified.protected
            claims = json.loads(unverified.payload)
        except (JoseError, ValueError, UnicodeError):
            return None
        if not isinstance(claims, dict) or not isinstance(header, dict):
            return None
        client_id = claims.get("sub")
        client = self.registry.get(client_id) if isinstance(client_id, str) else None
        if client is None or client.auth_method not in JWT_METHODS:
            return None
        if not self._issuer_ok(claims, client_id):
            return None
        if client_id not in self._keys:
            self._keys[client_id] = self._key(client)
        key, algs = self._keys[client_id]
        alg = header.get("alg")
        if key is None or alg not in algs:
            return None
        try:
            token = jwt.decode(assertion, key, algorithms=[alg])
        except (JoseError, ValueError):
            return None
        if not self._claims_ok(token.claims, set(audiences), t):
            return None
        return client if self._first_use(client_id, token.claims, t) else None

    @staticmethod
    def _issuer_ok(claims: dict[str, Any], client_id: str) -> bool:
        """RFC 7523 §3 items 1-2, RFC 7521 §5.2: for client authentication iss is the client."""
        return claims.get("iss") == client_id

    @staticmethod
    def _key(client: Any) -> tuple[Any, tuple[str, ...]]:
        from joserfc.jwk import OctKey, import_key

        if client.auth_method == "client_secret_jwt":
            if not client.jwt_secret:
                return None, ()
            return OctKey.import_key(client.jwt_secret.encode("utf-8")), HMAC_ALGS
        if not client.jwk:
            return None, ()
        key = import_key(dict(client.jwk), key_type=client.jwk.get("kty"))
        return key, ASYMMETRIC_ALGS.get(key.key_type, ())

    @staticmethod
    def _claims_ok(claims: dict[str, Any], audiences: set[str], now: float) -> bool:
        aud = claims.get("aud")
        named = {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
        if not named & audiences:
            return False
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool) or exp + CLOCK_SKEW_S < now:
            return False
        nbf = claims.get("nbf")
        if nbf is not None and (not isinstance(nbf, int | float) or isinstance(nbf, bool)
                                or nbf - CLOCK_SKEW_S > now):
            return False
        jti = claims.get("jti")
        return isinstance(jti, str) and bool(jti)

    def _first_use(self, client_id: str, claims: dict[str, Any], now: float) -> bool:
        """Record the ``jti``; False if this client used it before and it is still valid."""
        key = (client_id, str(claims["jti"]))
        until = float(claims["exp"]) + CLOCK_SKEW_S
        with self._lock:
            while self._seen:  # drop expired entries from the oldest (no copy of the set)
                oldest = next(iter(self._seen))
                if self._seen[oldest] >= now:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = until
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
        return True
