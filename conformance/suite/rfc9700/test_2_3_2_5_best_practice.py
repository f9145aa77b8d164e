"""RFC 9700 (OAuth 2.0 Security BCP) advisories that apply to client credentials."""

from __future__ import annotations

import pytest

from conformance.checks import describe, issued_token, verify_success
from conformance.entropy import jws_claims
from conformance.exchange import parse_json_object
from conformance.harness import CheckContext
from conformance.results import Verdict


@pytest.mark.requirement("RFC9700-2.3-least-privilege")
def test_narrow_request_gets_narrow_token(cc: CheckContext) -> None:
    """Requests a single allowed scope. RFC 9700 §2.3: tokens SHOULD be restricted to the
    minimum privilege; a broader grant than requested is a warning."""
    allowed = cc.profile.scopes.allowed
    if not allowed:
        cc.na("the profile declares no allowed scopes (scopes.allowed)")
    ex = cc.send(cc.token_request(scope=[allowed[0]]))
    verify_success(cc.rec, ex, spec=cc.spec, requested_scope=[allowed[0]],
                   allowed_scopes=list(allowed))


@pytest.mark.requirement("RFC9700-2.3-audience")
def test_jwt_access_token_names_its_audience(cc: CheckContext) -> None:
    """Sends a valid request and reads the access token. A JWT access token (a JWS whose claims
    anyone holding it can read, RFC 9068) shows whether it is audience-restricted: RFC 9700
    §2.3 says tokens SHOULD be restricted to one resource server or a small set, so a JWT
    without an aud claim is a warning. An opaque token shows nothing (not applicable)."""
    ex = cc.send(cc.token_request(label="valid request"))
    obj, _, _ = parse_json_object(ex.response.body)
    token = (obj or {}).get("access_token")
    if not issued_token(ex) or not isinstance(token, str):
        cc.na("the valid request got no access token to read")
    claims = jws_claims(token)
    if claims is None:
        cc.na("the access token is opaque (not a JWS): its audience cannot be seen from outside")
    aud = claims.get("aud")
    ok = (isinstance(aud, str) and bool(aud)) or (
        isinstance(aud, list) and bool(aud) and all(isinstance(a, str) and a for a in aud))
    cc.rec.check("RFC9700-2.3-audience", ok,
                 expected="an aud claim naming the resource server(s) the token is for",
                 observed=f"JWT access token with claims {sorted(claims)}"
                          + (f", aud={aud!r}" if "aud" in claims else ", no aud"),
                 reason="the JWT access token is not audience-restricted: any resource server "
                        "that trusts the issuer would accept it", exchanges=[ex])


#: the asymmetric client authentication methods RFC 9700 §2.5 recommends, in the order tried
ASYMMETRIC = ("private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth")
VALID_RULE = {"private_key_jwt": "RFC7523-2.2-valid-assertion",
              "tls_client_auth": "RFC8705-2-valid-certificate",
              "self_signed_tls_client_auth": "RFC8705-2-valid-certificate"}


@pytest.mark.requirement("RFC9700-2.5-client-authentication")
def test_client_authentication_methods(cc: CheckContext) -> None:
    """Reports the client authentication methods in use. RFC 9700 §2.5 recommends asymmetric
    methods (mTLS, private_key_jwt). With one declared (the first of private_key_jwt,
    tls_client_auth, self_signed_tls_client_auth the profile lists), sends a valid request with
    it: a token is the observation that the recommended method works (pass); shared-secret
    methods alone are reported as information."""
    methods = ", ".join(cc.profile.auth_methods)
    rid = "RFC9700-2.5-client-authentication"
    certs = bool(getattr(cc.session.target, "client_certs", False))
    asymmetric = [m for m in ASYMMETRIC if m in cc.profile.auth_methods
                  and (certs or m == "private_key_jwt")]
    if asymmetric:
        method = asymmetric[0]
        ex = cc.send(cc.token_request(method=method, label=f"{method} (asymmetric)"))
        cc.rec.check(rid, issued_token(ex),
                     expected=f"a token for a valid {method} request (asymmetric)",
                     observed=describe(ex),
                     reason=f"the declared asymmetric method ({method}) did not authenticate "
                            f"the client; {VALID_RULE[method]} says why",
                     exchanges=[ex])
        return
    cc.rec.record(rid, Verdict.INFO,
                  expected="asymmetric client authentication (mTLS or private_key_jwt)",
                  observed=f"shared-secret methods: {methods}",
                  reason="only shared-secret methods are declared; consider asymmetric "
                         "client authentication (private_key_jwt or mutual TLS)")
