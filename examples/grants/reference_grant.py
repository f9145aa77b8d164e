"""The reference's own async grant as a grant-object target (proves the seed/async path).

    cc-conformance run --grant examples.grants.reference_grant:make_grant \\
        --profile examples/reference.toml
"""

from __future__ import annotations

from reference_impl import (
    BearerToken,
    ClientCredentialsGrant,
    RegistryRequestValidator,
    demo_registry,
)


def make_grant() -> tuple[ClientCredentialsGrant, BearerToken]:
    """The reference ``ClientCredentialsGrant`` on the bundled demo registry, with its
    ``BearerToken`` handler (the ``(grant, token_handler)`` form of the factory contract)."""
    registry = demo_registry()
    validator = RegistryRequestValidator(registry)
    grant = ClientCredentialsGrant(validator, realm=registry.realm)
    return grant, BearerToken(validator, expires_in=registry.token_lifetime)
