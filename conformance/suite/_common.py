"""Small helpers shared by the suite's test modules (request shapes only; checks live in
conformance.checks)."""

from __future__ import annotations

from conformance.harness import CheckContext

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
