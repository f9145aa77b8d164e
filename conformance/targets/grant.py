"""Grant-object target: test a grant class without a server (``--grant module:factory``).

The grant is hosted in the reference's HTTP token endpoint
(:class:`reference_impl.endpoint.TokenEndpoint` inside :class:`reference_impl.asgi.TokenApp`) and
reached in-process through :class:`~conformance.targets.app.AppTarget`. This is the only module
of ``conformance/`` allowed to import ``reference_impl`` (docs/design.md; a test enforces it).

**Factory contract.** ``module:factory`` names a callable taking no arguments. It returns either

- a *grant*: any object with ``create_token_response(request, token_handler)``, or
- a ``(grant, token_handler)`` pair; ``token_handler`` needs ``create_token(request,
  refresh_token=False)``.

Which API the grant speaks is decided from the object, without importing oauthlib:

- an object whose class comes from the ``oauthlib`` package (anywhere in its MRO, so subclasses
  count) speaks oauthlib's *sync* API. It is wrapped in :class:`OAuthlibGrantShim`, which turns
  the host's request into an ``oauthlib.common.Request`` and calls oauthlib's
  ``create_token_response`` in a worker thread (``asyncio.to_thread``: a slow secret hash in
  the validator does not block the event loop). Default token handler:
  ``oauthlib.oauth2.BearerToken(request_validator=grant.request_validator)``;
- anything else speaks the *seed* API of ``reference_impl`` (``reference_impl.common.Request``
  in, ``(headers, body, status)`` out). A coroutine ``create_token_response`` is awaited on the
  event loop; a plain one runs in a worker thread. Default token handler:
  ``reference_impl.tokens.BearerToken(grant.request_validator)``.

**What the host does, not the grant.** The host endpoint applies the transport rules before the
grant sees anything: POST only and the form body (RFC 6749 §3.2), repeated and empty parameters
(§3.1, §3.2), credentials in the URI query and one authentication method per request (§2.3,
§2.3.1), and the parsing of HTTP Basic (§2.3.1, RFC 7617). Findings about those rules describe
the host. The target's location says so, and the run's results carry a note.

The factory module is imported with the current directory appended to ``sys.path`` (so
``examples.grants.oauthlib_grant:make_grant`` works from the repository root); installed
modules of the same name win. Any problem with the factory is a :class:`TargetConfigError`
(exit status 2).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from typing import Any
from urllib.parse import urlencode

from conformance.targets.app import AppTarget
from conformance.targets.base import TargetConfigError, TargetSpec, import_object
from reference_impl.asgi import TokenApp
from reference_impl.common import Request
from reference_impl.endpoint import TokenEndpoint
from reference_impl.tokens import BearerToken

ResponseTriple = tuple[dict[str, str], str, int]

def is_oauthlib_grant(grant: object) -> bool:
    """True if the grant's class (or a base class) comes from oauthlib. Does not import it."""
    return any(getattr(cls, "__module__", "").split(".")[0] == "oauthlib"
               for cls in type(grant).__mro__)


def to_oauthlib_request(request: Request) -> Any:
    """The host's request as an ``oauthlib.common.Request``.

    ``uri``, ``http_method`` and the headers (original names, values unchanged: oauthlib's
    ``RequestValidator.authenticate_client`` reads ``Authorization`` itself) are passed
    through. The body is the form the host parsed (empty values already dropped as omitted,
    repeats already refused), re-encoded as ``application/x-www-form-urlencoded`` text, which
    is what oauthlib's framework integrations hand it.
    """
    from oauthlib.common import Request as OAuthlibRequest

    headers = {name: request.headers[name] for name in request.headers}
    body = urlencode(request.decoded_body)
    return OAuthlibRequest(request.uri, http_method=request.http_method, body=body,
                           headers=headers)


class OAuthlibGrantShim:
    """Gives an oauthlib grant the seed's async ``create_token_response``: oauthlib's own
    (synchronous) grant runs in a worker thread; an async fork's (aoauthlib, the API the seed
    document follows, installed under the same ``oauthlib`` name) is awaited."""

    #: what the host's metadata (RFC 8414 grant_types_supported) says: the grant target hosts
    #: client credentials grants
    grant_type = "client_credentials"

    def __init__(self, grant: Any) -> None:
        self.grant = grant

    def __repr__(self) -> str:
        return f"OAuthlibGrantShim({type(self.grant).__module__}.{type(self.grant).__name__})"

    async def create_token_response(self, request: Request, token_handler: Any) -> ResponseTriple:
        oauthlib_request = to_oauthlib_request(request)
        if inspect.iscoroutinefunction(self.grant.create_token_response):
            answer: ResponseTriple = await self.grant.create_token_response(
                oauthlib_request, token_handler)
            return answer
        result: ResponseTriple = await asyncio.to_thread(
            self.grant.create_token_response, oauthlib_request, token_handler)
        if inspect.isawaitable(result):  # a sync method handing back a coroutine
            result = await result
        return result


class SyncSeedGrantShim:
    """A seed-API grant whose ``create_token_response`` is a plain function: run in a thread."""

    grant_type = "client_credentials"  # as OAuthlibGrantShim.grant_type

    def __init__(self, grant: Any) -> None:
        self.grant = grant

    def __repr__(self) -> str:
        return f"SyncSeedGrantShim({type(self.grant).__name__})"

    async def create_token_response(self, request: Request, token_handler: Any) -> ResponseTriple:
        result = await asyncio.to_thread(self.grant.create_token_response, request,
                                         token_handler)
        if inspect.isawaitable(result):
            result = await result
        return result  # type: ignore[no-any-return]


def _import_factory(ref: str) -> Any:
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)
    return import_object(ref)


def load_grant(ref: str | object) -> tuple[Any, Any, str]:
    """Resolve ``module:factory`` (or a factory object) and call it.

    Returns ``(grant, token_handler or None, api)`` with ``api`` ``"oauthlib"`` or ``"seed"``.
    """
    factory = _import_factory(ref) if isinstance(ref, str) else ref
    name = ref if isinstance(ref, str) else repr(factory)
    if not callable(factory):
        raise TargetConfigError(f"grant factory {name} is not callable")
    try:
        made = factory()
    except Exception as exc:
        raise TargetConfigError(
            f"grant factory {name} raised {type(exc).__name__}: {exc}") from exc
    handler: Any = None
    if isinstance(made, tuple):
        if len(made) != 2:
            raise TargetConfigError(
                f"grant factory {name} returned a tuple of {len(made)}; expected a grant or "
                "(grant, token_handler)")
        made, handler = made
        if not callable(getattr(handler, "create_token", None)):
            raise TargetConfigError(
                f"grant factory {name}: the token handler {type(handler).__name__} has no "
                "create_token(request, refresh_token=False)")
    if not callable(getattr(made, "create_token_response", None)):
        raise TargetConfigError(
            f"grant factory {name} returned {type(made).__name__}, which has no "
            "create_token_response(request, token_handler)")
    return made, handler, "oauthlib" if is_oauthlib_grant(made) else "seed"


def build_host(grant: Any, handler: Any, api: str) -> TokenEndpoint:
    """The reference endpoint hosting ``grant`` (shimmed as its API needs)."""
    validator = getattr(grant, "request_validator", None)
    hosted: Any
    if api == "oauthlib":
        if handler is None:
            from oauthlib.oauth2 import BearerToken as OAuthlibBearerToken

            handler = OAuthlibBearerToken(request_validator=validator)
        hosted = OAuthlibGrantShim(grant)
    else:
        if handler is None:
            handler = BearerToken(validator)
        hosted = (grant if inspect.iscoroutinefunction(grant.create_token_response)
                  else SyncSeedGrantShim(grant))
    return TokenEndpoint(hosted, handler)


class GrantTarget(AppTarget):
    """The hosted grant, reached in-process like an ASGI app. ``api``: oauthlib or seed."""

    kind = "grant"

    def __init__(self, app: TokenApp, *, api: str, token_path: str, location: str,
                 timeout: float) -> None:
        super().__init__(app, token_path=token_path, location=location, timeout=timeout)
        self.api = api


def make_grant_target(spec: TargetSpec, *, timeout: float) -> GrantTarget:
    """A :class:`GrantTarget` serving the hosted grant at ``spec.token_path``."""
    grant, handler, api = load_grant(spec.value)
    app = TokenApp(build_host(grant, handler, api), token_path=spec.token_path)
    return GrantTarget(app, api=api, token_path=spec.token_path, location=spec.location,
                       timeout=timeout)
