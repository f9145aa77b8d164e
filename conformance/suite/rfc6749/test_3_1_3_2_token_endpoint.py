"""RFC 6749 §3.1 / §3.2: the token endpoint — TLS, POST, empty, unknown and repeated
parameters — and robustness against garbage requests."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import describe, issued_token, scope_set, verify_error, verify_success
from conformance.exchange import Exchange, parse_json_object
from conformance.harness import CheckContext, PropertyViolation, hypothesis_settings
from conformance.request import RawRequest, basic_header
from conformance.results import Verdict
from conformance.suite._common import BASIC, POST, need_method, scheme_of
from conformance.suite._strategies import (
    GARBAGE_AUTH,
    GARBAGE_BODY,
    GARBAGE_CTYPE,
    garbage_request,
)


def oauth_answer(ex: Exchange) -> bool:
    """Did this response come from an OAuth token endpoint (a JSON object with access_token or
    error)? A redirect, an HTML page or a TLS-port complaint is not one."""
    obj, _, _ = parse_json_object(ex.response.body)
    return issued_token(ex) or (obj is not None and "error" in obj)


@pytest.mark.requirement("RFC6749-3.2-tls")
def test_endpoint_uses_tls(cc: CheckContext) -> None:
    """Looks at how the endpoint is reached and, for an https endpoint, sends one token request
    for a client that does not exist (never a real secret) to its plain-http twin
    (http://same-host[:same port]/same-path, or target.plain_http_url). §3.2: the server MUST
    require TLS: an OAuth answer over plain http fails; a refused connection, a redirect or a
    non-OAuth reply passes. Plain http to a non-loopback host fails; in-process and loopback
    http targets are test set-ups where TLS cannot be judged (not applicable)."""
    target = cc.session.target
    assert target is not None
    rid = "RFC6749-3.2-tls"
    handshake = [cc.session.preflight_exchange] if cc.session.preflight_exchange else []
    if target.uses_tls:
        if not cc.profile.plain_http_probe:
            cc.rec.record(rid, Verdict.PASS, expected="https only",
                          observed=f"served over https at {target.location}; plain-http twin "
                                   "not probed (--no-plain-http-probe)", exchanges=handshake)
            return
        twin, ex, why = cc.session.probe_plain_http()
        if ex is None:
            cc.rec.record(rid, Verdict.PASS, expected="no OAuth answer over plain http",
                          observed=f"served over https; nothing answers at {twin} ({why})",
                          exchanges=handshake)
        else:
            cc.rec.check(rid, not oauth_answer(ex), expected="no OAuth answer over plain http",
                         observed=f"{twin}: {describe(ex)}",
                         reason="the token endpoint also answers over plain http: a client "
                                "configured with the http URL sends its secret in clear text",
                         exchanges=[*handshake, ex])
    elif target.is_loopback:
        cc.na(f"{target.kind} target {target.location} is in-process or loopback: TLS is a "
              "deployment property to check on the real endpoint")
    else:
        cc.rec.record(rid, Verdict.FAIL, expected="https",
                      observed=f"plain http to {target.location}",
                      reason="credentials and tokens cross the network unencrypted",
                      exchanges=handshake)


@pytest.mark.requirement("RFC6749-10.3-tls-server-auth")
def test_tls_server_authenticated(cc: CheckContext) -> None:
    """Looks at how TLS was set up. §10.3: tokens travel only over TLS *with server
    authentication*. The preflight already completed a verified handshake (default trust store,
    or --ca-bundle), so that is a pass; with --insecure nothing was verified (warning); plain
    http to a non-loopback host has no server authentication at all (fail)."""
    target = cc.session.target
    assert target is not None
    verification = getattr(target, "tls_verification", None)
    rid = "RFC6749-10.3-tls-server-auth"
    if target.uses_tls and verification in ("default", "ca-bundle"):
        how = "the system trust store" if verification == "default" else \
            f"the CA bundle {cc.profile.ca_bundle}"
        handshake = [cc.session.preflight_exchange] if cc.session.preflight_exchange else []
        cc.rec.record(rid, Verdict.PASS, expected="a certificate that verifies for the host",
                      observed=f"verified against {how} (the TLS handshake of this exchange)",
                      exchanges=handshake)
    elif target.uses_tls:
        cc.rec.record(rid, Verdict.WARN, expected="a certificate that verifies for the host",
                      observed="not checked: certificate verification was off (--insecure)",
                      reason="server authentication unproven: run without --insecure (use "
                             "--ca-bundle for a private CA)")
    elif target.is_loopback:
        cc.na(f"{target.kind} target {target.location} is in-process or loopback: TLS is a "
              "deployment property to check on the real endpoint")
    else:
        cc.rec.record(rid, Verdict.FAIL, expected="https with a verified certificate",
                      observed=f"plain http to {target.location}",
                      reason="no TLS, so no server authentication")


@pytest.mark.requirement("RFC6749-3.2-post-only")
def test_get_request_not_honoured(cc: CheckContext) -> None:
    """Sends a GET with grant_type in the query and valid Basic credentials. §3.2: clients MUST
    use POST; a server that issues a token anyway invites credentials into URIs (warning)."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    raw = RawRequest(method="GET", query="grant_type=client_credentials",
                     headers=(basic_header(c.client_id, c.require_secret),
                              ("Accept", "application/json")), label="GET token request")
    ex = cc.send(raw)
    cc.rec.check("RFC6749-3.2-post-only", not issued_token(ex),
                 expected="no token for a GET request", observed=f"HTTP {ex.response.status}",
                 reason="the endpoint issues tokens over GET", exchanges=[ex])


@pytest.mark.requirement("RFC6749-3.2-unknown-params-ignored", "RFC6749-4.4.3-token-issued")
def test_unknown_parameter_ignored(cc: CheckContext) -> None:
    """Sends a valid request plus an extension parameter the server cannot know.
    §3.2: unrecognised parameters MUST be ignored, so a token is issued."""
    ex = cc.send(cc.token_request(extra=[("x_cc_conformance_probe", "1")]))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-3.2-unknown-params-ignored"])


PARAM_NAMES = st.from_regex(r"\Ax_[a-z0-9_]{1,12}\Z", fullmatch=True)
PARAM_VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@pytest.mark.requirement("RFC6749-3.2-unknown-params-ignored")
def test_unknown_parameters_in_any_order_ignored(cc: CheckContext) -> None:
    """Property: any set of unknown extension parameters, shuffled in with grant_type in any
    order, leaves a valid request valid (§3.2)."""

    @hypothesis_settings(cc.examples)
    @given(extra=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), min_size=1, max_size=5,
                          unique_by=lambda p: p[0]),
           order_seed=st.integers(0, 2**16))
    def prop(extra: list[tuple[str, str]], order_seed: int) -> None:
        params = [("grant_type", "client_credentials"), *extra]
        random.Random(order_seed).shuffle(params)
        b = cc.token_request(grant_type=None, label="unknown parameters")
        b.params[:0] = params
        ex = cc.send(b)
        rec = cc.example_recorder()
        verify_success(rec, ex, spec=cc.spec, also=["RFC6749-3.2-unknown-params-ignored"])
        if rec.failed:
            raise PropertyViolation(rec)

    cc.run_property(prop, passed="valid requests with unknown parameters get a token")


@pytest.mark.parametrize("param", ["grant_type", "scope", "client_id", "client_id with Basic"])
@pytest.mark.requirement("RFC6749-3.2-no-repeated-params", "RFC6749-5.2-invalid-request")
def test_repeated_parameter_refused(cc: CheckContext, param: str) -> None:
    """Sends an otherwise valid request with one parameter repeated (same value twice): for
    client_id once with body credentials and once beside HTTP Basic (the client's own id, which
    it may send once, RFC6749-3.2.1-client-id-with-basic). §3.2: parameters MUST NOT be
    repeated; §5.2 defines the request as invalid (invalid_request) and §4.4.3 answers it with
    that error: no token."""
    c = cc.profile.confidential
    codes = ["invalid_request"]
    auth_scheme = "Basic" if cc.default_method == BASIC else None
    if param == "client_id":
        need_method(cc, POST)
        b = cc.token_request(method=POST).param("client_id", c.client_id)
        codes.append("invalid_client")  # a repeated client credential fails authentication too
        auth_scheme = None
    elif param == "client_id with Basic":
        need_method(cc, BASIC)
        b = (cc.token_request(method=BASIC).param("client_id", c.client_id)
             .param("client_id", c.client_id))
        codes.append("invalid_client")
        auth_scheme = "Basic"
    elif param == "scope":
        if not cc.profile.scopes.allowed:
            cc.na("the profile declares no allowed scopes (scopes.allowed)")
        s = cc.profile.scopes.allowed[0]
        b = cc.token_request(scope=[s]).param("scope", s)
    else:
        b = cc.token_request().param("grant_type", "client_credentials")
    b.label = f"repeated {param}"
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=codes,
                 code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-3.2-no-repeated-params"], auth_scheme=auth_scheme)


@pytest.mark.parametrize("param", ["scope", "client_id", "grant_type"])
@pytest.mark.requirement("RFC6749-3.2-no-repeated-params", "RFC6749-3.3-scope-policy",
                         "RFC6749-5.2-invalid-request")
def test_repeated_parameter_with_conflicting_values_refused(cc: CheckContext, param: str) -> None:
    """Sends a parameter twice with different values: scope=<allowed>&scope=<forbidden>;
    client_id=<client A>&client_secret=<A's secret>&client_id=<client B>; or
    grant_type=client_credentials&grant_type=<another grant>. §3.2: no repeats; §5.2:
    invalid_request. Whichever copy a server picks, it MUST NOT serve the request; above all
    a forbidden scope is never granted (§3.3). (Which copy a server that serves the request
    used cannot always be seen, so the repeat rule is the one blamed.) For the scope probe
    invalid_scope is accepted beside invalid_request: one copy names a scope the client may
    not have, and §5.2 gives invalid_scope for exactly that, so both codes describe the
    request truthfully."""
    codes = ["invalid_request"]
    auth_scheme = scheme_of(cc.default_method)
    also = ["RFC6749-3.2-no-repeated-params"]
    forbidden: list[str] = []
    if param == "scope":
        sc = cc.profile.scopes
        forbidden = list(sc.not_allowed) or list(sc.unknown)
        if not sc.allowed or not forbidden:
            cc.na("the profile declares no allowed and no forbidden scope (scopes.allowed, "
                  "scopes.not_allowed / scopes.unknown)", ["RFC6749-3.3-scope-policy"])
        b = cc.token_request(scope=[sc.allowed[0]]).param("scope", forbidden[0])
        codes.append("invalid_scope")
    elif param == "client_id":
        need_method(cc, POST)
        other = cc.client("needs_encoding")
        b = cc.token_request(method=POST).param("client_id", other.client_id)
        codes.append("invalid_client")
        auth_scheme = None
    else:
        b = cc.token_request().param("grant_type", "urn:cc-conformance:other-grant")
        codes.append("unsupported_grant_type")
    b.label = f"repeated {param} with conflicting values"
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=codes, code_ids=["RFC6749-5.2-invalid-request"], also=also,
                 auth_scheme=auth_scheme)
    if forbidden and issued_token(ex):
        obj, _, _ = parse_json_object(ex.response.body)
        scope = (obj or {}).get("scope")
        granted = scope_set(scope) if isinstance(scope, str) else None
        cc.rec.check("RFC6749-3.3-scope-policy",
                     granted is not None and forbidden[0] not in granted,
                     expected=f"{forbidden[0]!r} never granted",
                     observed="scope absent: the grant claims every requested scope"
                     if granted is None else f"granted {sorted(granted)}",
                     reason=f"the forbidden scope {forbidden[0]!r} was granted through a "
                            "repeated scope parameter", exchanges=[ex])


@pytest.mark.requirement("RFC6749-3.2-empty-params-omitted", "RFC6749-5.2-invalid-request")
def test_empty_grant_type_is_missing(cc: CheckContext) -> None:
    """Sends grant_type= (empty) with valid credentials. §3.2: an empty parameter counts as
    omitted, so grant_type is missing: §5.2 invalid_request."""
    ex = cc.send(cc.token_request(grant_type=""))
    verify_error(cc.rec, ex, codes=["invalid_request"], code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-3.2-empty-params-omitted"],
                 auth_scheme=scheme_of(cc.default_method))


@pytest.mark.requirement("RFC6749-3.2-empty-params-omitted")
def test_empty_scope_is_omitted(cc: CheckContext) -> None:
    """Sends scope= (empty) and, separately, no scope. §3.2: both MUST be handled the same
    way (same outcome, same granted scope)."""
    omitted = cc.send(cc.token_request(scope=None, label="scope omitted"))
    empty = cc.send(cc.token_request(scope=None, extra=[("scope", "")], label="scope empty"))

    def outcome(ex: Exchange) -> tuple[str, object]:
        obj, _, _ = parse_json_object(ex.response.body)
        if issued_token(ex):
            scope = (obj or {}).get("scope")  # compared as a set: order is not significant
            return ("token", sorted(scope_set(scope)) if isinstance(scope, str) else scope)
        return ("error", (obj or {}).get("error"))

    a, b = outcome(omitted), outcome(empty)
    cc.rec.check("RFC6749-3.2-empty-params-omitted", a == b,
                 expected=f"same outcome as an omitted scope: {a}", observed=f"{b}",
                 reason="an empty scope is treated differently from an omitted one",
                 exchanges=[omitted, empty])


@pytest.mark.requirement("RFC6749-3.2-empty-params-omitted", "RFC6749-2.3-one-auth-method")
def test_empty_body_secret_with_basic(cc: CheckContext) -> None:
    """Sends valid Basic credentials plus an empty client_secret= in the body. §3.2: the empty
    parameter is omitted, so only one authentication method is used and a token is issued."""
    need_method(cc, BASIC)
    ex = cc.send(cc.token_request(method=BASIC, extra=[("client_secret", "")]))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-3.2-empty-params-omitted"])


@pytest.mark.requirement("RFC6749-3.2.1-client-auth-required", "RFC6749-5.2-status")
def test_garbage_never_gets_a_token_or_5xx(cc: CheckContext) -> None:
    """Property: random bodies, content types and Authorization headers (never a real secret)
    never get a token and are always answered with a 4xx (§3.2.1: no authentication, no token;
    §5.2: an invalid or malformed request gets an error response, 400 or 401 - other 4xx such
    as 415 for a body that is not a form are tolerated as HTTP-level refusals; a 2xx, 3xx or
    5xx is not an error response the client can act on)."""

    @hypothesis_settings(cc.examples)
    @given(body=GARBAGE_BODY, auth=GARBAGE_AUTH, ctype=GARBAGE_CTYPE)
    def prop(body: bytes, auth: str | None, ctype: str | None) -> None:
        ex = cc.send(garbage_request(body, auth, ctype))
        rec = cc.example_recorder()
        rec.check("RFC6749-3.2.1-client-auth-required", not issued_token(ex),
                  expected="no token", observed=f"HTTP {ex.response.status}",
                  reason="a token was issued for a garbage request", exchanges=[ex])
        status = ex.response.status
        rec.check("RFC6749-5.2-status", 400 <= status < 500,
                  expected="a 4xx error", observed=f"HTTP {status}",
                  reason="a malformed request caused a server error" if status >= 500 else
                  "a malformed request was not answered with an error status", exchanges=[ex])
        if rec.failed:
            raise PropertyViolation(rec)

    cc.run_property(prop, passed="garbage requests refused with 4xx")

