"""RFC 6749 §2.3 / §2.3.1 (and OAuth 2.1 §2.4.1): client authentication at the token endpoint."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.checks import issued_token, verify_error, verify_success
from conformance.harness import CheckContext, PropertyViolation, hypothesis_settings
from conformance.request import form_encode
from conformance.results import Verdict
from conformance.suite._common import BASIC, METHODS, POST, need_method, scheme_of


@pytest.mark.requirement("RFC6749-2.3.1-basic-supported", "RFC6749-4.4.3-token-issued")
def test_basic_authentication_is_supported(cc: CheckContext) -> None:
    """Sends grant_type=client_credentials with the confidential client in HTTP Basic.
    RFC 6749 §2.3.1: the server MUST support Basic for clients holding a password."""
    if cc.spec != "rfc6749":
        cc.na("Basic support is optional under OAuth 2.1", ["RFC6749-2.3.1-basic-supported"])
    ex = cc.send(cc.token_request(method=BASIC))
    verify_success(cc.rec, ex, spec=cc.spec,
                   also=["RFC6749-2.3.1-basic-supported", "RFC6749-4.4.3-token-issued"])


@pytest.mark.requirement("RFC6749-2.3.1-client-secret-post", "OAUTH21-2.4.1-client-secret-post",
                         "RFC6749-4.4.3-token-issued")
def test_body_credentials(cc: CheckContext) -> None:
    """Sends client_id and client_secret in the form body (client_secret_post).
    RFC 6749 §2.3.1: optional (MAY), so only checked when the profile declares it;
    OAuth 2.1 §2.4.1: the server MUST support it."""
    if cc.spec == "oauth2.1":
        rid = "OAUTH21-2.4.1-client-secret-post"
    else:
        rid = "RFC6749-2.3.1-client-secret-post"
        if POST not in cc.profile.auth_methods:
            cc.na("client_secret_post is not declared in server.auth_methods")
        cc.rec.promised.add(rid)  # a MAY the profile declares: refusing it breaks the promise
    ex = cc.send(cc.token_request(method=POST))
    verify_success(cc.rec, ex, spec=cc.spec, also=[rid, "RFC6749-4.4.3-token-issued"])


@pytest.mark.requirement("RFC6749-2.3.1-basic-form-encoding")
def test_basic_credentials_are_form_urlencoded(cc: CheckContext) -> None:
    """Sends the needs-encoding client (':' ' ' '/' '%' '+' non-ASCII in id and secret) in Basic,
    form-urlencoded before base64 as §2.3.1 requires, and probes the raw form many clients send.
    The server MUST accept the encoded form; accepting only the raw form is a failure."""
    need_method(cc, BASIC)
    client = cc.client("needs_encoding")
    secret = client.require_secret
    encoded = cc.send(cc.grant_request(label="basic form-urlencoded")
                      .basic(client.client_id, secret, form_encoded=True))
    raw = cc.send(cc.grant_request(label="basic raw (not form-urlencoded)")
                  .basic(client.client_id, secret, form_encoded=False))
    ok_enc, ok_raw = issued_token(encoded), issued_token(raw)
    rid = "RFC6749-2.3.1-basic-form-encoding"
    if ok_enc:
        verify_success(cc.rec, encoded, spec=cc.spec, also=[rid])
        cc.rec.record(rid, Verdict.INFO, expected="(probe) raw Basic credentials",
                      observed="accepted" if ok_raw else "refused",
                      reason="the server also tolerates unencoded Basic credentials"
                      if ok_raw else "the server only accepts RFC-encoded Basic credentials",
                      exchanges=[raw])
    else:
        why = ("the server decodes Basic credentials without form-urldecoding them: clients that "
               "follow RFC 6749 §2.3.1 are rejected whenever the id or secret contains "
               "characters that need encoding") if ok_raw else (
               "the RFC-encoded Basic credentials of a valid client were refused")
        cc.rec.record(rid, Verdict.FAIL, expected="token for form-urlencoded Basic credentials",
                      observed=f"encoded: HTTP {encoded.response.status}; raw: "
                               f"{'token issued' if ok_raw else f'HTTP {raw.response.status}'}",
                      reason=why, exchanges=[encoded, raw])


@pytest.mark.requirement("RFC6749-2.3.1-client-secret-post", "OAUTH21-2.4.1-client-secret-post")
def test_body_credentials_with_special_characters(cc: CheckContext) -> None:
    """Sends the needs-encoding client's id and secret form-urlencoded in the body.
    The body is ordinary application/x-www-form-urlencoded, so it MUST authenticate."""
    rid = "OAUTH21-2.4.1-client-secret-post" if cc.spec == "oauth2.1" else \
        "RFC6749-2.3.1-client-secret-post"
    need_method(cc, POST)
    cc.rec.promised.add(rid)  # declared in server.auth_methods (need_method)
    client = cc.client("needs_encoding")
    ex = cc.send(cc.token_request(client, POST))
    verify_success(cc.rec, ex, spec=cc.spec, also=[rid])


#: A request with two client authentication methods is invalid (§5.2 invalid_request) and, as
#: the server cannot tell which credentials count, also fails client authentication: both codes
#: fit the refusal.
TWO_METHODS_CODES = ("invalid_request", "invalid_client")


@pytest.mark.parametrize("body", ["client_id and client_secret", "client_secret only"])
@pytest.mark.requirement("RFC6749-2.3-one-auth-method", "RFC6749-5.2-invalid-request")
def test_two_authentication_methods_refused(cc: CheckContext, body: str) -> None:
    """Sends valid credentials in HTTP Basic and a client_secret in the body (with or without
    client_id). RFC 6749 §2.3: a client MUST NOT use more than one method; §5.2 defines such a
    request as invalid and §4.4.3 answers it with a §5.2 error: no token, invalid_request (or
    invalid_client). Only the body secret makes a second method: Basic plus a matching
    client_id alone is allowed (see test_client_id_alongside_basic)."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    b = cc.token_request(method=BASIC, label=f"Basic + body {body}")
    if body == "client_id and client_secret":
        b.post_credentials(c.client_id, c.require_secret)
    else:
        b.param("client_secret", c.require_secret)
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=TWO_METHODS_CODES, code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-2.3-one-auth-method"], auth_scheme="Basic")


@pytest.mark.requirement("RFC6749-2.3-one-auth-method", "RFC6749-5.2-invalid-request")
def test_basic_and_body_credentials_of_another_client_refused(cc: CheckContext) -> None:
    """Sends the confidential client in HTTP Basic and a second registered client's id and
    secret in the body. §2.3: one method only; §5.2: invalid_request (or invalid_client). The
    request must be served as neither client: no token at all. (Which client a server that
    serves it picked cannot be seen, so only the one-method rule is blamed.)"""
    need_method(cc, BASIC)
    other = cc.client("needs_encoding")
    b = cc.token_request(method=BASIC, label="Basic client A + body credentials of client B")
    b.post_credentials(other.client_id, other.require_secret)
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=TWO_METHODS_CODES, code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-2.3-one-auth-method"], auth_scheme="Basic")


@pytest.mark.requirement("RFC6749-3.2.1-client-id-mismatch", "RFC6749-5.2-invalid-request")
def test_basic_with_client_id_of_another_client_refused(cc: CheckContext) -> None:
    """Sends valid HTTP Basic credentials of the confidential client plus a body client_id
    naming another registered client. §3.2.1 lets a client name itself with client_id; naming
    someone else makes the request carry conflicting client identities (§5.2: multiple
    credentials, invalid_request; invalid_client fits too). It MUST NOT be served as either
    client."""
    need_method(cc, BASIC)
    other = cc.client("needs_encoding")
    ex = cc.send(cc.token_request(method=BASIC, extra=[("client_id", other.client_id)],
                                  label="Basic client A + body client_id of client B"))
    verify_error(cc.rec, ex, codes=TWO_METHODS_CODES, code_ids=["RFC6749-5.2-invalid-request"],
                 also=["RFC6749-3.2.1-client-id-mismatch"], auth_scheme="Basic")


@pytest.mark.requirement("RFC6749-3.2.1-client-id-with-basic")
def test_client_id_alongside_basic(cc: CheckContext) -> None:
    """Sends valid HTTP Basic credentials plus client_id=<the same id> in the body.
    RFC 6749 §3.2.1: a client MAY send client_id to identify itself; without a secret it is
    not a second authentication method (§2.3), so the request MUST still get a token."""
    need_method(cc, BASIC)
    c = cc.profile.confidential
    ex = cc.send(cc.token_request(method=BASIC, extra=[("client_id", c.client_id)],
                                  label="Basic + matching body client_id"))
    verify_success(cc.rec, ex, spec=cc.spec, also=["RFC6749-3.2.1-client-id-with-basic"])


@pytest.mark.parametrize("http_method", ["POST", "GET"])
@pytest.mark.requirement("RFC6749-2.3.1-no-credentials-in-uri")
def test_credentials_in_query_refused(cc: CheckContext, http_method: str) -> None:
    """Sends client_id/client_secret in the request URI's query (grant_type in the body for
    POST, in the query for GET). §2.3.1: the credentials MUST NOT be in the request URI, so
    they authenticate nothing: no token (invalid_client or invalid_request)."""
    c = cc.profile.confidential
    b = cc.token_request(method="none", grant_type=None if http_method == "GET"
                         else "client_credentials", label=f"{http_method} credentials in query")
    if http_method == "GET":
        b.method, b.content_type = "GET", None
        b.query_param("grant_type", "client_credentials")
    b.query_param("client_id", c.client_id).query_param("client_secret", c.require_secret)
    ex = cc.send(b)
    if http_method == "GET" and not issued_token(ex):
        # A GET may be refused at the HTTP level (405) before any OAuth processing: what
        # matters for §2.3.1 is that no token was issued.
        cc.rec.check("RFC6749-2.3.1-no-credentials-in-uri", True,
                     expected="no token for credentials in the URI",
                     observed=f"HTTP {ex.response.status}, no token", exchanges=[ex])
        return
    verify_error(cc.rec, ex, codes=["invalid_client", "invalid_request"],
                 also=["RFC6749-2.3.1-no-credentials-in-uri"])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.requirement("RFC6749-5.2-invalid-client", "RFC6749-3.2.1-client-auth-required",
                         "RFC6749-5.2-invalid-client-401", "RFC9110-15.5.2-www-authenticate")
def test_wrong_secret_is_invalid_client(cc: CheckContext, method: str) -> None:
    """Sends the confidential client's id with a wrong secret. §5.2: invalid_client; with
    Basic, HTTP 401 and a Basic challenge. With body credentials §5.2 allows 400 or 401; a 401
    still carries a WWW-Authenticate challenge (RFC 9110 §15.5.2)."""
    need_method(cc, method)
    c = cc.profile.confidential
    b = cc.grant_request()
    wrong = c.require_secret + "x"
    b = b.basic(c.client_id, wrong) if method == BASIC else b.post_credentials(c.client_id, wrong)
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                 also=["RFC6749-3.2.1-client-auth-required"], auth_scheme=scheme_of(method))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.requirement("RFC6749-5.2-invalid-client", "RFC6749-3.2.1-client-auth-required")
def test_unknown_client_is_invalid_client(cc: CheckContext, method: str) -> None:
    """Sends an id the server cannot know with some secret. §5.2: invalid_client."""
    need_method(cc, method)
    b = cc.grant_request()
    cid, secret = "cc-conformance-no-such-client-3f9a", "not-a-secret-3f9a"
    b = b.basic(cid, secret) if method == BASIC else b.post_credentials(cid, secret)
    ex = cc.send(b)
    verify_error(cc.rec, ex, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                 also=["RFC6749-3.2.1-client-auth-required"], auth_scheme=scheme_of(method))


@pytest.mark.requirement("RFC6749-3.2.1-client-auth-required")
def test_no_client_authentication(cc: CheckContext) -> None:
    """Sends grant_type=client_credentials with no client authentication at all.
    §3.2.1/§4.4.2: the client MUST authenticate; §5.2: invalid_client (or invalid_request)."""
    ex = cc.send(cc.grant_request())
    # No credentials at all: invalid_client (authentication failed) and invalid_request (a
    # required credential is missing) both fit; the OpenID Foundation suite accepts either.
    verify_error(cc.rec, ex, codes=["invalid_client", "invalid_request"],
                 also=["RFC6749-3.2.1-client-auth-required"])


def _basic_raw(payload: bytes) -> str:
    return "Basic " + base64.b64encode(payload).decode("ascii")


#: Classic malformed Basic credentials, each sent deterministically (never left to a seed).
#: ``{id}`` is the confidential client's id; no real secret is ever part of a probe.
MALFORMED_BASIC = {
    "not base64": lambda cid: "Basic !!not*base64!!",
    "bad base64 padding": lambda cid: "Basic " + base64.b64encode(cid.encode()).decode()[:-1],
    "no colon": lambda cid: _basic_raw(cid.encode()),
    "empty user-id": lambda cid: _basic_raw(b":not-a-secret"),
    "empty password": lambda cid: _basic_raw(quote_plus(cid, safe="").encode() + b":"),
    "empty user-id and password": lambda cid: _basic_raw(b":"),
    "no credentials after the scheme": lambda cid: "Basic",
    "non-UTF-8 user-id": lambda cid: _basic_raw(b"\xff\xfe\xc3(:not-a-secret"),
    "non-UTF-8 password": lambda cid: _basic_raw(quote_plus(cid, safe="").encode()
                                                 + b":\xff\xfe\xc3("),
}


@pytest.mark.parametrize("case", list(MALFORMED_BASIC))
@pytest.mark.requirement("RFC6749-3.2.1-client-auth-required", "RFC6749-5.2-status")
def test_malformed_basic_credentials_refused(cc: CheckContext, case: str) -> None:
    """Sends grant_type=client_credentials with a malformed Basic header (bad base64, no colon,
    empty user-id or password, non-UTF-8 bytes, nothing after the scheme). §3.2.1: no valid
    client authentication, no token; §5.2: an error response, invalid_client (401 with a Basic
    challenge, as the client used the header) or invalid_request (400), never a 5xx."""
    need_method(cc, BASIC)
    header = MALFORMED_BASIC[case](cc.profile.confidential.client_id)
    ex = cc.send(cc.grant_request(label=f"Basic: {case}")
                 .header("Authorization", header))
    verify_error(cc.rec, ex, codes=["invalid_client", "invalid_request"],
                 also=["RFC6749-3.2.1-client-auth-required"], auth_scheme="Basic")


@pytest.mark.parametrize("case", ["empty client_secret", "empty client_id",
                                  "non-UTF-8 client_secret"])
@pytest.mark.requirement("RFC6749-3.2.1-client-auth-required", "RFC6749-3.2-empty-params-omitted")
def test_malformed_body_credentials_refused(cc: CheckContext, case: str) -> None:
    """Sends client_secret_post credentials with an empty client_secret (§3.2: as if omitted, so
    the confidential client did not authenticate), an empty client_id with the real secret, or
    a client_secret of non-UTF-8 bytes. §3.2.1: no token; §5.2: invalid_client or
    invalid_request."""
    need_method(cc, POST)
    c = cc.profile.confidential
    b = cc.grant_request(label=case)
    if case == "empty client_secret":
        b.post_credentials(c.client_id, "")
    elif case == "empty client_id":
        b.post_credentials("", c.require_secret)
    else:
        b.body(form_encode([("grant_type", "client_credentials"), ("client_id", c.client_id)])
               .encode() + b"&client_secret=%FF%FE%C3%28")
    ex = cc.send(b)
    also = ["RFC6749-3.2.1-client-auth-required"]
    if case.startswith("empty"):
        also.append("RFC6749-3.2-empty-params-omitted")
    verify_error(cc.rec, ex, codes=["invalid_client", "invalid_request"], also=also)


CORRUPTIONS = st.tuples(
    st.sampled_from(["flip", "drop", "append", "truncate", "swapcase", "prefix", "double"]),
    st.integers(min_value=0, max_value=10_000),
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
)


def corrupt(secret: str, op: tuple[str, int, str]) -> str:
    kind, n, ch = op
    i = n % max(len(secret), 1)
    if kind == "flip":
        return secret[:i] + (ch if secret[i] != ch else chr(ord(ch) ^ 1)) + secret[i + 1:]
    if kind == "drop":
        return secret[:i] + secret[i + 1:]
    if kind == "append":
        return secret + ch
    if kind == "truncate":
        return secret[:i]
    if kind == "swapcase":
        return secret.swapcase()
    if kind == "prefix":
        return ch + secret
    return secret + secret


@pytest.mark.requirement("RFC6749-3.2.1-client-auth-required", "RFC6749-5.2-invalid-client")
def test_any_corrupted_secret_is_rejected(cc: CheckContext) -> None:
    """Property: any corruption of the confidential client's secret (drawn as an edit operation,
    so the secret itself never appears in Hypothesis output), sent with either declared method,
    is answered with invalid_client and no token."""
    c = cc.profile.confidential
    secret = c.require_secret
    methods = [m for m in METHODS if m in cc.profile.auth_methods] or [cc.default_method]

    @hypothesis_settings(cc.examples)
    @given(op=CORRUPTIONS, method=st.sampled_from(methods))
    def prop(op: tuple[str, int, str], method: str) -> None:
        bad = corrupt(secret, op)
        assume(bad and bad != secret)
        if len(bad) >= 8:
            cc.redactor.add_secret(bad)
        b = cc.grant_request(label=f"corrupted secret ({op[0]})")
        b = b.basic(c.client_id, bad) if method == BASIC else b.post_credentials(c.client_id, bad)
        ex = cc.send(b)
        rec = cc.example_recorder()
        verify_error(rec, ex, codes=["invalid_client"], code_ids=["RFC6749-5.2-invalid-client"],
                     also=["RFC6749-3.2.1-client-auth-required"], auth_scheme=scheme_of(method))
        if rec.failed:
            raise PropertyViolation(rec)

    cc.run_property(prop, passed="corrupted secrets rejected with invalid_client")
