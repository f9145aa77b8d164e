"""Unit tests of the shared checkers (conformance.checks) on synthetic exchanges.

Each case states which verdict a rule must produce, so a checker that cries wolf on a
conformant response or cannot fail on a broken one is caught here, without a target.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks import (
    Recorder,
    header_directives,
    issued_token,
    parse_challenges,
    parse_www_authenticate,
    verify_error,
    verify_success,
)
from conformance.exchange import Exchange, Received, SentRequest, parse_json_object
from conformance.results import Verdict

JSON_CT = ("Content-Type", "application/json")
NO_STORE = ("Cache-Control", "no-store")
NO_CACHE = ("Pragma", "no-cache")
BASIC_CHALLENGE = ("WWW-Authenticate", 'Basic realm="cc", charset="UTF-8"')


def exchange(status: int, body: object, *headers: tuple[str, str]) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(request=SentRequest("POST", "http://as.example/token", (), b""),
                    response=Received(status=status, headers=tuple(headers), body=raw))


def token_body(**extra: object) -> dict[str, object]:
    return {"access_token": "abcDEF123-._~+/", "token_type": "Bearer", "expires_in": 3600,
            **extra}


def success(body: object = None, *headers: tuple[str, str], status: int = 200) -> Exchange:
    hs = headers or (JSON_CT, NO_STORE, NO_CACHE)
    return exchange(status, token_body() if body is None else body, *hs)


def error(code: str, status: int = 400, *headers: tuple[str, str], **extra: object) -> Exchange:
    return exchange(status, {"error": code, **extra}, JSON_CT, *headers)


def verdicts(rec: Recorder, rid: str) -> list[Verdict]:
    return [f.verdict for f in rec.findings if f.requirement == rid]


def run_success(ex: Exchange, spec: str = "rfc6749", **kw: object) -> Recorder:
    rec = Recorder()
    verify_success(rec, ex, spec=spec, **kw)  # type: ignore[arg-type]
    return rec


def run_error(ex: Exchange, codes: list[str], **kw: object) -> Recorder:
    rec = Recorder()
    verify_error(rec, ex, codes=codes, **kw)  # type: ignore[arg-type]
    return rec


# ------------------------------------------------------------------------ §5.2 character sets


@pytest.mark.parametrize(("code", "ok"), [
    ("invalid_request", True),
    ("x y", True),  # %x20 is allowed in error
    ("!#[]~", True),  # %x21, %x23, %x5B, %x5D, %x7E edges
    ('a"b', False),  # %x22
    ("a\\b", False),  # %x5C
    ("a\x1fb", False),  # control
    ("a\x7fb", False),  # DEL
    ("é", False),  # non-ASCII
    ("", False),  # 1*NQSCHAR
])
def test_error_code_charset(code: str, ok: bool) -> None:
    rec = run_error(error(code), [code])
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.PASS if ok else Verdict.FAIL]


@pytest.mark.parametrize(("desc", "ok"), [
    ("A plain description, with space!", True),
    ("~ edge [x] ]", True),
    ('quote " here', False),
    ("back\\slash", False),
    ("tab\there", False),
])
def test_error_description_charset(desc: str, ok: bool) -> None:
    rec = run_error(error("invalid_request", error_description=desc), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.PASS if ok else Verdict.FAIL]


@pytest.mark.parametrize(("uri", "ok"), [
    ("https://as.example/errors#invalid_request", True),
    ("https://as.example/a b", False),  # %x20 is not allowed in error_uri
    ('https://as.example/"', False),
])
def test_error_uri_charset(uri: str, ok: bool) -> None:
    rec = run_error(error("invalid_request", error_uri=uri), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.PASS if ok else Verdict.FAIL]


# ------------------------------------------------------------------------ §5.2 status rules


@pytest.mark.parametrize(("status", "scheme", "ok"), [
    (400, None, True),
    (401, None, True),  # MAY use 401 without Authorization header
    (403, None, False),
    (401, "Basic", True),
    (400, "Basic", False),  # Authorization header used: 401 is required
])
def test_invalid_client_status(status: int, scheme: str | None, ok: bool) -> None:
    ex = error("invalid_client", status, BASIC_CHALLENGE)
    rec = run_error(ex, ["invalid_client"], auth_scheme=scheme)
    assert verdicts(rec, "RFC6749-5.2-status") == [Verdict.PASS if ok else Verdict.FAIL]


@pytest.mark.parametrize(("status", "ok"), [(400, True), (401, False), (403, False),
                                            (200, False), (500, False)])
def test_other_errors_are_400(status: int, ok: bool) -> None:
    rec = run_error(error("invalid_scope", status), ["invalid_scope"], auth_scheme="Basic")
    assert verdicts(rec, "RFC6749-5.2-status") == [Verdict.PASS if ok else Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.2-invalid-client-401") == []  # only for invalid_client


def test_401_rule_only_when_authorization_header_was_used() -> None:
    rec = run_error(error("invalid_client", 400), ["invalid_client"], auth_scheme=None)
    assert verdicts(rec, "RFC6749-5.2-invalid-client-401") == []
    assert verdicts(rec, "RFC6749-5.2-status") == [Verdict.PASS]


def test_unreadable_error_judged_by_expected_code() -> None:
    ex = exchange(401, b"unauthorized", ("Content-Type", "text/plain"), BASIC_CHALLENGE)
    rec = run_error(ex, ["invalid_client"], auth_scheme="Basic")
    assert verdicts(rec, "RFC6749-5.2-status") == [Verdict.PASS]
    assert verdicts(rec, "RFC6749-5.2-error-json") == [Verdict.FAIL]


# ------------------------------------------------------------------- WWW-Authenticate matching


@pytest.mark.parametrize(("headers", "ok"), [
    ((("WWW-Authenticate", 'Basic realm="x"'),), True),
    ((("WWW-Authenticate", 'basic realm="x"'),), True),
    ((("WWW-Authenticate", 'BASIC realm="x"'),), True),
    ((("WWW-Authenticate", 'Bearer realm="a, b", error="x", Basic realm="y"'),), True),
    ((("WWW-Authenticate", 'Bearer realm="api"'), ("WWW-Authenticate", 'Basic realm="y"')), True),
    ((("WWW-Authenticate", 'Bearer realm="Basic"'),), False),  # 'Basic' only inside a quote
    ((("WWW-Authenticate", 'Bearer realm="x", basicx="y"'),), False),
    ((), False),
])
def test_challenge_scheme_matching(headers: tuple[tuple[str, str], ...], ok: bool) -> None:
    ex = error("invalid_client", 401, *headers)
    rec = run_error(ex, ["invalid_client"], auth_scheme="Basic")
    expected = Verdict.PASS if ok else Verdict.FAIL
    assert verdicts(rec, "RFC6749-5.2-invalid-client-401") == [expected]


def test_parse_challenges_token68_and_params() -> None:
    ch = parse_challenges(['Negotiate abc==, Basic realm="r\\"q", charset=UTF-8'])
    assert [(c.scheme, c.token68) for c in ch] == [("Negotiate", "abc=="), ("Basic", None)]
    assert ch[1].params == {"realm": 'r"q', "charset": "UTF-8"}


@pytest.mark.parametrize(("challenge", "realm", "charset"), [
    ('Basic realm="cc"', Verdict.PASS, Verdict.NOT_APPLICABLE),
    ('Basic realm="cc", charset="UTF-8"', Verdict.PASS, Verdict.PASS),
    ('Basic realm="cc", charset=utf-8', Verdict.PASS, Verdict.PASS),
    ('Basic realm="cc", charset="ISO-8859-1"', Verdict.PASS, Verdict.FAIL),
    ("Basic", Verdict.FAIL, Verdict.NOT_APPLICABLE),
    ('Basic charset="UTF-8"', Verdict.FAIL, Verdict.PASS),
])
def test_basic_challenge_realm_and_charset(challenge: str, realm: Verdict,
                                           charset: Verdict) -> None:
    ex = error("invalid_client", 401, ("WWW-Authenticate", challenge))
    rec = run_error(ex, ["invalid_client"], auth_scheme="Basic")
    assert verdicts(rec, "RFC7617-2-realm") == [realm]
    assert verdicts(rec, "RFC7617-2.1-charset-utf8") == [charset]


def test_no_basic_challenge_records_no_rfc7617_finding() -> None:
    rec = run_error(error("invalid_client", 400), ["invalid_client"])
    assert verdicts(rec, "RFC7617-2-realm") == []


# ---------------------------------------------------------------- §5.1 Cache-Control / Pragma


@pytest.mark.parametrize(("headers", "no_store", "pragma"), [
    ((("Cache-Control", "no-store"), ("Pragma", "no-cache")), True, True),
    ((("Cache-Control", "private, No-Store, max-age=0"), ("Pragma", "NO-CACHE")), True, True),
    ((("Cache-Control", "private"), ("Cache-Control", "no-store"),
      ("Pragma", "x-a"), ("Pragma", "no-cache")), True, True),
    ((("Cache-Control", 'no-cache="no-store"'), ("Pragma", 'x="no-cache"')), False, False),
    ((("Cache-Control", "no-cache"),), False, False),
    ((("Cache-Control", "no-storex"), ("Pragma", "no-cache, x")), False, True),
])
def test_cache_directives(headers: tuple[tuple[str, str], ...], no_store: bool,
                          pragma: bool) -> None:
    rec = run_success(success(None, JSON_CT, *headers))
    assert verdicts(rec, "RFC6749-5.1-no-store") == [Verdict.PASS if no_store else Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.1-pragma") == [Verdict.PASS if pragma else Verdict.FAIL]


def test_pragma_not_judged_under_oauth21() -> None:
    rec = run_success(success(None, JSON_CT, NO_STORE), spec="oauth2.1")
    assert verdicts(rec, "RFC6749-5.1-pragma") == []


def test_header_directives_skip_quoted_commas() -> None:
    assert header_directives(['private="a, no-store", max-age=0']) == ["private", "max-age"]


# ------------------------------------------------------------------------ §5.1 expires_in


@pytest.mark.parametrize(("raw", "ok"), [
    (b"3600", True),
    (b"0", True),  # 1*DIGIT allows zero
    (b"3600.0", False),  # not 1*DIGIT: Go's x/oauth2 rejects it
    (b"3.6e3", False),
    (b"-1", False),
    (b'"3600"', False),
    (b"true", False),
    (b"null", False),
])
def test_expires_in_must_be_digits(raw: bytes, ok: bool) -> None:
    body = b'{"access_token":"abc","token_type":"Bearer","expires_in":' + raw + b"}"
    rec = run_success(exchange(200, body, JSON_CT, NO_STORE, NO_CACHE))
    expected = Verdict.PASS if ok else Verdict.FAIL
    assert verdicts(rec, "RFC6749-5.1-expires-in-numeric") == [expected]
    assert verdicts(rec, "RFC6749-5.1-expires-in") == [Verdict.PASS]


def test_missing_expires_in_is_a_warning() -> None:
    body = {"access_token": "abc", "token_type": "Bearer"}
    rec = run_success(success(body))
    assert verdicts(rec, "RFC6749-5.1-expires-in") == [Verdict.WARN]
    assert verdicts(rec, "RFC6749-5.1-expires-in-numeric") == []


# ------------------------------------------------------------------------------ §5.1 scope


@pytest.mark.parametrize(("scope", "five_one", "least", "oauth21"), [
    (None, None, None, Verdict.WARN),  # absent: claims "as requested", unverifiable here
    # equal: the rule (scope MUST be returned when it differs) is not exercised, so no pass
    ("read write", None, Verdict.PASS, Verdict.PASS),
    ("write read", None, Verdict.PASS, Verdict.PASS),  # equal, order irrelevant
    ("read", Verdict.PASS, Verdict.PASS, Verdict.PASS),  # narrowed and said so
    ("read write admin", Verdict.PASS, Verdict.WARN, Verdict.PASS),  # broader than asked
])
def test_scope_absent_equal_narrowed(scope: str | None, five_one: Verdict | None,
                                     least: Verdict | None, oauth21: Verdict) -> None:
    body = token_body() if scope is None else token_body(scope=scope)
    for spec in ("rfc6749", "oauth2.1"):
        rec = run_success(success(body), spec=spec, requested_scope=["read", "write"],
                          allowed_scopes=["read", "write"])
        assert verdicts(rec, "RFC6749-5.1-scope") == ([] if five_one is None else [five_one])
        assert verdicts(rec, "RFC9700-2.3-least-privilege") == ([] if least is None else [least])
        assert verdicts(rec, "OAUTH21-3.2.3-scope-returned") == (
            [oauth21] if spec == "oauth2.1" else [])


@pytest.mark.parametrize(("scope", "ok"), [("read write", True), ("read  write", False),
                                           (" read", False), ('re"ad', False), ("", False)])
def test_scope_syntax(scope: str, ok: bool) -> None:
    rec = run_success(success(token_body(scope=scope)))
    assert verdicts(rec, "RFC6749-3.3-scope-syntax") == [Verdict.PASS if ok else Verdict.FAIL]


# ----------------------------------------------------------------- issued_token and 2xx bodies


def test_issued_token_cases() -> None:
    assert issued_token(success())
    assert issued_token(exchange(400, token_body(), JSON_CT))  # a token is a token
    assert not issued_token(exchange(200, {"error": "invalid_client"}, JSON_CT))
    assert not issued_token(exchange(200, b"", JSON_CT))
    assert issued_token(exchange(200, b"access_token=abc&token_type=bearer",
                                 ("Content-Type", "application/x-www-form-urlencoded")))


def test_2xx_error_body_fails_status_not_no_token() -> None:
    ex = exchange(200, {"error": "invalid_client"}, JSON_CT)
    rec = run_error(ex, ["invalid_client"], also=["RFC6749-3.2.1-client-auth-required"])
    assert verdicts(rec, "RFC6749-3.2.1-client-auth-required") == [Verdict.PASS]
    assert verdicts(rec, "RFC6749-5.2-status") == [Verdict.FAIL]


def test_2xx_without_access_token_is_judged_as_broken_success() -> None:
    ex = exchange(200, {"token_type": "Bearer"}, JSON_CT, NO_STORE, NO_CACHE)
    rec = run_success(ex, also=["RFC6749-4.4.3-token-issued"])
    assert verdicts(rec, "RFC6749-4.4.3-token-issued") == [Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.1-access-token") == [Verdict.FAIL]
    rec = run_success(ex)  # even without `also`, the broken 2xx is reported
    assert verdicts(rec, "RFC6749-5.1-access-token") == [Verdict.FAIL]


def test_refusal_is_not_judged_as_success() -> None:
    rec = run_success(error("invalid_client", 401), also=["RFC6749-4.4.3-token-issued"])
    assert verdicts(rec, "RFC6749-4.4.3-token-issued") == [Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.1-status-200") == []


# ------------------------------------------------------- verdict levels come from the catalogue


def test_check_takes_its_level_from_the_catalogue() -> None:
    rec = Recorder()
    rec.check("RFC6749-5.1-no-store", False, expected="x", observed="y")  # MUST
    rec.check("RFC6749-3.2-post-only", False, expected="x", observed="y")  # SHOULD
    rec.check("RFC6749-2.3.1-client-secret-post", False, expected="x", observed="y")  # MAY
    rec.check("RFC0000-no-such-id", False, expected="x", observed="y")  # typo: loud
    assert [f.verdict for f in rec.findings] == [Verdict.FAIL, Verdict.WARN, Verdict.INFO,
                                                 Verdict.FAIL]


def test_a_promised_may_is_judged_as_must() -> None:
    rec = Recorder()
    rec.promised.add("RFC6749-2.3.1-client-secret-post")
    rec.check("RFC6749-2.3.1-client-secret-post", False, expected="x", observed="y")
    assert rec.findings[0].verdict == Verdict.FAIL


def test_served_request_is_not_blamed_on_the_error_code_too() -> None:
    """A server that serves a request it must refuse is judged by the ``also`` rule alone
    (a MUST: fail, once); RFC6749-5.2-invalid-request is only judged on a refusal."""
    rec = Recorder()
    ok = success()
    verify_error(rec, ok, codes=["invalid_request"], code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-3.2-no-repeated-params"])
    assert {f.requirement: f.verdict for f in rec.findings} == {
        "RFC6749-3.2-no-repeated-params": Verdict.FAIL}
    rec = Recorder()
    refused = error("invalid_client", 400)
    verify_error(rec, refused, codes=["invalid_request"],
                 code_ids=["RFC6749-5.2-invalid-request"], also=["RFC6749-3.2-no-repeated-params"])
    verdicts = {f.requirement: f.verdict for f in rec.findings}
    assert verdicts["RFC6749-5.2-invalid-request"] == Verdict.FAIL
    assert verdicts["RFC6749-3.2-no-repeated-params"] == Verdict.PASS


# ------------------------------------------- RFC 9110 challenges on a 401 (§15.5.2, §11.2)

WWW = "WWW-Authenticate"


@pytest.mark.parametrize("lines", [
    ['Basic realm="x", charset="UTF-8"'],
    ["basic realm=x"],  # case-insensitive scheme; a token value needs no quotes (§11.2)
    ['Basic realm = "x" , , charset=UTF-8'],  # BWS around '=', an empty list element
    ['Bearer realm="api", error="invalid_token", Basic realm="cc"'],  # two on one line
    ['Bearer realm="api"', 'Basic realm="cc"'],  # two header lines
    ['Basic realm="a, b \\"c\\""'],  # comma and escaped quotes inside a quoted-string
    ["Negotiate abc=="],  # token68
    ["Bearer"],  # a scheme alone is a challenge
])
def test_401_challenge_accepted(lines: list[str]) -> None:
    ex = error("invalid_client", 401, *[(WWW, v) for v in lines])
    rec = run_error(ex, ["invalid_client"])
    assert verdicts(rec, "RFC9110-15.5.2-www-authenticate") == [Verdict.PASS]
    assert verdicts(rec, "RFC9110-11.2-auth-param-syntax") == [Verdict.PASS]


@pytest.mark.parametrize(("lines", "challenge", "syntax"), [
    ([], Verdict.FAIL, None),  # 401 without the header
    ([""], Verdict.FAIL, Verdict.PASS),  # an empty header holds no challenge
    (['realm="x"'], Verdict.FAIL, Verdict.FAIL),  # parameters without a scheme
    (["Basic realm=a b"], Verdict.PASS, Verdict.FAIL),  # unquoted value with a space
    (['Basic realm="cc'], Verdict.PASS, Verdict.FAIL),  # unterminated quoted-string
    (['Basic realm="cc", charset=UTF 8'], Verdict.PASS, Verdict.FAIL),
    (['Basic realm="a", REALM="b"'], Verdict.PASS, Verdict.FAIL),  # a name twice (§11.2)
    (['Basic\trealm="x"'], Verdict.FAIL, Verdict.FAIL),  # 1*SP after the scheme, not a tab
])
def test_401_challenge_refused(lines: list[str], challenge: Verdict,
                               syntax: Verdict | None) -> None:
    ex = error("invalid_client", 401, *[(WWW, v) for v in lines])
    rec = run_error(ex, ["invalid_client"])
    assert verdicts(rec, "RFC9110-15.5.2-www-authenticate") == [challenge]
    assert verdicts(rec, "RFC9110-11.2-auth-param-syntax") == ([syntax] if syntax else [])


def test_malformed_parameter_is_blamed_once() -> None:
    """realm=a b breaks §11.2 only: the Basic challenge is still found (§5.2's 401 rule and
    RFC 7617's realm rule pass), so one fault gives one finding."""
    ex = error("invalid_client", 401, (WWW, "Basic realm=a b"))
    rec = run_error(ex, ["invalid_client"], auth_scheme="Basic")
    bad = {f.requirement for f in rec.findings if f.verdict in (Verdict.FAIL, Verdict.WARN)}
    assert bad == {"RFC9110-11.2-auth-param-syntax"}
    assert parse_challenges(["Basic realm=a b"])[0].params == {"realm": "a b"}


def test_challenge_rules_only_on_401_or_a_sent_header() -> None:
    rec = run_error(error("invalid_request", 400), ["invalid_request"])
    assert verdicts(rec, "RFC9110-15.5.2-www-authenticate") == []
    assert verdicts(rec, "RFC9110-11.2-auth-param-syntax") == []
    rec = run_error(error("invalid_client", 400, (WWW, "Basic realm=a b")), ["invalid_client"])
    assert verdicts(rec, "RFC9110-15.5.2-www-authenticate") == []
    assert verdicts(rec, "RFC9110-11.2-auth-param-syntax") == [Verdict.FAIL]


# ------------------------------------------------------------------- §5.2 error codes (§8.5)


@pytest.mark.parametrize("code", [
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",  # §5.2
    "invalid_target", "use_dpop_nonce", "invalid_dpop_proof", "authorization_pending",
    "invalid_authorization_details",  # registered for token error responses
])
def test_error_code_known(code: str) -> None:
    rec = run_error(error(code), [code])
    assert verdicts(rec, "RFC6749-5.2-error-code-registered") == [Verdict.PASS]


@pytest.mark.parametrize("code", [
    "bad_thing",
    "invalid_token",  # registered, but for resource access errors only
    "login_required",  # registered for the authorization endpoint only
    "Invalid_Request",  # codes are case-sensitive
])
def test_error_code_unknown_is_a_warning(code: str) -> None:
    rec = run_error(error(code), [code])
    assert verdicts(rec, "RFC6749-5.2-error-code-registered") == [Verdict.WARN]
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.PASS]


# ------------------------------------------------------ §5.2 error_uri, empty optional members


@pytest.mark.parametrize(("uri", "ok"), [
    ("https://x/y", True),
    ("/errors/1", True),  # a relative reference
    ("https://as.example/errors?code=invalid_request#details", True),
    ("urn:example:oauth:errors:invalid_request", True),
    ("https://[2001:db8::1]:8443/e", True),
    ("https://as.example/%7Eerrors", True),
    ("https://as.example/<invalid_request>", False),  # '<' '>': allowed by A.9, not by URI
    ("https://as.example/errors/{code}", False),
    ("https://as.example/%zz", False),  # not a percent-escape
    ("1st:errors", False),  # a scheme starts with a letter; no relative path has ':' first
    ("https://[1.2.3.4]/", False),  # an IP-literal holds IPv6 or IPvFuture
])
def test_error_uri_is_a_uri_reference(uri: str, ok: bool) -> None:
    rec = run_error(error("invalid_request", error_uri=uri), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-uri") == [Verdict.PASS if ok else Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.PASS]


def test_error_uri_with_a_space_breaks_both_rules() -> None:
    rec = run_error(error("invalid_request", error_uri="http://x/ y"), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-uri") == [Verdict.FAIL]
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.FAIL]


@pytest.mark.parametrize("member", ["error_description", "error_uri"])
def test_empty_optional_member_is_absent(member: str) -> None:
    rec = run_error(error("invalid_request", **{member: ""}), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-charset") == [Verdict.INFO, Verdict.PASS]
    assert verdicts(rec, "RFC6749-5.2-error-uri") == []
    assert not rec.failed


# ------------------------------------------------------------------ RFC 8259: no NaN/Infinity


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_error_body_is_not_json(literal: bytes) -> None:
    body = b'{"error": "invalid_request", "retry_in": ' + literal + b"}"
    rec = run_error(exchange(400, body, JSON_CT), ["invalid_request"])
    assert verdicts(rec, "RFC6749-5.2-error-json") == [Verdict.FAIL]
    json_finding = next(f for f in rec.findings if f.requirement == "RFC6749-5.2-error-json")
    assert "not JSON" in json_finding.observed and literal.decode() in json_finding.observed


def test_nan_token_body_is_not_json() -> None:
    body = b'{"access_token": "abc", "token_type": "Bearer", "expires_in": NaN}'
    rec = run_success(success(body))
    assert verdicts(rec, "RFC6749-5.1-json") == [Verdict.FAIL]
    assert parse_json_object(b'{"a": "NaN", "b": 1e400}')[0] is not None  # a string, a number


_TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_tokens = st.text(alphabet=_TCHAR, min_size=1, max_size=12)
_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@settings(max_examples=200, deadline=None)
@given(scheme=_tokens, params=st.dictionaries(_tokens.map(str.lower), _values, max_size=4),
       quote_all=st.booleans())
def test_well_formed_challenges_parse_back(scheme: str, params: dict[str, str],
                                           quote_all: bool) -> None:
    """Any challenge serialised per RFC 9110 (token values bare or quoted, anything else as a
    quoted-string with backslash escapes) parses back to the same scheme and parameters."""
    def render(v: str) -> str:
        if v and not quote_all and all(c in _TCHAR for c in v):
            return v
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    line = scheme + (" " + ", ".join(f"{k}={render(v)}" for k, v in params.items())
                     if params else "")
    parsed = parse_www_authenticate([line])
    assert parsed.problems == []
    assert [(c.scheme, c.params) for c in parsed.challenges] == [(scheme, params)]


def test_a_server_error_is_one_finding_on_the_status() -> None:
    """One crash, one finding: a 500 answer to a request that must be refused fails
    RFC6749-5.2-status only (its code, JSON shape and challenge are not judged again), and the
    no-token rule gets no pass from it."""
    rec = Recorder()
    crash = error("server_error", 500)
    verify_error(rec, crash, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                 also=["RFC6749-3.2.1-client-auth-required"], auth_scheme="Basic")
    verdicts = {f.requirement: f.verdict for f in rec.findings}
    assert verdicts == {"RFC6749-5.2-status": Verdict.FAIL,
                        # no token, but no refusal either: not an observation of the rule, so
                        # not a pass (a server answering 500 to everything passed it before)
                        "RFC6749-3.2.1-client-auth-required": Verdict.NOT_APPLICABLE}


def test_a_pass_needs_an_exchange() -> None:
    """No pass without an observation: the recorder refuses a pass that points at nothing."""
    rec = Recorder()
    with pytest.raises(ValueError, match="must point at the exchange"):
        rec.record("RFC6749-5.1-no-store", Verdict.PASS, expected="x", observed="y")
    rec.check("RFC6749-5.1-no-store", True, expected="x", observed="y", exchanges=[success()])
    assert rec.findings[0].verdict == Verdict.PASS
