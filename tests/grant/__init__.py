"""Tests of the grant-object target (conformance/targets/grant.py)."""
