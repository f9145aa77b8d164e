"""RFC 6749 §10.10: credentials guessing — token uniqueness and entropy over many tokens."""

from __future__ import annotations

import pytest

from conformance.checks import issued_token
from conformance.entropy import MUST_BITS, SHOULD_BITS, estimate_entropy
from conformance.exchange import parse_json_object
from conformance.harness import CheckContext

MIN_SAMPLE = 20


@pytest.mark.asyncio
@pytest.mark.requirement("RFC6749-10.10-token-unique", "RFC6749-10.10-token-entropy-128",
                         "RFC6749-10.10-token-entropy")
async def test_tokens_unique_and_unguessable(cc: CheckContext) -> None:
    """Requests many tokens concurrently (--cc-token-count at --cc-concurrency; 100 at 10 by
    default) and estimates, from their structure, the bits an attacker lacks per token
    (conformance.entropy: signed JWTs count their signature, at most 256 bits, plus random
    claims; opaque tokens count the bits that vary per position; counter-like and time-based
    tokens count only the range they span). §10.10: guessing a token MUST have probability
    <= 2^-128 (a repeated token disproves it; fewer than 128 bits fails) and SHOULD <= 2^-160
    (fewer than 160 bits warns)."""
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
    # The observation behind a verdict: a few of the exchanges whose tokens were compared
    # (all of them would repeat the same evidence a hundred times in the report).
    sample = [ex for ex in exchanges if issued_token(ex)][:3]
    dup = len(tokens) - len(set(tokens))
    first_dup = next((ex for ex in exchanges if tokens.count(
        (parse_json_object(ex.response.body)[0] or {}).get("access_token", "")) > 1), None)
    cc.rec.check("RFC6749-10.10-token-unique", dup == 0,
                 expected=f"{len(tokens)} distinct tokens", observed=f"{dup} repeated",
                 reason="the server issued the same access token twice",
                 exchanges=[first_dup] if first_dup else sample)
    est = estimate_entropy(tokens)
    lengths = sorted({len(t) for t in tokens})
    observed = (f"~{est.bits:.1f} bits per token over {len(tokens)} tokens (lengths "
                f"{lengths[0]}..{lengths[-1]}), read as {est.form}: {est.detail}")
    weak = est.predictable or "too few unguessable bits"
    cc.rec.check("RFC6749-10.10-token-entropy-128", est.bits >= MUST_BITS,
                 expected=f">= {MUST_BITS:.0f} bits (guessing probability <= 2^-128)",
                 observed=observed, reason=f"tokens can be guessed: {weak}", exchanges=sample)
    cc.rec.check("RFC6749-10.10-token-entropy", est.bits >= SHOULD_BITS,
                 expected=f">= {SHOULD_BITS:.0f} bits (guessing probability <= 2^-160)",
                 observed=observed, reason=f"below the recommended {SHOULD_BITS:.0f} bits"
                 + (f": {est.predictable}" if est.predictable else ""), exchanges=sample)
