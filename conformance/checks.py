"""What a correct response looks like: the shared §5.1 success and §5.2 error verifiers.

Checkers never raise on a broken rule: they record one outcome per requirement they check
(so a failing Pragma does not hide a failing no-store), each with expected vs observed and the
exchange. No plumbing here: no target, transport or reporting code.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from conformance.catalogue import load_catalogue
from conformance.entropy import estimate_entropy
from conformance.exchange import Exchange, parse_json_object
from conformance.results import Finding, Verdict

# RFC 6749 Appendix A
NQCHAR = r"[\x21\x23-\x5B\x5D-\x7E]"
SCOPE_RE = re.compile(rf"^{NQCHAR}+(?: {NQCHAR}+)*$")
VSCHAR_RE = re.compile(r"^[\x20-\x7E]+$")
# RFC 6749 §5.2 / Appendix A.7, A.8: `error` and `error_description` are 1*NQSCHAR
# (%x20-21 / %x23-5B / %x5D-7E: space allowed); `error_uri` (A.9) excludes space.
ERROR_RE = re.compile(r"^[\x20\x21\x23-\x5B\x5D-\x7E]+$")
ERROR_DESCRIPTION_RE = ERROR_RE
ERROR_URI_RE = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")
# RFC 6750 §2.1
B64TOKEN_RE = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
# RFC 6749 §7.1 / §11.1: registered access token types (IANA "OAuth Access Token Types")
REGISTERED_TOKEN_TYPES = frozenset({"bearer", "n_a", "pop", "dpop"})
ABSOLUTE_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
JSON_MEDIA_RE = re.compile(r"^\s*application/json\s*(;.*)?$", re.IGNORECASE)

#: RFC 6749 §5.2's codes, plus the codes the IANA "OAuth Extensions Error Registry" (RFC 6749
#: §8.5, §11.4) registers with the token error response among their usage locations: RFC 8628
#: (device grant), RFC 8707 (resource indicators), RFC 9396 (rich authorization requests),
#: RFC 9449 (DPoP). Registry codes for other locations only (the authorization endpoint, resource
#: access, revocation, registration) are not token-endpoint codes.
TOKEN_ERROR_CODES = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",  # RFC 6749 §5.2
    "authorization_pending", "slow_down", "expired_token", "access_denied",  # RFC 8628 §3.5
    "invalid_target",  # RFC 8707 §2
    "invalid_authorization_details",  # RFC 9396 §5
    "invalid_dpop_proof", "use_dpop_nonce",  # RFC 9449 §5, §8
})

# RFC 3986 Appendix A: URI-reference = URI / relative-ref.
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SEGMENT_NZ_NC = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}@]|{_PCT})+"
_QUERY = rf"(?:{_PCHAR}|[/?])*"
_IP_LITERAL = rf"\[(?P<ip>[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+|[0-9A-Fa-f:.]+)\]"
_AUTHORITY = (rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"
              rf"(?:{_IP_LITERAL}|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)(?::[0-9]*)?")
_PATH_ABEMPTY = rf"(?:/{_PCHAR}*)*"
_PATH_ABSOLUTE = rf"/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?"
_TAIL = rf"(?:\?{_QUERY})?(?:#{_QUERY})?"
_URI_RE = re.compile(rf"[A-Za-z][A-Za-z0-9+\-.]*:(?://{_AUTHORITY}{_PATH_ABEMPTY}"
                     rf"|{_PATH_ABSOLUTE}|{_PCHAR}+(?:/{_PCHAR}*)*|){_TAIL}")
_RELATIVE_REF_RE = re.compile(rf"(?://{_AUTHORITY}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}"
                              rf"|{_SEGMENT_NZ_NC}(?:/{_PCHAR}*)*|){_TAIL}")


def is_uri_reference(value: str) -> bool:
    """Is ``value`` a URI-reference (RFC 3986 §4.1): an absolute URI or a relative reference?

    An IP-literal host must hold an IPv6 address (without a zone) or an IPvFuture."""
    for pattern in (_URI_RE, _RELATIVE_REF_RE):
        m = pattern.fullmatch(value)
        if m is None:
            continue
        ip = m.group("ip")
        if ip is None or ip[0] in "vV":
            return True
        try:
            ipaddress.IPv6Address(ip)
        except ValueError:
            continue
        return True
    return False


@cache
def _levels() -> dict[str, str]:
    return {r.id: r.level for r in load_catalogue()}


def catalogue_level(rid: str) -> str:
    """The catalogue level of a requirement ID (MUST for an unknown ID, so a typo fails loudly
    rather than passing quietly)."""
    return _levels().get(rid, "MUST")


@dataclass(slots=True)
class Recorder:
    """Collects findings for one test (or one Hypothesis example)."""

    test: str = ""
    findings: list[Finding] = field(default_factory=list)
    #: Requirement IDs the profile raises to a promise (a declared MAY): judged as MUST here.
    promised: set[str] = field(default_factory=set)

    def record(self, rid: str, verdict: Verdict, *, expected: str = "", observed: str = "",
               reason: str = "", exchanges: Sequence[Exchange] = ()) -> Finding:
        if verdict == Verdict.PASS and not exchanges:
            # No pass without an observation: a check that passes names the exchange(s) that
            # showed it, or it has nothing to pass on (record not_applicable instead).
            raise ValueError(f"{rid}: a pass must point at the exchange that showed it")
        f = Finding(requirement=rid, verdict=verdict, expected=expected, observed=observed,
                    reason=reason, test=self.test, exchanges=list(exchanges))
        self.findings.append(f)
        return f

    def check(self, rid: str, ok: bool, *, expected: str, observed: str, reason: str = "",
              exchanges: Sequence[Exchange] = (), level: str | None = None) -> bool:
        """Record pass, or fail (MUST) / warn (SHOULD) / info (MAY).

        The level is the catalogue's (the single source of truth), or MUST for an ID in
        ``promised`` (a MAY the profile declares the server supports); ``level`` overrides
        both."""
        if ok:
            verdict = Verdict.PASS
        else:
            if level is None:
                level = "MUST" if rid in self.promised else catalogue_level(rid)
            verdict = {"MUST": Verdict.FAIL, "SHOULD": Verdict.WARN}.get(level, Verdict.INFO)
        self.record(rid, verdict, expected=expected, observed=observed,
                    reason="" if ok else reason, exchanges=exchanges)
        return ok

    def not_applicable(self, rids: Iterable[str], reason: str) -> None:
        for rid in rids:
            self.record(rid, Verdict.NOT_APPLICABLE, reason=reason)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]


def _json(ex: Exchange) -> tuple[dict[str, object] | None, list[str], str | None]:
    return parse_json_object(ex.response.body)


def issued_token(ex: Exchange) -> bool:
    """Did the server hand out an access token (whatever the status)?

    A token is a non-empty ``access_token`` member of a JSON object body. A 2xx whose body is not
    a JSON object but mentions ``access_token`` (e.g. a form-encoded token response) counts too,
    so "no token may be issued" checks cannot be dodged by a wrong media type. A 2xx without any
    access token (e.g. ``200 {"error": ...}``) is *not* a token: it is judged as a response with
    the wrong status instead.
    """
    obj, _, _ = _json(ex)
    if obj is not None:
        return bool(obj.get("access_token"))
    return 200 <= ex.response.status < 300 and b"access_token" in ex.response.body


def header_directives(values: Iterable[str]) -> list[str]:
    """Lower-cased directive names of a comma-separated header (Cache-Control, Pragma) over all
    of its header lines; quoted strings are skipped, so a directive named inside one does not
    count."""
    names = []
    for value in values:
        for item in _split_commas(value):
            name = item.split("=", 1)[0].strip().lower()
            if name:
                names.append(name)
    return names


def _split_commas(value: str) -> list[str]:
    """Split on commas outside quoted strings (RFC 9110 §5.6.1 lists, §5.6.4 quoted-string)."""
    items, buf, quoted, escaped = [], [], False, False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
        elif quoted and ch == "\\":
            buf.append(ch)
            escaped = True
        elif ch == '"':
            buf.append(ch)
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    items.append("".join(buf).strip())
    return [i for i in items if i]


# RFC 9110 §5.6.2 token, §5.6.4 quoted-string (qdtext / quoted-pair, obs-text allowed), §11.2
# token68 and auth-param (BWS = OWS = SP / HTAB around "="), §11.3 challenge (1*SP after the
# scheme). Header values arrive decoded as Latin-1, so obs-text is %x80-FF.
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5B\x5D-\x7E\x80-\xFF]|\\[\t \x21-\x7E\x80-\xFF])*"'
_AUTH_PARAM_RE = re.compile(rf"({_TCHARS})[ \t]*=[ \t]*({_TCHARS}|{_QUOTED})")
_LOOSE_PARAM_RE = re.compile(rf"({_TCHARS})[ \t]*=[ \t]*(.*)", re.DOTALL)
_TOKEN68_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_SCHEME_RE = re.compile(rf"({_TCHARS})(?: +(.*))?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge of a WWW-Authenticate header (RFC 9110 §11.6.1)."""

    scheme: str  # as sent; compare with .lower()
    params: dict[str, str]  # auth-param names lower-cased, values unquoted
    token68: str | None = None
    #: Where the challenge breaks RFC 9110's grammar (§11.2, §11.3); empty when well-formed.
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Challenges:
    """Every challenge of a response's WWW-Authenticate header lines, and what did not parse."""

    challenges: list[Challenge]
    #: Every syntax problem: those of the challenges and those of pieces outside any challenge.
    problems: list[str]


def parse_www_authenticate(values: Iterable[str]) -> Challenges:
    """Parse WWW-Authenticate header lines (RFC 9110 §11.6.1: ``#challenge``).

    Lenient where RFC 9110 is: the scheme and parameter names are case-insensitive, OWS may
    surround "=" (BWS), a line may hold several challenges, the header may be repeated, and empty
    list elements are ignored (§5.6.1). Strict where it is not: a challenge starts with a token
    followed by SP (not a tab), a parameter value is a token or a complete quoted-string, a
    parameter name occurs once per challenge (§11.2). A challenge whose scheme parses is kept
    even if its parameters do not (a malformed value is kept raw), so that a malformed parameter
    is reported once, as a syntax problem, rather than as a missing challenge too.
    """
    out: list[Challenge] = []
    problems: list[str] = []
    for value in values:
        current: Challenge | None = None
        for item in _split_commas(value):
            m = _AUTH_PARAM_RE.fullmatch(item)
            if m:
                if current is None or current.token68 is not None:
                    problems.append(f"{item!r}: an auth-param outside a challenge (no scheme "
                                    "before it, or after a token68)")
                else:
                    _add_param(current, m.group(1), _unquote(m.group(2)), item)
                continue
            sm = _SCHEME_RE.fullmatch(item)
            if sm:
                current = Challenge(scheme=sm.group(1), params={})
                out.append(current)
                rest = sm.group(2) or ""
                if not rest:
                    continue
                pm = _AUTH_PARAM_RE.fullmatch(rest)
                if pm:
                    _add_param(current, pm.group(1), _unquote(pm.group(2)), rest)
                elif _TOKEN68_RE.fullmatch(rest):
                    out[-1] = current = Challenge(scheme=sm.group(1), params={}, token68=rest)
                else:
                    _malformed_param(current, rest)
                continue
            if current is not None and current.token68 is None and _LOOSE_PARAM_RE.fullmatch(item):
                _malformed_param(current, item)
                continue
            problems.append(f"{item!r}: neither a challenge (auth-scheme [1*SP ...]) nor an "
                            "auth-param (name=token or name=\"quoted string\")")
    for c in out:
        problems.extend(f"{c.scheme}: {p}" for p in c.problems)
    return Challenges(challenges=out, problems=problems)


def parse_challenges(values: Iterable[str]) -> list[Challenge]:
    """Every challenge in the given WWW-Authenticate header lines (see
    :func:`parse_www_authenticate`; a header line may hold several challenges, e.g.
    ``Bearer realm="a", Basic realm="b"``, and a response may repeat the header)."""
    return parse_www_authenticate(values).challenges


def _add_param(challenge: Challenge, name: str, value: str, raw: str) -> None:
    key = name.lower()
    if key in challenge.params:
        challenge.problems.append(f"{raw!r}: parameter {key!r} occurs twice in one challenge "
                                  "(RFC 9110 §11.2: once per challenge)")
        return
    challenge.params[key] = value


def _malformed_param(challenge: Challenge, raw: str) -> None:
    """Keep a malformed ``name=value`` raw (so the challenge still has it) and say why."""
    m = _LOOSE_PARAM_RE.fullmatch(raw)
    if not m:
        challenge.problems.append(f"{raw!r}: neither a token68 nor an auth-param")
        return
    value = m.group(2)
    if value.startswith('"'):
        why = "its quoted-string is unterminated or holds a character qdtext does not allow"
    elif not value:
        why = "it has no value (a value is a token or a quoted-string)"
    else:
        why = ("its value is neither a token nor a quoted-string (a value with spaces, commas "
               "or other delimiters must be quoted)")
    challenge.problems.append(f"{raw!r}: {why}")
    _add_param(challenge, m.group(1), _unquote(value.strip()), raw)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL)
    return value


def is_bearer_label(token_type: str) -> bool:
    """Is this token_type meant as Bearer (RFC 6750 §6.1.1), well-formed or not? True for
    'Bearer' in any case and for near-misses such as 'Bearer ' or 'bearer_token'; false for
    other types (DPoP, N_A, a URI), which RFC 6750 does not govern."""
    return token_type.strip().lower().startswith("bearer")


def describe(ex: Exchange) -> str:
    r = ex.response
    obj, _, err = _json(ex)
    if obj is not None:
        keys = sorted(obj)
        error = obj.get("error")
        extra = f" error={error!r}" if error is not None else ""
        return f"HTTP {r.status}{extra} members={keys}"
    return f"HTTP {r.status} ({err}) content-type={r.header('content-type')!r}"


def scope_set(value: str) -> set[str]:
    return set(value.split(" ")) if value else set()


# ------------------------------------------------------------------------------------- §5.1


def verify_success(
    rec: Recorder,
    ex: Exchange,
    *,
    spec: str,
    requested_scope: Sequence[str] | None = None,
    also: Iterable[str] = (),
    allowed_scopes: Sequence[str] | None = None,
) -> dict[str, object] | None:
    """Verify a response that must be a successful client credentials token response.

    ``also``: requirement IDs whose only condition is "this request gets a token" (e.g. the
    auth method is supported). If no token was issued those fail and the §5.1 format rules are
    not evaluated (there is no success response to judge). Returns the parsed body.
    """
    exs = [ex]
    resp = ex.response
    obj, dups, err = _json(ex)
    got_token = issued_token(ex)
    for rid in also:
        rec.check(rid, got_token and obj is not None and bool(obj.get("access_token")),
                  expected="an access token response (RFC 6749 §5.1)", observed=describe(ex),
                  reason="a valid request was refused", exchanges=exs)
    if not got_token and not 200 <= resp.status < 300:
        return None  # a refusal: nothing to judge as a success response
    # A token, or a 2xx that claims success: judge it as a §5.1 response (a 2xx without an
    # access_token fails RFC6749-5.1-access-token below).
    rec.check("RFC6749-5.1-status-200", resp.status == 200, expected="HTTP 200",
              observed=f"HTTP {resp.status}", reason="success response with another status",
              exchanges=exs)
    ctype = resp.header("content-type") or ""
    rec.check("RFC6749-5.1-json", obj is not None and bool(JSON_MEDIA_RE.match(ctype)),
              expected="a JSON object body with Content-Type application/json",
              observed=f"Content-Type {ctype!r}; body "
                       f"{'is a JSON object' if obj is not None else err}",
              reason="token response is not an application/json object", exchanges=exs)
    cc = header_directives(resp.header_values("cache-control"))
    rec.check("RFC6749-5.1-no-store", "no-store" in cc, expected="Cache-Control: no-store",
              observed=f"Cache-Control: {resp.header('cache-control')!r}",
              reason="token response may be cached", exchanges=exs)
    if spec == "rfc6749":
        pragma = header_directives(resp.header_values("pragma"))
        rec.check("RFC6749-5.1-pragma", "no-cache" in pragma, expected="Pragma: no-cache",
                  observed=f"Pragma: {resp.header('pragma')!r}",
                  reason="HTTP/1.0 caches may store the token", exchanges=exs)
    rec.check("RFC6749-3.2-response-no-repeated-params", not dups,
              expected="no member repeated",
              observed=f"repeated members: {dups}" if dups else "none",
              reason="response repeats a member", exchanges=exs)
    if obj is None:
        return None
    token = obj.get("access_token")
    rec.check("RFC6749-5.1-access-token",
              isinstance(token, str) and bool(token) and bool(VSCHAR_RE.match(token)),
              expected="access_token: non-empty string of VSCHAR",
              observed=_shape(token), reason="access_token missing or malformed", exchanges=exs)
    ttype = obj.get("token_type")
    rec.check("RFC6749-5.1-token-type", isinstance(ttype, str) and bool(ttype),
              expected="token_type: non-empty string", observed=f"token_type={ttype!r}",
              reason="token_type missing", exchanges=exs)
    if isinstance(ttype, str) and ttype:
        known = ttype.lower() in REGISTERED_TOKEN_TYPES or bool(ABSOLUTE_URI_RE.match(ttype))
        rec.check("RFC6749-7.1-token-type", known,
                  expected="a registered token type (e.g. Bearer) or an absolute URI",
                  observed=f"token_type={ttype!r}", reason="token type is not registered",
                  exchanges=exs)
        if is_bearer_label(ttype):
            # RFC 6750 §6.1.1: a token meant for Bearer use carries the registered name exactly
            # (compared case-insensitively, §7.1); "Bearer " or "bearer_token" do not.
            rec.check("RFC6750-6.1.1-bearer-type", ttype.lower() == "bearer",
                      expected="token_type 'Bearer' (any case)", observed=f"token_type={ttype!r}",
                      reason="the token type is meant as Bearer but is not the registered name",
                      exchanges=exs)
        if ttype.lower() == "bearer" and isinstance(token, str):
            rec.check("RFC6750-2.1-b64token", bool(B64TOKEN_RE.match(token)),
                      expected="b64token syntax (RFC 6750 §2.1)", observed=_shape(token),
                      reason="Bearer token cannot be sent in an Authorization header",
                      exchanges=exs)
    rec.check("RFC6749-5.1-expires-in", "expires_in" in obj, expected="expires_in present",
              observed="present" if "expires_in" in obj else "absent",
              reason="no token lifetime given", exchanges=exs)
    if "expires_in" in obj:
        exp = obj["expires_in"]
        # Appendix A.14: expires-in = 1*DIGIT, sent as a JSON number (§5.1). Python's json
        # yields int only for a literal of digits (with an optional '-'); 3600.0 or 3.6e3 come
        # back as float and are not 1*DIGIT (strict clients, e.g. Go's, reject them).
        ok = isinstance(exp, int) and not isinstance(exp, bool) and exp >= 0
        rec.check("RFC6749-5.1-expires-in-numeric", ok,
                  expected="expires_in: a JSON number written as digits only (1*DIGIT)",
                  observed=f"expires_in={exp!r} ({type(exp).__name__})",
                  reason="expires_in is not a JSON integer of whole seconds", exchanges=exs)
    rec.check("RFC6749-4.4.3-no-refresh-token", "refresh_token" not in obj,
              expected="no refresh_token", observed="refresh_token present"
              if "refresh_token" in obj else "absent",
              reason="a refresh token was issued to a client credentials client",
              exchanges=exs)
    scope = obj.get("scope")
    if scope is not None:
        rec.check("RFC6749-3.3-scope-syntax",
                  isinstance(scope, str) and bool(SCOPE_RE.match(scope)),
                  expected="space-delimited NQCHAR scope tokens", observed=f"scope={scope!r}",
                  reason="scope value is malformed", exchanges=exs)
    if requested_scope is not None:
        requested = set(requested_scope)
        if spec == "oauth2.1":
            rec.check("OAUTH21-3.2.3-scope-returned", isinstance(scope, str),
                      expected="scope returned (RECOMMENDED even when equal to the request)",
                      observed="scope absent" if scope is None else f"scope={scope!r}",
                      reason="the client must assume it got exactly what it asked for",
                      exchanges=exs)
        # An absent scope claims "exactly what was requested" (§5.1); from outside that claim
        # cannot be checked here, so nothing is recorded. A narrowed grant without scope is
        # judged where the suite knows the grant must differ (forbidden scopes, test_3_3).
        if isinstance(scope, str):
            granted = scope_set(scope)
            if allowed_scopes is not None:
                extra = granted - requested
                rec.check("RFC9700-2.3-least-privilege", not extra,
                          expected=f"granted ⊆ requested {sorted(requested)}",
                          observed=f"granted {sorted(granted)}",
                          reason=f"token carries unrequested scopes {sorted(extra)}",
                          exchanges=exs)
            # The rule is only exercised when the grant differs from the request: then the
            # scope member tells the client what it really got. An equal grant shows nothing.
            if granted != requested:
                rec.record("RFC6749-5.1-scope", Verdict.PASS,
                           expected="scope present because the grant differs from the request",
                           observed=f"requested {sorted(requested)}, scope={scope!r}",
                           exchanges=exs)
    return obj


def _shape(token: object) -> str:
    """Describe a token without revealing it."""
    if not isinstance(token, str):
        return f"{type(token).__name__}"
    bad = sorted({c for c in token if not B64TOKEN_RE.match(c + "") and c != "="})
    suffix = f", characters outside b64token: {bad!r}" if bad else ""
    return f"string of length {len(token)}{suffix}"


# ------------------------------------------------------------------------------------- §5.2


def verify_error(
    rec: Recorder,
    ex: Exchange,
    *,
    codes: Iterable[str],
    code_ids: Iterable[str] = (),
    also: Iterable[str] = (),
    auth_scheme: str | None = None,
) -> dict[str, object] | None:
    """Verify a response that must be a §5.2 error with one of ``codes``.

    ``code_ids``: requirement IDs judged by "the error code is one of ``codes``".
    ``also``: requirement IDs judged by "no token was issued".
    ``auth_scheme``: the scheme of the Authorization header the request used, if any.
    """
    exs = [ex]
    resp = ex.response
    codes = tuple(codes)
    if ex.tls_refused:
        # Mutual TLS: the server ended the TLS connection over the client certificate instead
        # of answering. No token was issued (the observation of the ``also`` rules), but there
        # is no HTTP error response whose code, status or shape could be judged.
        for rid in also:
            rec.check(rid, True, expected="request refused, no token",
                      observed=f"refused at the TLS layer: {ex.tls_refused}", exchanges=exs)
        rec.not_applicable(list(code_ids), "the server refused the client certificate at the "
                           "TLS layer, so there is no HTTP error response to judge")
        return None
    obj, dups, err = _json(ex)
    token = issued_token(ex)
    crashed = not token and resp.status >= 500
    for rid in also:
        if crashed:
            # No token, but no refusal either: the server failed. That is not an observation
            # of the rule (a server that answers 500 to everything would "pass" every
            # no-token rule); the one fault is judged below, on RFC6749-5.2-status.
            rec.not_applicable([rid], f"the server failed (HTTP {resp.status}) instead of "
                               "refusing the request, so no refusal was observed here "
                               "(RFC6749-5.2-status)")
            continue
        rec.check(rid, not token, expected="request refused, no token",
                  observed=describe(ex), reason="the server issued a token", exchanges=exs)
    error = obj.get("error") if obj is not None else None
    if crashed:
        # A server error is not a §5.2 error response at all: the one fault is the status
        # (§5.2: 400/401, never a 5xx for a bad request). Judging its code, JSON shape or
        # challenge as well would report one crash as several MUST failures.
        rec.check("RFC6749-5.2-status", False, expected="HTTP 400 (401 for invalid_client)",
                  observed=describe(ex), reason="a malformed or invalid request caused a "
                  "server error (5xx) instead of a §5.2 error response", exchanges=exs)
        return obj
    # The error code is judged on a refusal. When the server served the request instead, the
    # ``also`` rules already say so; blaming the code as well would count one fault twice (and
    # turn a client-binding rule's warning into a MUST failure). With no ``also`` rule, serving
    # the request is the code rule's own failure.
    if not (token and also):
        for rid in code_ids:
            rec.check(rid, (not token) and error in codes, expected=f"error in {list(codes)}",
                      observed=describe(ex), reason="wrong or missing error code",
                      exchanges=exs)
    if token:
        return obj
    status = resp.status
    # §5.2: 400 "unless specified otherwise"; RFC 6749 specifies otherwise only for
    # invalid_client (401 allowed; required when the client used the Authorization header).
    # Without a readable error code, the status is judged by the code(s) the test expects.
    client_error = error == "invalid_client" or (
        not isinstance(error, str) and "invalid_client" in codes)
    if client_error:
        ok_status = status == 401 if auth_scheme else status in (400, 401)
        exp_status = "401" if auth_scheme else "400 or 401"
    else:
        ok_status = status == 400
        exp_status = "400"
    rec.check("RFC6749-5.2-status", ok_status, expected=f"HTTP {exp_status}",
              observed=f"HTTP {status}", reason="error response with the wrong status",
              exchanges=exs)
    raw_challenges = resp.header_values("www-authenticate")
    parsed = parse_www_authenticate(raw_challenges)
    challenges = parsed.challenges
    if status == 401:
        # RFC 9110 §15.5.2 / §11.6.1: every 401 carries WWW-Authenticate with at least one
        # challenge, whatever §5.2 case led to it (a 401 for body credentials too).
        rec.check("RFC9110-15.5.2-www-authenticate", bool(challenges),
                  expected="WWW-Authenticate with at least one challenge (auth-scheme [params])",
                  observed=f"WWW-Authenticate: {raw_challenges}" if raw_challenges
                  else "no WWW-Authenticate header",
                  reason="a 401 response without an authentication challenge", exchanges=exs)
    if raw_challenges:
        rec.check("RFC9110-11.2-auth-param-syntax", not parsed.problems,
                  expected="challenges of auth-scheme then a token68 or name=value pairs, each "
                           "value a token or a quoted-string, each name once per challenge",
                  observed="; ".join(parsed.problems) or f"WWW-Authenticate: {raw_challenges}",
                  reason="malformed WWW-Authenticate challenge", exchanges=exs)
    if auth_scheme and client_error:
        ok = status == 401 and any(c.scheme.lower() == auth_scheme.lower() for c in challenges)
        rec.check("RFC6749-5.2-invalid-client-401", ok,
                  expected=f"401 with WWW-Authenticate: {auth_scheme.capitalize()} ...",
                  observed=f"HTTP {status}, WWW-Authenticate: {raw_challenges or 'absent'}",
                  reason="no matching authentication challenge", exchanges=exs)
    verify_basic_challenges(rec, ex, challenges)
    ctype = resp.header("content-type") or ""
    rec.check("RFC6749-5.2-error-json",
              obj is not None and isinstance(error, str) and bool(JSON_MEDIA_RE.match(ctype)),
              expected="application/json object with a string 'error'",
              observed=f"Content-Type {ctype!r}; {describe(ex)}",
              reason="error response is not a JSON object with error", exchanges=exs)
    rec.check("RFC6749-3.2-response-no-repeated-params", not dups, expected="no member repeated",
              observed=f"repeated members: {dups}" if dups else "none",
              reason="response repeats a member", exchanges=exs)
    if obj is not None:
        _verify_error_members(rec, obj, exs)
    _ = err
    return obj


def _verify_error_members(rec: Recorder, obj: dict[str, object], exs: list[Exchange]) -> None:
    """§5.2 / Appendix A.7-A.9 on the members of a parsed error object."""
    error = obj.get("error")
    problems = []
    if isinstance(error, str) and not ERROR_RE.match(error):
        problems.append(f"error={error!r} has characters outside %x20-21/%x23-5B/%x5D-7E")
    desc = obj.get("error_description")
    uri = obj.get("error_uri")
    # An empty error_description / error_uri says nothing: it is judged as absent (the same
    # reading §3.2 gives empty request parameters), not as a value with forbidden characters.
    # Appendix A.8/A.9 define the values as one or more characters, so it is noted for
    # information: a strict client may reject the empty string.
    for name, value in (("error_description", desc), ("error_uri", uri)):
        if value == "":
            rec.record("RFC6749-5.2-error-charset", Verdict.INFO,
                       expected=f"{name} absent or 1+ characters (Appendix A)",
                       observed=f'{name}=""',
                       reason=f"an empty {name} is treated as absent", exchanges=exs)
    if desc not in (None, "") and not (isinstance(desc, str) and ERROR_DESCRIPTION_RE.match(desc)):
        problems.append("error_description has characters outside %x20-21/%x23-5B/%x5D-7E")
    if uri not in (None, "") and not (isinstance(uri, str) and ERROR_URI_RE.match(uri)):
        problems.append("error_uri has characters outside %x21/%x23-5B/%x5D-7E")
    rec.check("RFC6749-5.2-error-charset", not problems,
              expected="error, error_description, error_uri within the permitted characters",
              observed="; ".join(problems) or "ok", reason="forbidden characters",
              exchanges=exs)
    if isinstance(uri, str) and uri:
        rec.check("RFC6749-5.2-error-uri", is_uri_reference(uri),
                  expected="error_uri is a URI-reference (RFC 3986 §4.1): an absolute URI or a "
                           "relative reference",
                  observed=f"error_uri={uri!r}", reason="error_uri is not a URI-reference",
                  exchanges=exs)
    if isinstance(error, str) and error:
        rec.check("RFC6749-5.2-error-code-registered", error in TOKEN_ERROR_CODES,
                  expected="an RFC 6749 §5.2 code or a code the OAuth Extensions Error Registry "
                           "registers for the token endpoint",
                  observed=f"error={error!r}",
                  reason="an error code clients cannot know (not in §5.2, not registered for "
                         "token error responses)", exchanges=exs)


def verify_basic_challenges(rec: Recorder, ex: Exchange,
                            challenges: Sequence[Challenge] | None = None) -> None:
    """RFC 7617 §2 / §2.1 on every Basic challenge of the response (none: nothing recorded).

    realm is REQUIRED; charset is optional, but "UTF-8" (any case) is its only allowed value.
    """
    if challenges is None:
        challenges = parse_challenges(ex.response.header_values("www-authenticate"))
    basic = [c for c in challenges if c.scheme.lower() == "basic"]
    if not basic:
        return
    shown = ex.response.header_values("www-authenticate")
    rec.check("RFC7617-2-realm", all("realm" in c.params for c in basic),
              expected='Basic challenge with a realm parameter (realm="...")',
              observed=f"WWW-Authenticate: {shown}",
              reason="the Basic challenge has no realm", exchanges=[ex])
    charsets = [c.params["charset"] for c in basic if "charset" in c.params]
    if charsets:
        rec.check("RFC7617-2.1-charset-utf8", all(v.lower() == "utf-8" for v in charsets),
                  expected='charset="UTF-8" (matched case-insensitively)',
                  observed=f"charset={charsets}",
                  reason="charset names an encoding RFC 7617 does not allow", exchanges=[ex])
    else:
        rec.not_applicable(["RFC7617-2.1-charset-utf8"],
                           "the Basic challenge carries no charset parameter (it is optional)")


# ------------------------------------------------------------------------------------- §10.10


def estimate_entropy_bits(tokens: Sequence[str]) -> float:
    """Per-token guessing entropy of a token sample: kept for callers of this name; the
    structure-aware estimator and its rules are :mod:`conformance.entropy`."""
    return estimate_entropy(tokens).bits
