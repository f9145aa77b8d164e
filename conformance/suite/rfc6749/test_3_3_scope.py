"""RFC 6749 §3.3 (with §4.4.2 and §5.1): scope requests, defaults and the client's allowance."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Recorder, issued_token, scope_set, verify_error, verify_success
from conformance.exchange import Exchange, parse_json_object
from conformance.harness import CheckContext, PropertyViolation, hypothesis_settings
from conformance.suite._common import scheme_of


def forbidden_scopes(cc: CheckContext) -> set[str]:
    """Scopes the profile says this client must never hold: not allowed or unknown."""
    return set(cc.profile.scopes.not_allowed) | set(cc.profile.scopes.unknown)


def check_no_forbidden_grant(cc: CheckContext, rec: Recorder, ex: Exchange, requested: list[str],
                             granted: set[str]) -> None:
    """§3.3 policy: whatever was asked for, the grant never holds a forbidden scope — neither
    one the client requested nor one the server added on its own."""
    leaked = granted & (forbidden_scopes(cc) | (set(requested) - set(cc.profile.scopes.allowed)))
    rec.check("RFC6749-3.3-scope-policy", not leaked,
              expected=f"no scope outside the allowance {sorted(cc.profile.scopes.allowed)}",
              observed=f"requested {sorted(requested)}, granted {sorted(granted)}",
              reason=f"granted scopes outside the client's allowance: {sorted(leaked)}",
              exchanges=[ex])


def judge_scope_request(cc: CheckContext, rec: Recorder, ex: Exchange,
                        requested: list[str]) -> None:
    """Shared scope policy: allowed-only requests are granted; anything outside the allowance is
    refused with invalid_scope or narrowed (then scope MUST say so); never granted."""
    allowed = set(cc.profile.scopes.allowed)
    forbidden = set(requested) - allowed
    if not forbidden:
        obj = verify_success(rec, ex, spec=cc.spec, requested_scope=requested,
                             also=["RFC6749-4.4.2-scope-parameter"],
                             allowed_scopes=sorted(allowed))
        scope = (obj or {}).get("scope")
        if isinstance(scope, str):
            granted = scope_set(scope)
            missing = set(requested) - granted
            rec.check("RFC6749-4.4.2-scope-parameter", not missing,
                      expected=f"the requested scopes {sorted(requested)}, which the profile "
                               "declares allowed (scopes.allowed)",
                      observed=f"granted {sorted(granted)}",
                      reason=f"requested scopes {sorted(missing)} were not granted although the "
                             "profile declares them allowed; §3.3 lets a server narrow by policy, "
                             "so if that is your policy, remove them from scopes.allowed",
                      exchanges=[ex])
            check_no_forbidden_grant(cc, rec, ex, requested, granted)
        return
    if not issued_token(ex):
        verify_error(rec, ex, codes=["invalid_scope"], code_ids=["RFC6749-5.2-invalid-scope"],
                     also=["RFC6749-3.3-scope-policy"], auth_scheme=scheme_of(cc.default_method))
        return
    obj, _, _ = parse_json_object(ex.response.body)
    verify_success(rec, ex, spec=cc.spec, requested_scope=requested)
    scope = (obj or {}).get("scope")
    if not isinstance(scope, str):
        rec.check("RFC6749-5.1-scope", False, expected="scope member naming the narrowed grant",
                  observed="scope absent: the client is told it got everything it asked for",
                  reason="granted scope differs from the request but is not returned",
                  exchanges=[ex])
        rec.check("RFC6749-3.3-scope-policy", False,
                  expected=f"{sorted(forbidden)} refused or dropped",
                  observed="token issued with no scope member (implies all requested scopes)",
                  reason="a scope outside the client's allowance was granted", exchanges=[ex])
        return
    check_no_forbidden_grant(cc, rec, ex, requested, scope_set(scope))


@pytest.mark.requirement("RFC6749-3.3-default-scope", "RFC6749-5.2-invalid-scope",
                         "RFC6749-3.3-scope-policy")
def test_omitted_scope_uses_default_or_invalid_scope(cc: CheckContext) -> None:
    """Sends a request without scope. §3.3: the server MUST apply its default scope or fail
    with invalid_scope; the profile says which (scopes.default / scopes.omitted_policy)."""
    sc = cc.profile.scopes
    ex = cc.send(cc.token_request(scope=None, label="scope omitted"))
    rid = "RFC6749-3.3-default-scope"
    if sc.omitted_policy == "invalid_scope":
        verify_error(cc.rec, ex, codes=["invalid_scope"], code_ids=["RFC6749-5.2-invalid-scope"],
                     also=[rid], auth_scheme=scheme_of(cc.default_method))
        return
    if not issued_token(ex):
        if sc.omitted_policy == "default":
            verify_success(cc.rec, ex, spec=cc.spec, also=[rid])  # records the refusal
        else:  # policy not declared: invalid_scope is the only other conformant answer
            verify_error(cc.rec, ex, codes=["invalid_scope"],
                         code_ids=[rid, "RFC6749-5.2-invalid-scope"],
                         auth_scheme=scheme_of(cc.default_method))
        return
    obj = verify_success(cc.rec, ex, spec=cc.spec)
    scope = (obj or {}).get("scope")
    # Whatever the default is, it never holds a scope outside the client's allowance: judged
    # on every token whose scope the server states, declared default or not.
    if isinstance(scope, str):
        check_no_forbidden_grant(cc, cc.rec, ex, [], scope_set(scope))
    if sc.default is None:
        # A token was issued, so some default was applied, but which one cannot be checked
        # against anything: no pass without a documented default to compare with.
        cc.rec.not_applicable([rid], "the profile documents no default scope (scopes.default); "
                              f"the server applied scope={scope!r}")
        return
    ok = scope is None or (isinstance(scope, str) and scope_set(scope) == set(sc.default))
    cc.rec.check(rid, ok, expected=f"the documented default {list(sc.default)}",
                 observed=f"scope={scope!r}", reason="the grant is not the documented default",
                 exchanges=[ex])


@pytest.mark.requirement("RFC6749-4.4.2-scope-parameter", "RFC6749-5.1-scope",
                         "RFC9700-2.3-least-privilege", "RFC6749-3.3-scope-syntax",
                         "RFC6749-3.3-scope-policy")
def test_allowed_scopes_granted(cc: CheckContext) -> None:
    """Requests each allowed scope alone, then all of them. §4.4.2/§3.3: they are granted, and
    nothing outside the allowance is added to them; if the grant differs from the request, §5.1
    requires scope in the response."""
    allowed = list(cc.profile.scopes.allowed)
    if not allowed:
        cc.na("the profile declares no allowed scopes (scopes.allowed)")
    for requested in [[s] for s in allowed] + ([allowed] if len(allowed) > 1 else []):
        ex = cc.send(cc.token_request(scope=requested, label=f"scope {' '.join(requested)}"))
        judge_scope_request(cc, cc.rec, ex, requested)


@pytest.mark.parametrize("kind", ["not_allowed", "unknown"])
@pytest.mark.requirement("RFC6749-3.3-scope-policy", "RFC6749-5.2-invalid-scope")
def test_scope_outside_allowance_never_granted(cc: CheckContext, kind: str) -> None:
    """Requests a scope the client may not have (not_allowed) or the server does not know
    (unknown). §3.3/§5.2: invalid_scope, or a narrowed grant that says so; never granted."""
    scopes = getattr(cc.profile.scopes, kind)
    if not scopes:
        cc.na(f"the profile declares no {kind} scopes (scopes.{kind})")
    for s in scopes:
        ex = cc.send(cc.token_request(scope=[s], label=f"{kind} scope"))
        judge_scope_request(cc, cc.rec, ex, [s])


@pytest.mark.requirement("RFC6749-3.3-scope-policy", "RFC6749-5.1-scope",
                         "RFC6749-4.4.2-scope-parameter")
def test_scope_sets_in_any_order_follow_policy(cc: CheckContext) -> None:
    """Property: any non-empty set of allowed / not-allowed / unknown scopes, in any order, is
    handled per policy: allowed-only sets are granted; others refused with invalid_scope or
    narrowed with scope returned; a forbidden scope is never granted."""
    sc = cc.profile.scopes
    pool = sorted(set(sc.allowed) | set(sc.not_allowed) | set(sc.unknown))
    if len(pool) < 2:
        cc.na("the profile declares fewer than two scopes")

    @hypothesis_settings(cc.examples)
    @given(chosen=st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True),
           order_seed=st.integers(0, 2**16))
    def prop(chosen: list[str], order_seed: int) -> None:
        random.Random(order_seed).shuffle(chosen)
        ex = cc.send(cc.token_request(scope=chosen, label="scope set"))
        rec = cc.example_recorder()
        judge_scope_request(cc, rec, ex, chosen)
        if rec.failed:
            raise PropertyViolation(rec)

    cc.run_property(prop, passed="scope sets handled per the profile's policy")


#: Scope values that break §3.3's scope-token syntax (1*NQCHAR: printable ASCII without '"' and
#: '\\'), each probed deterministically.
MALFORMED_SCOPES = {"double quote": 'read"', "backslash": "read\\x",
                    "control character": "read\x01", "non-ASCII": "read\u00e9",
                    "DEL": "read\x7f"}


@pytest.mark.parametrize("case", list(MALFORMED_SCOPES))
@pytest.mark.requirement("RFC6749-3.3-scope-policy", "RFC6749-5.2-invalid-scope")
def test_malformed_scope_token_never_granted(cc: CheckContext, case: str) -> None:
    """Sends a valid request whose scope holds a character §3.3 forbids in a scope token
    (double quote, backslash, a control character, non-ASCII, DEL). §5.2: invalid_scope (a
    malformed scope) or invalid_request; §3.3 also lets a server drop what it cannot grant, but
    then the response names the narrowed scope and never the malformed token."""
    bad = MALFORMED_SCOPES[case]
    ex = cc.send(cc.token_request(scope=[bad], label=f"malformed scope ({case})"))
    if not issued_token(ex):
        verify_error(cc.rec, ex, codes=["invalid_scope", "invalid_request"],
                     also=["RFC6749-3.3-scope-policy"], auth_scheme=scheme_of(cc.default_method))
        return
    verify_success(cc.rec, ex, spec=cc.spec)
    obj, _, _ = parse_json_object(ex.response.body)
    scope = (obj or {}).get("scope")
    granted = scope_set(scope) if isinstance(scope, str) else None
    cc.rec.check("RFC6749-3.3-scope-policy", granted is not None and bad not in granted,
                 expected="the malformed scope token refused or dropped (and the narrowed scope "
                          "returned)",
                 observed="scope absent: the grant claims the malformed scope" if granted is None
                 else f"granted {sorted(granted)}",
                 reason="a malformed scope token was granted", exchanges=[ex])
