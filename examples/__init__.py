"""Examples: profiles and grant factories (a package so ``examples.grants.*:make_grant`` can be
imported from the repository root by ``cc-conformance run --grant``)."""
