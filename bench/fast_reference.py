"""``bench.fast_reference:app``: the reference app over the demo clients with PBKDF2-10 hashes
(``bench.peers.fast_reference_app``), so a suite run can be timed without the reference's
deliberate scrypt cost on every failed authentication. For benchmarks only."""

from __future__ import annotations

from bench.peers import fast_reference_app

app = fast_reference_app()
