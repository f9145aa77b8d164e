"""Fault variants for JWT client authentication (RFC 7521 §4.2, RFC 7523 §2.2 and §3): each one
breaks a single rule of ``reference_impl.client_assertions`` or the endpoint's assertion
transport. Registered in the one fault set (``variants.FAULTS``) by importing this module."""

from __future__ import annotations

import time
from typing import Any

from conformance.assertions import decode_unverified
from reference_impl import errors
from reference_impl.client_assertions import JWT_BEARER, AssertionVerifier
from reference_impl.common import Request
from reference_impl.endpoint import TokenEndpoint
from reference_impl.registry import ClientRegistry
from reference_impl.registry_validator import RegistryRequestValidator

from .variants import fault
from .wrappers import build_app


def _with_verifier(verifier: type[AssertionVerifier]) -> object:
    """The reference whose validator verifies assertions with ``verifier``."""

    class Validator(RegistryRequestValidator):
        def __init__(self, registry: ClientRegistry, **kw: Any) -> None:
            super().__init__(registry, **kw)
            self.assertions = verifier(registry)

    return build_app(validator=Validator)


@fault("RFC7523-2.2-valid-assertion")
def refuses_token_endpoint_audience() -> object:
    """RFC7523-2.2-valid-assertion: only an issuer identifier is accepted as aud, so the token
    endpoint URL (which RFC 7523 §3 names as a fitting audience) never authenticates."""

    class Verifier(AssertionVerifier):
        def verify(self, assertion: str, *, audiences: Any, now: float | None = None) -> Any:
            return super().verify(assertion, audiences={"https://issuer.invalid"}, now=now)

    return _with_verifier(Verifier)


@fault("RFC7521-4.2-assertion-type")
def any_assertion_type() -> object:
    """RFC7521-4.2-assertion-type: any client_assertion_type is read as a JWT bearer
    assertion."""

    class Endpoint(TokenEndpoint):
        def _assertion_transport(self, request: Request, params: dict[str, str],
                                 other_method: bool) -> None:
            if "client_assertion_type" in params:
                params = {**params, "client_assertion_type": JWT_BEARER}
            super()._assertion_transport(request, params, other_method)

    return build_app(endpoint=Endpoint)


@fault("RFC7523-3-iss-sub")
def issuer_not_checked() -> object:
    """RFC7523-3-iss-sub: the client is looked up by sub and iss is never compared with it."""

    class Verifier(AssertionVerifier):
        @staticmethod
        def _issuer_ok(claims: dict[str, Any], client_id: str) -> bool:
            return True

    return _with_verifier(Verifier)


@fault("RFC7523-3-audience")
def audience_not_checked() -> object:
    """RFC7523-3-audience: aud is never compared with the server's identity."""

    class Verifier(AssertionVerifier):
        @staticmethod
        def _claims_ok(claims: dict[str, Any], audiences: set[str], now: float) -> bool:
            named = claims.get("aud")
            aud = named if isinstance(named, str) else next(iter(audiences))
            return AssertionVerifier._claims_ok({**claims, "aud": aud}, {aud}, now)

    return _with_verifier(Verifier)


@fault("RFC7523-3-expiry")
def expiry_not_checked() -> object:
    """RFC7523-3-expiry: exp is neither required nor compared with the clock."""

    class Verifier(AssertionVerifier):
        @staticmethod
        def _claims_ok(claims: dict[str, Any], audiences: set[str], now: float) -> bool:
            return AssertionVerifier._claims_ok({**claims, "exp": now + 60}, audiences, now)

    return _with_verifier(Verifier)


@fault("RFC7523-3-not-before")
def not_before_ignored() -> object:
    """RFC7523-3-not-before: nbf is ignored; an assertion for later is accepted now."""

    class Verifier(AssertionVerifier):
        @staticmethod
        def _claims_ok(claims: dict[str, Any], audiences: set[str], now: float) -> bool:
            rest = {k: v for k, v in claims.items() if k != "nbf"}
            return AssertionVerifier._claims_ok(rest, audiences, now)

    return _with_verifier(Verifier)


@fault("RFC7523-3-signature")
def alg_none_accepted() -> object:
    """RFC7523-3-signature: an unsigned (alg none) assertion is accepted on its claims alone."""

    class Verifier(AssertionVerifier):
        def verify(self, assertion: str, *, audiences: Any, now: float | None = None) -> Any:
            try:
                header, claims = decode_unverified(assertion)
            except ValueError:
                return None
            if header.get("alg") != "none":
                return super().verify(assertion, audiences=audiences, now=now)
            client = self.registry.get(claims.get("sub"))
            t = time.time() if now is None else now
            if client is None or not self._claims_ok(claims, set(audiences), t):
                return None
            return client

    return _with_verifier(Verifier)


@fault("RFC7523-3-jti-replay")
def replay_accepted() -> object:
    """RFC7523-3-jti-replay: a jti is never remembered, so the same assertion works twice
    (a fail: the fault set's profile declares server.refuses_replayed_jti)."""

    class Verifier(AssertionVerifier):
        def _first_use(self, client_id: str, claims: dict[str, Any], now: float) -> bool:
            return True

    return _with_verifier(Verifier)


@fault("RFC7521-4.2-client-id")
def client_id_param_ignored() -> object:
    """RFC7521-4.2-client-id: a client_id parameter beside an assertion is ignored, even when it
    names another client."""

    class Endpoint(TokenEndpoint):
        def _assertion_transport(self, request: Request, params: dict[str, str],
                                 other_method: bool) -> None:
            super()._assertion_transport(request, params, other_method)
            request.client_id = None

    return build_app(endpoint=Endpoint)


@fault("RFC7521-4.2.1-invalid-client")
def bad_assertion_is_invalid_request() -> object:
    """RFC7521-4.2.1-invalid-client: an assertion that does not verify is answered
    invalid_request instead of invalid_client."""

    class Validator(RegistryRequestValidator):
        def _authenticate_assertion(self, request: Request) -> bool:
            if not super()._authenticate_assertion(request):
                raise errors.InvalidRequestError("The client assertion is not valid.")
            return True

    return build_app(validator=Validator)
