"""RFC 6749 §10.10: credentials guessing — token uniqueness and entropy over many tokens."""

from __future__ import annotations

import pytest

from conformance.checks import estimate_entropy_bits, issued_token
from conformance.exchange import parse_json_object
from conformance.harness import CC
from conformance.results import Verdict

MIN_SAMPLE = 20


@pytest.mark.asyncio
@pytest.mark.requirement("RFC6749-10.10-token-unique", "RFC6749-10.10-token-entropy")
async def test_tokens_unique_and_unguessable(cc: CC) -> None:
    """Requests many tokens concurrently (--cc-token-count at --cc-concurrency; 100 at 10 by
    default). §10.10: guessing a token MUST have probability <= 2^-128 (any repeat disproves it)
    and SHOULD <= 2^-160 (estimated from the characters that vary across tokens)."""
    opts = cc.session.options
    n, conc = opts.token_count, opts.concurrency
    reqs = [cc.token_request(label=f"token {i}").build() for i in range(n)]
    exchanges = await cc.send_many(reqs, conc)
    tokens: list[str] = []
    for ex in exchanges:
        obj, _, _ = parse_json_object(ex.response.body)
        tok = (obj or {}).get("access_token")
        if issued_token(ex) and isinstance(tok, str):
            tokens.append(tok)
    if len(tokens) < MIN_SAMPLE:
        cc.na(f"only {len(tokens)} of {n} requests got a token (rate limiting?); need "
              f"{MIN_SAMPLE}")
    dup = len(tokens) - len(set(tokens))
    first_dup = next((ex for ex in exchanges if tokens.count(
        (parse_json_object(ex.response.body)[0] or {}).get("access_token", "")) > 1), None)
    cc.rec.check("RFC6749-10.10-token-unique", dup == 0,
                 expected=f"{len(tokens)} distinct tokens", observed=f"{dup} repeated",
                 reason="the server issued the same access token twice",
                 exchanges=[first_dup] if first_dup else [])
    bits = estimate_entropy_bits(tokens)
    lengths = sorted({len(t) for t in tokens})
    observed = (f"~{bits:.0f} bits estimated over {len(tokens)} tokens "
                f"(lengths {lengths[0]}..{lengths[-1]})")
    if bits >= 160:
        cc.rec.record("RFC6749-10.10-token-entropy", Verdict.PASS, expected=">= 160 bits",
                      observed=observed)
    else:
        cc.rec.check("RFC6749-10.10-token-entropy", False,
                     expected=">= 160 bits (128 is the RFC's hard floor)", observed=observed,
                     reason="tokens may be guessable" if bits < 128 else
                     "below the recommended 160 bits")
