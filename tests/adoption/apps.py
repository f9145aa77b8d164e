"""Test-only targets for the adoption tests: the reference app without the Pragma header on
token responses (RFC6749-5.1-pragma fails, everything else as the reference)."""

from __future__ import annotations

from reference_impl.asgi import create_app
from tests.machinery.broken import breaking

no_pragma = breaking(create_app(), drop_headers=("pragma",))
