"""Targets: where requests go. Kinds: ``url`` (a live token endpoint), ``app`` (an in-process
ASGI or WSGI app given as ``module:attr`` or as an object) and ``grant`` (a grant object from a
``module:factory``, hosted in the reference's TokenEndpoint; ``conformance/targets/grant.py`` is
the only module in ``conformance/`` allowed to import ``reference_impl``).
"""

from __future__ import annotations

from conformance.targets.base import (
    DEFAULT_REQUEST_TIMEOUT_S,
    DEFAULT_RUN_BUDGET_S,
    DEFAULT_TIMEOUT_S,
    GRANT_PREFIX,
    MAX_RESPONSE_BYTES,
    Target,
    TargetConfigError,
    TargetError,
    TargetSpec,
    TransportOptions,
    import_object,
)

__all__ = ["DEFAULT_REQUEST_TIMEOUT_S", "DEFAULT_RUN_BUDGET_S", "DEFAULT_TIMEOUT_S",
           "GRANT_PREFIX", "MAX_RESPONSE_BYTES", "Target", "TargetConfigError", "TargetError",
           "TargetSpec", "TransportOptions", "import_object", "make_target"]


def make_target(spec: TargetSpec, *, timeout: float = DEFAULT_TIMEOUT_S,
                transport: TransportOptions | None = None) -> Target:
    if spec.kind == "url":
        from conformance.targets.http import UrlTarget

        return UrlTarget(str(spec.value), timeout=timeout, transport=transport)
    # An in-process exchange has no connect or read phase: the whole-exchange deadline
    # (--request-timeout) bounds it.
    in_process = (transport or TransportOptions()).total
    if spec.kind == "app":
        from conformance.targets.app import AppTarget

        app = import_object(spec.value) if isinstance(spec.value, str) else spec.value
        return AppTarget(app, token_path=spec.token_path, location=spec.location,
                         timeout=in_process)
    if spec.kind == "grant":
        from conformance.targets.grant import make_grant_target

        return make_grant_target(spec, timeout=in_process)
    raise TargetConfigError(f"unknown target kind {spec.kind!r}")
