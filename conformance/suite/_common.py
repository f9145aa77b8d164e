"""Small helpers shared by the suite's test modules (request shapes only; checks live in
conformance.checks)."""

from __future__ import annotations

from conformance.checks import issued_token
from conformance.harness import CheckContext
from conformance.request import RequestBuilder

METHODS = ("client_secret_basic", "client_secret_post")
BASIC = "client_secret_basic"
POST = "client_secret_post"


def basic_usable(cc: CheckContext) -> bool:
    """Basic is mandatory under RFC 6749 and optional (if declared) under OAuth 2.1."""
    return cc.spec == "rfc6749" or BASIC in cc.profile.auth_methods


def method_usable(cc: CheckContext, method: str) -> bool:
    if method == BASIC:
        return basic_usable(cc)
    return method in cc.profile.auth_methods or cc.spec == "oauth2.1"


def need_method(cc: CheckContext, method: str) -> None:
    if not method_usable(cc, method):
        cc.na(f"{method} is not declared in server.auth_methods for the {cc.spec} profile")


def scheme_of(method: str) -> str | None:
    return "Basic" if method == BASIC else None


def served_control(cc: CheckContext, control: RequestBuilder, rids: list[str], *, what: str,
                   rule: str) -> None:
    """Send ``control`` (a valid request of the client a refusal probe is about) right before
    the probe. If it gets no token, the probe's refusal would prove nothing: ``rids`` are not
    applicable, and ``rule`` (the client's valid-request requirement) says why."""
    ex = cc.send(control)
    if not issued_token(ex):
        status = ex.tls_refused or f"HTTP {ex.response.status}"
        cc.na(f"the control ({what}, sent just before) got no token either ({status}), so a "
              f"refusal of the probe would say nothing about this rule ({rule} says why)", rids)
