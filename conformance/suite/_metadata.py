"""RFC 8414 authorization server metadata: fetching it (once per run) and the shared verifiers
the tests of ``conformance/suite/rfc8414`` end in.

Where the metadata is: the profile's ``[target] metadata_url`` (or ``--metadata-url``): an
http(s) URL, or a path on the target itself. A path, or a URL on the token endpoint's own
origin, is fetched through the target (its exchange is recorded like every other, and counts
for the "stopped answering" breaker); a URL elsewhere on a client of its own with the same
timeouts and TLS settings. No metadata URL: every metadata check is not applicable.

Trust rules: a pass points at the exchange that fetched the metadata (and at the probes that
showed what the endpoint does); a member the server does not send is judged by the default
RFC 8414 §2 gives it, never guessed; a response that is not a 200 JSON object is judged once
(RFC8414-3.2-metadata-response) and leaves the other checks not applicable.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from conformance.checks import JSON_MEDIA_RE, Recorder, issued_token
from conformance.exchange import Exchange, parse_json_object
from conformance.harness import CheckContext
from conformance.request import RawRequest
from conformance.results import Verdict
from conformance.targets import TargetError, TransportOptions
from conformance.targets._httpx import send_httpx
from conformance.targets.http import _is_loopback, ssl_context

#: RFC 8414 §3: the well-known prefix, and the suffix registered by RFC 8414 itself
WELL_KNOWN = "/.well-known/"
DEFAULT_SUFFIX = "oauth-authorization-server"
#: OpenID Connect Discovery's suffix: it appends to the issuer instead (RFC 8414 §5)
OIDC_SUFFIX = "openid-configuration"
#: §2 defaults of the members a server may omit
DEFAULT_AUTH_METHODS = ("client_secret_basic",)
DEFAULT_GRANT_TYPES = ("authorization_code", "implicit")
#: the methods that sign a JWT (§2: the signing algorithms are required with them)
JWT_METHODS = ("private_key_jwt", "client_secret_jwt")
#: the methods the suite itself exercises with the confidential client's secret
PROBED_METHODS = ("client_secret_basic", "client_secret_post")
#: §2 members whose value is a JSON array of strings (§3.2: never an empty one)
LIST_MEMBERS = ("scopes_supported", "response_types_supported", "response_modes_supported",
                "grant_types_supported", "token_endpoint_auth_methods_supported",
                "token_endpoint_auth_signing_alg_values_supported", "ui_locales_supported",
                "code_challenge_methods_supported")
NO_URL = ("the profile names no metadata URL ([target] metadata_url or --metadata-url), so the "
          "server's RFC 8414 metadata was not fetched")


@dataclass(frozen=True, slots=True)
class Metadata:
    """The metadata exchange and its JSON object (``doc`` None: ``problem`` says why)."""

    exchange: Exchange
    doc: dict[str, object] | None
    problem: str
    in_process: bool  # fetched from the in-process target (its host is the test host)

    @property
    def url(self) -> str:
        """The URL the metadata was fetched from, as sent."""
        return self.exchange.request.url


_FETCHED: weakref.WeakKeyDictionary[object, Metadata | TargetError] = \
    weakref.WeakKeyDictionary()


def _origin(url: str) -> tuple[str, str, int | None]:
    u = httpx.URL(url)
    return u.scheme, u.host.lower(), u.port


async def _fetch_elsewhere(url: str, raw: RawRequest, opts: TransportOptions) -> Exchange:
    """GET ``url`` on a client of its own (a host other than the target's)."""
    https = url.startswith("https://")
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(connect=opts.connect, read=opts.read, write=opts.read,
                              pool=opts.total),
        follow_redirects=False, trust_env=False,
        verify=ssl_context(opts) if https else True,
    ) as client:
        return await send_httpx(client, url, raw, opts)


def _get(path: str, query: str | None) -> RawRequest:
    return RawRequest(method="GET", headers=(("Accept", "application/json"),), path=path,
                      query=query, label="authorization server metadata (RFC 8414 §3.1)")


def _fetch(cc: CheckContext, where: str) -> Metadata:
    target = cc.session.options.target
    if where.startswith("/"):
        path, _, query = where.partition("?")
        return _judge(cc.send(_get(path, query or None)), in_process=target.kind != "url")
    parsed = urlsplit(where)
    raw = _get(parsed.path or "/", parsed.query or None)
    if target.kind == "url" and isinstance(target.value, str) and \
            _origin(target.value) == _origin(where):
        return _judge(cc.send(raw), in_process=False)
    opts = cc.profile.transport
    ex = cc.session.run(_fetch_elsewhere(where, raw, opts), timeout=opts.total + 5)
    return _judge(ex, in_process=False)


def _judge(ex: Exchange, *, in_process: bool) -> Metadata:
    status = ex.response.status
    if status != 200:
        return Metadata(ex, None, f"HTTP {status}, not 200", in_process)
    obj, _, err = parse_json_object(ex.response.body)
    if obj is None:
        return Metadata(ex, None, f"the body is {err}", in_process)
    return Metadata(ex, obj, "", in_process)


def fetch_metadata(cc: CheckContext) -> Metadata:
    """The run's metadata exchange (fetched once per run, then shared). Not applicable when
    the profile names no metadata URL; a target error is raised again for every check."""
    where = cc.profile.metadata_url
    if not where:
        cc.na(NO_URL)
    got = _FETCHED.get(cc.session)
    if got is None:
        try:
            got = _fetch(cc, where)
        except TargetError as exc:
            got = exc
        _FETCHED[cc.session] = got
    if isinstance(got, TargetError):
        raise got
    return got


def metadata_doc(cc: CheckContext) -> tuple[Metadata, dict[str, object]]:
    """The metadata and its JSON object; not applicable when there is none (that response is
    judged by RFC8414-3.2-metadata-response alone)."""
    md = fetch_metadata(cc)
    if md.doc is None:
        if 300 <= md.exchange.response.status < 400:
            where = md.exchange.response.header("location") or "(no Location)"
            cc.na(f"the metadata URL redirects to {where}; the suite follows no redirects: "
                  "name the final URL in metadata_url")
        cc.na(f"the metadata response is no JSON object ({md.problem}): judged by "
              "RFC8414-3.2-metadata-response")
        raise AssertionError("unreachable")  # pragma: no cover
    return md, md.doc


def str_list(doc: dict[str, object], name: str) -> list[str] | None:
    """A list-of-strings member, or None when absent or not a list of strings."""
    value = doc.get(name)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _is_local(url: str, md: Metadata) -> bool:
    """Plain http is not judged for a loopback host, or for the in-process test host."""
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return False
    if _is_loopback(host):
        return True
    return md.in_process and host == httpx.URL(md.url).host


def token_endpoint_under_test(cc: CheckContext) -> str:
    """The token endpoint URL the suite sends its token requests to (the target's own
    reading: for an in-process target its fixed base URL plus the token path)."""
    target = cc.session.target
    assert target is not None, "no target"
    return target.token_url


def _same_url(a: str, b: str) -> bool:
    """Equal, with the scheme and host compared case-insensitively (RFC 3986 §6.2.2.1)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme.lower(), pa.netloc.lower(), pa.path, pa.query) == \
        (pb.scheme.lower(), pb.netloc.lower(), pb.path, pb.query)


# ------------------------------------------------------------------ verifiers


def verify_metadata_response(rec: Recorder, md: Metadata) -> None:
    """RFC8414-3.2-metadata-response: 200, application/json, a JSON object whose list members
    are arrays of strings with at least one element (§3.2)."""
    rid = "RFC8414-3.2-metadata-response"
    ex = md.exchange
    ctype = ex.response.header("content-type") or ""
    problems = []
    if md.doc is None:
        problems.append(md.problem)
    if not JSON_MEDIA_RE.match(ctype):
        problems.append(f"Content-Type {ctype or '(none)'!r}, not application/json")
    for name in LIST_MEMBERS:
        if md.doc is None or name not in md.doc:
            continue
        value = md.doc[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name} is not a JSON array of strings")
        elif not value:
            problems.append(f"{name} is an empty array (a member with zero elements is omitted)")
    rec.check(rid, not problems,
              expected="HTTP 200, Content-Type application/json, a JSON object whose list "
                       "members are non-empty arrays of strings",
              observed=f"HTTP {ex.response.status}, Content-Type {ctype or '(none)'}"
                       + (f"; {'; '.join(problems)}" if problems else ""),
              reason="the metadata response is not what RFC 8414 §3.2 requires: "
                     + "; ".join(problems), exchanges=[ex])


def verify_required_members(rec: Recorder, md: Metadata, doc: dict[str, object]) -> None:
    """RFC8414-2-required-members: issuer and token_endpoint are present (the server issues
    tokens, so it supports a grant other than implicit); response_types_supported is present
    when an authorization endpoint is advertised."""
    missing = [name for name in ("issuer", "token_endpoint")
               if not isinstance(doc.get(name), str) or not doc.get(name)]
    if "authorization_endpoint" in doc and "response_types_supported" not in doc:
        missing.append("response_types_supported (an authorization_endpoint is advertised)")
    rec.check("RFC8414-2-required-members", not missing,
              expected="issuer and token_endpoint as non-empty strings; response_types_supported "
                       "whenever authorization_endpoint is advertised",
              observed=f"members: {', '.join(sorted(doc)) or '(none)'}",
              reason=f"required metadata missing or not a string: {', '.join(missing)}",
              exchanges=[md.exchange])


def url_problems(value: object, *, allow_http: bool, https_rule: str) -> list[str]:
    """What keeps ``value`` from being an absolute http(s) URL with a host and no fragment
    (and https, unless ``allow_http``)."""
    if not isinstance(value, str) or not value:
        return ["not a non-empty string"]
    try:
        u = urlsplit(value)
    except ValueError:
        return ["not a URL"]
    out = []
    if u.scheme.lower() not in ("http", "https") or not u.netloc:
        return ["not an absolute http(s) URL"]
    if u.scheme.lower() == "http" and not allow_http:
        out.append(f"plain http ({https_rule})")
    if u.fragment or value.endswith("#"):
        out.append("has a fragment")
    return out


def verify_issuer_format(rec: Recorder, md: Metadata, doc: dict[str, object]) -> None:
    """RFC8414-2-issuer-format: an https URL without query or fragment (plain http is not
    judged on loopback or in-process, where the suite accepts plain http everywhere)."""
    issuer = doc.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        rec.not_applicable(["RFC8414-2-issuer-format"],
                           "the metadata has no issuer string (judged by "
                           "RFC8414-2-required-members)")
        return
    problems = url_problems(issuer, allow_http=_is_local(issuer, md),
                            https_rule="RFC 8414 §2 wants the https scheme")
    if "?" in issuer:
        problems.append("has a query")
    rec.check("RFC8414-2-issuer-format", not problems,
              expected="an https URL with no query or fragment (http accepted on loopback)",
              observed=f"issuer {issuer!r}", reason=f"issuer {issuer!r}: {'; '.join(problems)}",
              exchanges=[md.exchange])


def metadata_urls_for(issuer: str, suffix: str) -> list[str]:
    """Where the metadata of ``issuer`` is published under ``/.well-known/<suffix>``: RFC 8414
    §3 inserts the well-known string between the host and the issuer's path (a terminating
    "/" of the path removed first); OpenID Connect Discovery appends it to the issuer, which
    RFC 8414 §5 notes for ``openid-configuration``."""
    u = urlsplit(issuer)
    origin = f"{u.scheme}://{u.netloc}"
    path = u.path.rstrip("/")
    urls = [f"{origin}{WELL_KNOWN}{suffix}{path}"]
    if suffix == OIDC_SUFFIX:
        urls.append(f"{origin}{path}{WELL_KNOWN}{OIDC_SUFFIX}")
    return urls


def well_known_suffix(url: str) -> str | None:
    """The well-known suffix in ``url``'s path (``oauth-authorization-server``, ...), or None
    when the URL is no well-known location."""
    path = urlsplit(url).path
    i = path.find(WELL_KNOWN)
    if i < 0:
        return None
    return path[i + len(WELL_KNOWN):].split("/", 1)[0] or None


def verify_issuer_match(rec: Recorder, md: Metadata, doc: dict[str, object]) -> None:
    """RFC8414-3.3-issuer-match: the issuer, with the well-known string inserted as §3 builds
    the URL, gives back exactly the URL the metadata was fetched from."""
    rid = "RFC8414-3.3-issuer-match"
    issuer = doc.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        rec.not_applicable([rid], "the metadata has no issuer string (judged by "
                                  "RFC8414-2-required-members)")
        return
    used = md.url.split("?", 1)[0]
    suffix = well_known_suffix(used)
    if suffix is None:
        rec.not_applicable([rid], f"the metadata URL {used} is no /.well-known/ location, so it "
                                  "was not built from an issuer (RFC 8414 §3)")
        return
    candidates = metadata_urls_for(issuer, suffix)
    ok = any(_same_url(c, used) for c in candidates)
    rec.check(rid, ok, expected=f"an issuer whose metadata URL is {used}",
              observed=f"issuer {issuer!r} -> {' or '.join(candidates)}",
              reason=f"the issuer {issuer!r} does not match the URL the metadata was fetched "
                     f"from ({used}): a client MUST NOT use this metadata (RFC 8414 §3.3)",
              exchanges=[md.exchange])


def verify_token_endpoint(rec: Recorder, md: Metadata, doc: dict[str, object],
                          tested: str) -> None:
    """RFC8414-2-token-endpoint: an absolute URL, no fragment, https off loopback; the same
    URL as the endpoint under test passes; another one is only noted (the suite cannot tell
    an alias, e.g. an internal address, from a wrong URL)."""
    rid = "RFC8414-2-token-endpoint"
    value = doc.get("token_endpoint")
    if not isinstance(value, str) or not value:
        rec.not_applicable([rid], "the metadata has no token_endpoint string (judged by "
                                  "RFC8414-2-required-members)")
        return
    problems = url_problems(value, allow_http=_is_local(value, md),
                            https_rule="RFC 6749 §3.2 requires TLS at the token endpoint")
    if problems:
        rec.record(rid, Verdict.FAIL, expected="the absolute URL of the token endpoint",
                   observed=f"token_endpoint {value!r}",
                   reason=f"token_endpoint {value!r}: {'; '.join(problems)}",
                   exchanges=[md.exchange])
    elif _same_url(value, tested):
        rec.record(rid, Verdict.PASS, expected=f"the token endpoint under test, {tested}",
                   observed=f"token_endpoint {value!r}", exchanges=[md.exchange])
    else:
        rec.record(rid, Verdict.INFO, expected=f"the token endpoint under test, {tested}",
                   observed=f"token_endpoint {value!r}",
                   reason=f"the metadata names {value} but the suite tested {tested}: clients "
                          "that use the metadata go there; make sure it is the same endpoint",
                   exchanges=[md.exchange])


def verify_grant_types(rec: Recorder, md: Metadata, doc: dict[str, object],
                       token: Exchange) -> None:
    """RFC8414-2-grant-types-client-credentials: the grant worked (``token``), so the declared
    grant types (or their §2 default when omitted) include client_credentials."""
    declared = str_list(doc, "grant_types_supported")
    omitted = "grant_types_supported" not in doc
    effective = list(DEFAULT_GRANT_TYPES) if omitted else (declared or [])
    shown = f"omitted (default {DEFAULT_GRANT_TYPES})" if omitted else repr(effective)
    rec.check("RFC8414-2-grant-types-client-credentials", "client_credentials" in effective,
              expected="client_credentials among grant_types_supported (the grant works)",
              observed=f"a token was issued for grant_type=client_credentials; "
                       f"grant_types_supported {shown}",
              reason=f"the server issues tokens for client_credentials but its metadata says "
                     f"it supports {shown}", exchanges=[md.exchange, token])


def verify_auth_methods(rec: Recorder, md: Metadata, doc: dict[str, object],
                        probes: dict[str, Exchange], profile_methods: Sequence[str]) -> None:
    """RFC8414-2-auth-methods-declared-work and RFC8414-2-auth-methods-undeclared: the
    declared methods (or the §2 default, client_secret_basic) against what the suite's own
    probes (one valid request per shared-secret method) show the endpoint does."""
    omitted = "token_endpoint_auth_methods_supported" not in doc
    declared = list(DEFAULT_AUTH_METHODS) if omitted else \
        (str_list(doc, "token_endpoint_auth_methods_supported") or [])
    shown = f"omitted (default {list(DEFAULT_AUTH_METHODS)})" if omitted else repr(declared)
    works = {m: issued_token(ex) for m, ex in probes.items()}
    # Declared methods the suite can exercise.
    rid = "RFC8414-2-auth-methods-declared-work"
    judged = [m for m in declared if m in probes]
    if not judged:
        rec.not_applicable([rid], f"the metadata declares {shown}: no method the suite "
                                  f"exercises ({', '.join(PROBED_METHODS)})")
    for m in judged:
        ex = probes[m]
        observed = (f"declared {shown}; a valid {m} request got "
                    + ("a token" if works[m] else f"HTTP {ex.response.status}, no token"))
        if works[m]:
            rec.record(rid, Verdict.PASS, expected=f"a token for a valid {m} request",
                       observed=observed, exchanges=[md.exchange, ex])
        elif m in profile_methods:
            rec.record(rid, Verdict.FAIL, expected=f"a token for a valid {m} request",
                       observed=observed,
                       reason=f"the metadata declares {m} (and the profile says the client may "
                              "use it) but the endpoint refuses it: a client configured from "
                              "the metadata cannot authenticate", exchanges=[md.exchange, ex])
        else:
            rec.record(rid, Verdict.INFO, expected=f"a token for a valid {m} request",
                       observed=observed,
                       reason=f"the metadata declares {m} but the profile's confidential "
                              f"client was refused with it; the profile does not list {m} in "
                              "server.auth_methods (the client may be registered for another "
                              "method), so this is not judged", exchanges=[md.exchange, ex])
    # Methods that work: are they declared?
    rid = "RFC8414-2-auth-methods-undeclared"
    working = [m for m in probes if works[m]]
    if not working:
        rec.not_applicable([rid], "no shared-secret method the suite exercises got a token")
    for m in working:
        rec.check(rid, m in declared, expected=f"{m} declared (it works)",
                  observed=f"a valid {m} request got a token; declared {shown}",
                  reason=f"the endpoint accepts {m} but the metadata declares {shown}",
                  exchanges=[md.exchange, probes[m]])


def verify_signing_algs(rec: Recorder, md: Metadata, doc: dict[str, object]) -> None:
    """RFC8414-2-signing-alg-not-none and RFC8414-2-signing-algs-with-jwt."""
    name = "token_endpoint_auth_signing_alg_values_supported"
    algs = str_list(doc, name)
    methods = str_list(doc, "token_endpoint_auth_methods_supported") or []
    jwt = [m for m in methods if m in JWT_METHODS]
    rid = "RFC8414-2-signing-alg-not-none"
    if algs is None:
        rec.not_applicable([rid], f"the metadata has no {name} list")
    else:
        rec.check(rid, "none" not in algs, expected="no 'none' among the signing algorithms",
                  observed=f"{name} {algs!r}",
                  reason=f"{name} lists 'none': unsigned client assertions would authenticate",
                  exchanges=[md.exchange])
    rid = "RFC8414-2-signing-algs-with-jwt"
    if not jwt:
        rec.not_applicable([rid], "the metadata declares no JWT client authentication method "
                                  "(private_key_jwt, client_secret_jwt)")
    else:
        rec.check(rid, bool(algs), expected=f"{name} present with {', '.join(jwt)}",
                  observed=f"methods {methods!r}; {name} "
                           + (repr(algs) if algs is not None else "absent"),
                  reason=f"the metadata declares {', '.join(jwt)} without {name}",
                  exchanges=[md.exchange])
