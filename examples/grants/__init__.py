"""Grant factories for ``cc-conformance run --grant module:factory``
(contract: :mod:`conformance.targets.grant`)."""
