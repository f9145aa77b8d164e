"""RFC 6749 §10.10: how likely an attacker is to guess an access token, judged from a sample.

§10.10 bounds the probability of guessing a generated token: at most 2^-128 (MUST), preferably
at most 2^-160 (SHOULD). A black-box suite only sees a sample of tokens (100 by default), so
:func:`estimate_entropy` estimates the bits an attacker lacks *per token* from their structure.
The rules, in the order they apply:

Signed JWTs (JWS compact: three base64url segments whose header is a JSON object with ``alg``)
    An attacker must produce a token the server accepts, and for a signed token that means
    producing its signature: without the key, the chance of guessing a valid signature for any
    payload is bounded by the signature, however predictable the claims are. So the signature
    counts as unguessable material worth its own estimate (below, as an opaque base64url value;
    at most 8 bits per byte) capped at 256 bits, but only if the header does not say
    ``alg: none`` and every token's signature is distinct (a fixed or absent signature proves
    nothing). The signature is judged like any opaque value, so a counter or constant in its
    place counts next to nothing. Decoded claims present in every token add their own estimate
    (a random ``jti`` typically; nested objects are flattened);
    ``iat``/``exp``/``nbf``/``auth_time`` are known to the attacker and count nothing; the JOSE
    header counts nothing. So a signed JWT passes on its signature even with a sequential
    ``jti``, and an unsigned one must carry the bits in its claims. The strength of the key
    cannot be observed (a weak HMAC key makes every token forgeable): that is out of reach.
Encrypted JWTs (JWE compact: five segments, header with ``enc``)
    The encrypted key, IV, ciphertext and tag are estimated as opaque values, capped at 256 bits.
UUIDs (every token a canonical UUID)
    Time-based ones (versions 1, 2, 6) count only their clock sequence and node; version 7 does
    not count its 48-bit millisecond timestamp; the version and variant digits never vary. No
    UUID reaches 128 bits (a version 4 UUID carries 122 random bits).
Opaque tokens (everything else, also every string claim and a signature)
    Characters every token shares at the same place (a common prefix or suffix, a separator)
    count nothing. The characters where tokens differ decide the alphabet: decimal digits
    (log2 10 bits each), hex (4 bits), base64/base64url (6 bits; an alphanumeric token is read
    as base64, at most 0.05 bits per character generous), else the observed character set
    (log2 of its size). Each character
    position ("column") is credited with the bits that actually vary there (for hex and base64,
    the bits of the decoded value that are not constant), unless the column is demonstrably
    not uniform: if its most common symbol occurs more often than a uniform column would
    allow (false-alarm rate ``ALPHA``), it gets a min-entropy estimate instead. A column that
    repeats another one (same pattern of equal values across the sample) counts once. This
    credits a well-behaved generator with exactly its design entropy (256 bits for
    ``secrets.token_urlsafe(32)``) in every run, and caps every token at its length times the
    bits per character. Tokens of different lengths are compared aligned left and aligned right,
    and the lower estimate is kept.
Counter-like tokens (a check on every opaque value, whatever its length)
    The varying part of each token is read as a number (big-endian in its alphabet). The
    attacker who has seen a few tokens only has to search the range they span, so the estimate
    is also bounded by log2 of: the span of the sample; the span divided by the greatest common
    divisor of the gaps between tokens (a counter advanced by any fixed stride); and the number
    of steps of a fitted (nearly) arithmetic progression plus its noise. A sequence number,
    hex or base64 of a counter, a timestamp plus a counter, or a constant hash-looking prefix
    with a short varying suffix therefore stays far below 128 bits however long the token is.

Repeated tokens are judged once (repeats are RFC6749-10.10-token-unique's business). From 100
tokens the estimate is exact for whole random bytes; with only 20 (the least the suite judges) a
random bit looks constant by chance about once in 2,000 samples of 128 bits, costing that bit.
Not detected: varying data that is a function of other varying data without copying it (a
checksum of a random part, a hash of a counter, a weak PRNG's output), and counters that wrap.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

#: §10.10's floor (MUST) and recommendation (SHOULD), in bits per token.
MUST_BITS = 128.0
SHOULD_BITS = 160.0
#: Per-column false-alarm rate of the uniformity test: a uniformly random column is marked
#: non-uniform (and loses a few bits) with at most this probability, so a generator exactly at
#: 128 or 160 bits is not pushed under its boundary in any realistic number of runs.
ALPHA = 1e-9
#: A counter-like bound replaces the per-position estimate only when it is this many bits lower:
#: for random tokens the sample's span falls short of the full range by a fraction of a bit, so
#: without a margin a 128-bit token would land just under 128.
ORDER_MARGIN_BITS = 4.0
#: Tokens whose numeric range holds at most this many values per token are named counter-like.
DENSE_FACTOR = 64
#: The most a signature (or a JWE's encrypted parts) may add.
SIGNATURE_CAP_BITS = 256.0
#: Claims whose values an attacker knows (the time of issue and what follows from it).
TIME_CLAIMS = frozenset({"iat", "exp", "nbf", "auth_time"})

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64STD = _B64URL[:62] + "+/"
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12}$")
#: Positions (in the 32 hex digits of a UUID without dashes) that carry a timestamp.
_UUID_TIME_DIGITS = {1: range(0, 15), 2: range(0, 15), 6: range(0, 15), 7: range(0, 12)}


@dataclass(frozen=True, slots=True)
class EntropyEstimate:
    """Estimated bits an attacker lacks per token, with how the tokens were read."""

    bits: float
    form: str
    detail: str
    #: Set when a structure rule (counter-like sequence, time-based UUID, no signature, ...)
    #: limited the estimate: what was found.
    predictable: str | None = None

    def __str__(self) -> str:
        return f"~{self.bits:.0f} bits ({self.form}: {self.detail})"


def estimate_entropy(tokens: Sequence[str]) -> EntropyEstimate:
    """Estimate the per-token guessing entropy of a sample of tokens (see the module doc)."""
    if len(tokens) < 2:
        return EntropyEstimate(0.0, "sample", "fewer than two tokens")
    tokens = list(dict.fromkeys(tokens))
    if len(tokens) < 2:
        return EntropyEstimate(0.0, "sample", "every token is the same",
                               predictable="every token is the same")
    jws = _split_jose(tokens, 3)
    if jws is not None:
        return _estimate_jws(*jws)
    jwe = _split_jose(tokens, 5)
    if jwe is not None and all("enc" in h for h in jwe[0]):
        return _estimate_jwe(jwe[1])
    f = _field(list(tokens), set())
    return EntropyEstimate(_round(f.bits), f"opaque {f.encoding} token", f.describe(),
                           predictable=f.predictable)


def estimate_entropy_bits(tokens: Sequence[str]) -> float:
    """:func:`estimate_entropy`'s bits alone."""
    return estimate_entropy(tokens).bits


# ------------------------------------------------------------------------------ JOSE tokens


def _b64url_decode(segment: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def _json_object(segment: str) -> dict[str, object] | None:
    raw = _b64url_decode(segment)
    if raw is None:
        return None
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def jws_claims(token: str) -> dict[str, object] | None:
    """The claims of a token that is a JWS in compact serialization (a JWT access token, as in
    RFC 9068) -- readable by anyone holding it, no key needed -- or None for anything else."""
    split = _split_jose([token], 3)
    if split is None:
        return None
    return _json_object(split[1][0][1])


def _split_jose(tokens: Sequence[str],
                parts: int) -> tuple[list[dict[str, object]], list[list[str]]] | None:
    """Headers and segments if every token is a JOSE compact serialization of ``parts``."""
    headers: list[dict[str, object]] = []
    segments: list[list[str]] = []
    for tok in tokens:
        segs = tok.split(".")
        if len(segs) != parts or not all(_B64URL_RE.match(s) for s in segs):
            return None
        header = _json_object(segs[0])
        if header is None or not isinstance(header.get("alg"), str):
            return None
        headers.append(header)
        segments.append(segs)
    return headers, segments


def _estimate_jws(headers: list[dict[str, object]], segments: list[list[str]]) -> EntropyEstimate:
    algs = sorted({str(h["alg"]) for h in headers})
    form = f"JWS ({', '.join(algs)})"
    seen: set[tuple[int, ...]] = set()
    sigs = [s[2] for s in segments]
    parts: list[str] = []
    predictable: str | None = None
    if any(a.lower() == "none" for a in algs) or not all(sigs):
        sig_bits = 0.0
        predictable = "unsigned (alg none or an empty signature): anyone can make a token"
        parts.append("no signature")
    elif len(set(sigs)) < len(sigs):
        sig_bits = 0.0
        predictable = "the same signature appears on different tokens"
        parts.append("repeated signatures count nothing")
    else:
        f = _field(sigs, seen)
        sig_bits = min(SIGNATURE_CAP_BITS, f.bits)
        capped = " (capped)" if f.bits > SIGNATURE_CAP_BITS else ""
        parts.append(f"signature {sig_bits:.0f} bits{capped}")
        if f.predictable:
            predictable = f"signature: {f.predictable}"
    claim_bits, claim_parts = _claims_bits([s[1] for s in segments], seen)
    parts.extend(claim_parts)
    return EntropyEstimate(_round(sig_bits + claim_bits), form, "; ".join(parts),
                           predictable=predictable)


def _claims_bits(payloads: list[str], seen: set[tuple[int, ...]]) -> tuple[float, list[str]]:
    objs = [_json_object(p) for p in payloads]
    if not all(o is not None for o in objs):
        f = _field(payloads, seen)
        return f.bits, [f"payload (not a JSON object) {f.bits:.0f} bits"]
    flat = [_flatten(o or {}) for o in objs]
    common = sorted(set.intersection(*(set(d) for d in flat)))
    total = 0.0
    counted: list[str] = []
    skipped: list[str] = []
    for key in common:
        values = [d[key] for d in flat]
        if key.rsplit(".", 1)[-1] in TIME_CLAIMS:
            skipped.append(key)
            continue
        f = _field(values, seen)
        if f.bits > 0:
            total += f.bits
            counted.append(f"{key} {f.bits:.0f}")
    out = [f"claims {total:.0f} bits" + (f" ({', '.join(counted)})" if counted else "")]
    if skipped:
        out.append(f"not counted (known times): {', '.join(skipped)}")
    return total, out


def _flatten(obj: dict[str, object], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, str):
            out[key] = v
        else:
            out[key] = json.dumps(v, sort_keys=True, separators=(",", ":"))
    return out


def _estimate_jwe(segments: list[list[str]]) -> EntropyEstimate:
    seen: set[tuple[int, ...]] = set()
    total = 0.0
    parts = []
    for i, name in ((1, "encrypted key"), (2, "iv"), (3, "ciphertext"), (4, "tag")):
        f = _field([s[i] for s in segments], seen)
        total += f.bits
        if f.bits:
            parts.append(f"{name} {f.bits:.0f}")
    bits = min(SIGNATURE_CAP_BITS, total)
    return EntropyEstimate(_round(bits), "JWE", f"encrypted parts {total:.0f} bits "
                           f"({', '.join(parts) or 'none vary'}), capped at "
                           f"{SIGNATURE_CAP_BITS:.0f}",
                           predictable=None if total else "the encrypted parts never vary")


# ---------------------------------------------------------------------------- opaque values


@dataclass(frozen=True, slots=True)
class _Field:
    bits: float
    encoding: str
    varying: int
    positional: float
    predictable: str | None = None

    def describe(self) -> str:
        text = f"{self.varying} varying characters, {self.positional:.0f} bits by position"
        if self.predictable:
            text += f"; {self.predictable}"
        return text


@dataclass(frozen=True, slots=True)
class _Alphabet:
    name: str
    size: int
    #: bits per symbol when ``size`` is a power of two (then constant bits are discounted)
    width: int | None
    value: dict[str, int]


def _alphabet(chars: set[str]) -> _Alphabet:
    if chars <= set("0123456789"):
        return _Alphabet("decimal", 10, None, {c: int(c) for c in "0123456789"})
    for hexdigits in ("0123456789abcdef", "0123456789ABCDEF"):
        if chars <= set(hexdigits):
            return _Alphabet("hex", 16, 4, {c: i for i, c in enumerate(hexdigits)})
    for name, b64 in (("base64url", _B64URL), ("base64", _B64STD)):
        if chars <= set(b64):
            return _Alphabet(name, 64, 6, {c: i for i, c in enumerate(b64)})
    ordered = sorted(chars)
    return _Alphabet(f"{len(ordered)}-character", max(len(ordered), 2), None,
                     {c: i for i, c in enumerate(ordered)})


def _field(values: list[str], seen: set[tuple[int, ...]]) -> _Field:
    """Estimate one value that every token (or claim) carries."""
    if len(set(values)) < 2:
        return _Field(0.0, "constant", 0, 0.0)
    if all(_UUID_RE.match(v) for v in values):
        versions = {int(v[14], 16) for v in values}
        if len(versions) == 1:
            return _uuid_field(values, versions.pop(), seen)
    middles = _strip_common(values)
    alpha = _alphabet(_varying_chars(middles))
    seqs = [[alpha.value.get(c, 0) for c in m] for m in middles]
    width = max(len(s) for s in seqs)
    pad = alpha.size  # the padding symbol, when lengths differ: judge both alignments
    alignments = [[[pad] * (width - len(s)) + s for s in seqs]]
    if any(len(s) != width for s in seqs):
        alignments.append([s + [pad] * (width - len(s)) for s in seqs])
    judged = []
    for rows in alignments:
        mine = set(seen)
        judged.append((_columns_bits(list(zip(*rows, strict=True)), alpha, mine), mine))
    positional, counted = min(judged, key=lambda j: j[0])
    seen |= counted
    ordered = _ordered_bound(seqs, alpha.size)
    if ordered is None:
        return _Field(positional, alpha.name, width, positional)
    bits, why = ordered
    if bits < positional - ORDER_MARGIN_BITS:
        return _Field(bits, alpha.name, width, positional, why)
    # Not lower, but the tokens fill their range densely (as consecutive numbers do): say so.
    dense = bits <= math.log2(DENSE_FACTOR * len(seqs))
    return _Field(positional, alpha.name, width, positional, why if dense else None)


def _uuid_field(values: list[str], version: int, seen: set[tuple[int, ...]]) -> _Field:
    digits = [v.replace("-", "").lower() for v in values]
    time_digits = _UUID_TIME_DIGITS.get(version, range(0))
    masked = ["".join("0" if i in time_digits else c for i, c in enumerate(d)) for d in digits]
    inner = _field(masked, seen) if len(set(masked)) > 1 else _Field(0.0, "hex", 0, 0.0)
    note = None
    if version in (1, 2, 6):
        note = f"time-based UUID (version {version}): the timestamp counts nothing"
    elif version == 7:
        note = "UUID version 7: the millisecond timestamp counts nothing"
    if inner.predictable:
        note = f"{note}; {inner.predictable}" if note else inner.predictable
    return _Field(inner.bits, f"UUID v{version}", inner.varying, inner.positional, note)


def _varying_chars(middles: list[str]) -> set[str]:
    """The characters that occur where tokens differ (a fixed separator does not widen the
    alphabet); every character when lengths differ."""
    if len({len(m) for m in middles}) > 1:
        return set().union(*middles)
    return set().union(*(set(col) for col in zip(*middles, strict=True) if len(set(col)) > 1))


def _common_prefix_len(values: list[str]) -> int:
    lo, hi = min(values), max(values)  # the common prefix of all is that of these two
    n = 0
    while n < len(lo) and lo[n] == hi[n]:
        n += 1
    return n


def _strip_common(values: list[str]) -> list[str]:
    """The part of each value between the prefix and the suffix that every value shares."""
    prefix = _common_prefix_len(values)
    rest = [v[prefix:] for v in values]
    suffix = _common_prefix_len([r[::-1] for r in rest])
    return [r[:len(r) - suffix] for r in rest]


def _partition(col: Sequence[int]) -> tuple[int, ...] | None:
    """The column's pattern of equal values, when it is specific enough to compare: at least
    four distinct values and at least three repeats (two unrelated random columns then match
    by chance with negligible probability, even in a sample of 20)."""
    labels: dict[int, int] = {}
    pattern = tuple(labels.setdefault(v, len(labels)) for v in col)
    if len(labels) < 4 or len(col) - len(labels) < 3:
        return None
    return pattern


def _columns_bits(columns: list[tuple[int, ...]], alpha: _Alphabet,
                  seen: set[tuple[int, ...]]) -> float:
    total = 0.0
    for col in columns:
        pattern = _partition(col)
        if pattern is not None:
            if pattern in seen:
                continue  # a copy of a column already counted
            seen.add(pattern)
        total += _column_bits(col, alpha)
    return total


def _column_bits(col: Sequence[int], alpha: _Alphabet) -> float:
    counts = Counter(col)
    if len(counts) < 2:
        return 0.0
    size = alpha.size
    n = len(col)
    # Only the bits that vary count (a base64 token's last character often carries 2 or 4).
    # A random bit stays constant by chance with probability 2^-(n-1): never at the default
    # 100 tokens, about once in 2,000 samples of 128 random bits at the minimum of 20.
    if alpha.width is not None and alpha.size not in counts:
        first = col[0]
        mask = 0
        for v in col:
            mask |= v ^ first
        size = 1 << mask.bit_count()
    elif alpha.size in counts:
        size += 1  # the padding symbol of a shorter token
    top = max(counts.values())
    threshold = _max_count_threshold(n, size)
    if top <= threshold:  # consistent with a uniform column: every varying bit counts
        return math.log2(size)
    # Demonstrably skewed: the min-entropy of the most likely symbol, giving it the benefit of
    # the doubt a uniform column would need (so the credit falls smoothly past the threshold).
    p_max = (top - (threshold - n / size)) / n
    return min(math.log2(size), -math.log2(p_max))


@cache
def _max_count_threshold(n: int, size: int) -> int:
    """The most often one symbol may occur in ``n`` uniform draws from ``size`` symbols: the
    smallest t with size * P(Binomial(n, 1/size) > t) <= ALPHA."""
    p = 1.0 / size
    log_p, log_q = math.log(p), math.log1p(-p)
    pmf = [math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                    + k * log_p + (n - k) * log_q) for k in range(n + 1)]
    tail = 0.0  # P(X > t)
    for t in range(n, -1, -1):
        if size * (tail + pmf[t]) > ALPHA:
            return t
        tail += pmf[t]
    return 0


def _ordered_bound(seqs: list[list[int]], base: int) -> tuple[float, str] | None:
    """Bits left if the varying parts, read as numbers, are searched in the range they span."""
    values = sorted({_number(s, base) for s in seqs})
    if len(values) < 3:
        return None
    span = values[-1] - values[0]
    gaps = [b - a for a, b in pairwise(values)]
    bounds = [(math.log2(span + 1),
               f"counter-like: all tokens fall within a range of {_size(span + 1)} values")]
    step = math.gcd(*gaps)
    if step > 1:
        bounds.append((math.log2(span // step + 1),
                       f"counter-like: the tokens are {_size(span // step + 1)} steps of a fixed "
                       f"stride ({_size(step)}) apart"))
    fit = _progression_fit(values)
    if fit is not None:
        steps, noise = fit
        noise_note = f", give or take {_size(noise)}" if noise else ""
        bounds.append((math.log2(steps + 1) + math.log2(2 * noise + 1),
                       f"counter-like: the tokens form an arithmetic progression of "
                       f"{_size(steps + 1)} steps{noise_note}"))
    return min(bounds)


def _progression_fit(values: list[int]) -> tuple[int, int] | None:
    """(steps, noise) if the sorted values are v0 + k*s + e with |e| <= s/4 (s fitted)."""
    gaps = [b - a for a, b in pairwise(values)]
    s0 = min(gaps)
    positions = [0]
    for g in gaps:
        positions.append(positions[-1] + (2 * g + s0) // (2 * s0))
    steps, span = positions[-1], values[-1] - values[0]
    # residual_i * steps, exactly: (v_i - v_0) * steps - k_i * span
    worst = max(abs((v - values[0]) * steps - k * span) for v, k in zip(values, positions,
                                                                        strict=True))
    if 4 * worst > span:
        return None
    return steps, -(-worst // steps)


def _number(seq: Sequence[int], base: int) -> int:
    x = 0
    for v in seq:
        x = x * base + v
    return x


def _size(x: int) -> str:
    return f"{x:,}" if x < 10**9 else f"~2^{math.log2(x):.0f}"


def _round(bits: float) -> float:
    return round(bits, 6)
