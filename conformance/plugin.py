"""pytest plugin entry point for the conformance suite (being built)."""
