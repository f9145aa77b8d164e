"""Test-only: the reference app without Cache-Control (an importable module:attr target)."""

from reference_impl.asgi import create_app
from tests.machinery.broken import breaking

app = breaking(create_app(), drop_headers=("cache-control",))
