"""Unit tests of the §10.10 token entropy estimator (conformance.entropy).

The estimate must be stable (a well-behaved generator gets the same number in every sample, so
a verdict never flips between runs), land each generator on the right side of the 128-bit MUST
and the 160-bit SHOULD, and see through counters and timestamps however long the token is.
Tokens are built with the standard library only (JWTs signed by hand with hmac and a small
textbook RSA).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import secrets
import uuid
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.entropy import MUST_BITS, SHOULD_BITS, estimate_entropy, estimate_entropy_bits

SAMPLE = 100  # the suite's default --cc-token-count
RUNS = 20
Gen = Callable[[int], str]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sample(gen: Gen, n: int = SAMPLE) -> list[str]:
    return [gen(i) for i in range(n)]


def _estimates(gen: Gen, runs: int = RUNS, n: int = SAMPLE) -> list[float]:
    return [estimate_entropy(_sample(gen, n)).bits for _ in range(runs)]


def _verdict(bits: float) -> str:
    return "pass" if bits >= SHOULD_BITS else "warn" if bits >= MUST_BITS else "fail"


# ---------------------------------------------------------------------------- JWTs, by hand


def _claims(i: int, jti: bool) -> dict[str, object]:
    iat = 1_700_000_000 + i // 10
    claims: dict[str, object] = {"iss": "https://as.example", "sub": "cc-demo-client",
                                 "scope": "read", "iat": iat, "exp": iat + 3600}
    if jti:
        claims["jti"] = secrets.token_hex(16)
    return claims


def _signing_input(alg: str, claims: dict[str, object]) -> str:
    header = _b64url(json.dumps({"alg": alg, "typ": "at+jwt", "kid": "k1"}).encode())
    return f"{header}.{_b64url(json.dumps(claims).encode())}"


def hs256(key: bytes, claims: dict[str, object]) -> str:
    signing_input = _signing_input("HS256", claims)
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(sig)}"


def unsigned(claims: dict[str, object]) -> str:
    return f"{_signing_input('none', claims)}."


def _is_probable_prime(n: int, rng: random.Random) -> bool:
    if n < 2 or any(n % p == 0 for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
        return n in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(24):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


RsaKey = tuple[int, int, int]  # modulus, and its two primes


@cache
def rsa_key(seed: int, bits: int = 2048) -> RsaKey:
    """A textbook RSA key (e = 65537); test use only."""
    rng = random.Random(seed)
    while True:
        p, q = (_prime(bits // 2, rng) for _ in range(2))
        if p != q and math.gcd(65537, (p - 1) * (q - 1)) == 1:
            return p * q, p, q


def _rsa_private(key: RsaKey, m: int) -> int:
    _, p, q = key  # m^d mod n through the Chinese remainder theorem
    d = pow(65537, -1, (p - 1) * (q - 1))
    mp, mq = pow(m, d % (p - 1), p), pow(m, d % (q - 1), q)
    return mq + (pow(q, -1, p) * (mp - mq) % p) * q


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        c = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if _is_probable_prime(c, rng):
            return c


# DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 §9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256(key: RsaKey, claims: dict[str, object]) -> str:
    size = (key[0].bit_length() + 7) // 8
    signing_input = _signing_input("RS256", claims)
    t = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input.encode()).digest()
    em = b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t
    sig = _rsa_private(key, int.from_bytes(em, "big")).to_bytes(size, "big")
    return f"{signing_input}.{_b64url(sig)}"


def test_rs256_helper_signs_verifiably() -> None:
    key = rsa_key(1)
    n = key[0]
    token = rs256(key, {"sub": "x"})
    signing_input, sig = token.rsplit(".", 1)
    em = pow(int.from_bytes(base64.urlsafe_b64decode(sig + "=="), "big"), 65537, n)
    assert em.to_bytes(256, "big").endswith(hashlib.sha256(signing_input.encode()).digest())


# ---------------------------------------------------------------------------- stability


def test_reference_tokens_are_stable_and_pass() -> None:
    """The reference issues secrets.token_urlsafe(32): 256 bits in every sample."""
    bits = _estimates(lambda i: secrets.token_urlsafe(32))
    assert min(bits) == max(bits) == 256.0


def test_reference_tokens_in_the_smallest_sample_the_suite_judges() -> None:
    bits = _estimates(lambda i: secrets.token_urlsafe(32), n=20)
    assert min(bits) >= 250 and max(bits) - min(bits) <= 6


def test_hs256_jwt_with_fresh_random_key_per_sample_is_judged_the_same() -> None:
    """The old per-position heuristic put such tokens at ~0 bits in one run and ~680 in the
    next: now the signature counts 256 bits and the jti 128, in every sample."""
    results = []
    for _ in range(RUNS):
        key = secrets.token_bytes(32)
        results.append(estimate_entropy(_sample(lambda i, k=key: hs256(k, _claims(i, True)))))
    assert {r.bits for r in results} == {384.0}
    assert {r.form for r in results} == {"JWS (HS256)"}
    assert "iat" in results[0].detail and "jti 128" in results[0].detail


def test_rs256_jwt_is_judged_the_same_in_repeated_samples() -> None:
    key = rsa_key(1)
    bits = _estimates(lambda i: rs256(key, _claims(i, True)), runs=3)
    assert set(bits) == {256.0 + 128.0}  # the signature capped at 256, plus the jti


def test_signed_jwt_with_predictable_claims_passes_on_its_signature() -> None:
    """Guessing a valid token means guessing its signature, whatever the claims are."""
    key = secrets.token_bytes(32)
    est = estimate_entropy(_sample(lambda i: hs256(key, _claims(i, False) | {"jti": str(i)})))
    assert est.bits >= SHOULD_BITS
    assert est.bits == pytest.approx(256 + math.log2(SAMPLE), abs=0.5)


def test_unsigned_jwt_counts_only_its_claims() -> None:
    with_jti = estimate_entropy(_sample(lambda i: unsigned(_claims(i, True))))
    assert with_jti.bits == 128.0 and _verdict(with_jti.bits) == "warn"
    assert with_jti.predictable and "alg none" in with_jti.predictable
    without = estimate_entropy(_sample(lambda i: unsigned(_claims(i, False))))
    assert _verdict(without.bits) == "fail"


def test_fake_signature_is_judged_as_what_it_is() -> None:
    """A counter in the signature place is not a signature."""
    est = estimate_entropy(_sample(
        lambda i: f"{_signing_input('HS256', _claims(i, False))}.{_b64url(i.to_bytes(32, 'big'))}"))
    assert _verdict(est.bits) == "fail"


# ---------------------------------------------------------------------------- levels


@pytest.mark.parametrize(("gen", "design_bits", "verdict"), [
    (lambda i: secrets.token_hex(8), 64, "fail"),
    (lambda i: secrets.token_urlsafe(12), 96, "fail"),
    (lambda i: secrets.token_hex(16), 128, "warn"),
    (lambda i: base64.b64encode(secrets.token_bytes(18)).decode(), 144, "warn"),
    (lambda i: secrets.token_urlsafe(18), 144, "warn"),
    (lambda i: secrets.token_hex(20), 160, "pass"),
    (lambda i: "at_" + secrets.token_urlsafe(32), 256, "pass"),
    (lambda i: secrets.token_hex(64), 512, "pass"),
], ids=["64-hex", "96-b64url", "128-hex", "144-b64", "144-b64url", "160-hex", "256-prefixed",
        "512-hex"])
def test_random_tokens_get_their_design_entropy(gen: Gen, design_bits: int,
                                                 verdict: str) -> None:
    bits = _estimates(gen, runs=5)
    assert set(bits) == {float(design_bits)}
    assert _verdict(bits[0]) == verdict


def test_uuid4_is_below_the_floor() -> None:
    est = estimate_entropy(_sample(lambda i: str(uuid.uuid4())))
    assert est.bits == 122.0 and _verdict(est.bits) == "fail"


def test_a_copied_random_part_counts_once() -> None:
    est = estimate_entropy(_sample(lambda i: (lambda r: f"{r}.{r}")(secrets.token_hex(20))))
    assert est.bits == 160.0


def test_needs_a_sample() -> None:
    assert estimate_entropy(["only-one"]).bits == 0.0
    assert estimate_entropy(["same", "same"]).bits == 0.0
    assert estimate_entropy_bits([secrets.token_urlsafe(32) for _ in range(SAMPLE)]) == 256.0


# ---------------------------------------------------------------------------- counter-like

_OFFSET = secrets.randbits(250)
_STRIDE = secrets.randbits(190) | 1
_HASH_PREFIX = hashlib.sha256(b"server-start").hexdigest()


@pytest.mark.parametrize("gen", [
    lambda i: f"tok-{i:032d}",
    lambda i: f"{i:064x}",
    lambda i: _b64url(i.to_bytes(32, "big")),
    lambda i: _b64url((_OFFSET + i).to_bytes(32, "big")),
    lambda i: _b64url((_OFFSET + i * _STRIDE).to_bytes(32, "big")),
    lambda i: _b64url((_OFFSET + i * _STRIDE + secrets.randbits(24)).to_bytes(32, "big")),
    lambda i: f"{1_700_000_000_000 + i // 7}{i:08d}",
    lambda i: _HASH_PREFIX + secrets.token_hex(4),
    lambda i: str(uuid.uuid1()),
    lambda i: str(uuid.uuid1(clock_seq=secrets.randbits(14))),
], ids=["decimal-counter", "hex-counter", "base64-counter", "offset-counter",
        "large-stride-counter", "noisy-stride-counter", "timestamp-plus-counter",
        "hash-prefix-short-suffix", "uuid1", "uuid1-random-clock-seq"])
def test_counter_like_tokens_fail_however_long(gen: Gen) -> None:
    for _ in range(3):
        est = estimate_entropy(_sample(gen))
        assert est.bits < 40, est
        assert _verdict(est.bits) == "fail"


def test_counter_found_where_every_character_varies() -> None:
    est = estimate_entropy(_sample(lambda i: _b64url((_OFFSET + i * _STRIDE).to_bytes(32, "big"))))
    assert est.predictable and "stride" in est.predictable
    assert est.bits == pytest.approx(math.log2(SAMPLE), abs=0.1)
    shuffled = _sample(lambda i: _b64url((_OFFSET + i * 3 * _STRIDE).to_bytes(32, "big")))
    random.Random(0).shuffle(shuffled)  # concurrency reorders tokens; other clients take steps
    assert estimate_entropy(shuffled).bits < 10


def test_time_based_uuid_is_named() -> None:
    est = estimate_entropy(_sample(lambda i: str(uuid.uuid1())))
    assert est.predictable and "time-based UUID (version 1)" in est.predictable


# ---------------------------------------------------------------------------- properties

ENCODERS: dict[str, Callable[[bytes], str]] = {
    "hex": bytes.hex,
    "HEX": lambda b: b.hex().upper(),
    "base64url": _b64url,
    "base64": lambda b: base64.b64encode(b).decode(),
}


@settings(max_examples=40, deadline=None)
@given(nbytes=st.integers(4, 48), n=st.integers(50, 150), enc=st.sampled_from(sorted(ENCODERS)),
       prefix=st.sampled_from(["", "at_", "tok-v1."]), seed=st.integers(0, 2**32))
def test_random_bytes_are_credited_exactly(nbytes: int, n: int, enc: str, prefix: str,
                                           seed: int) -> None:
    rng = random.Random(seed)  # a uniform source (Hypothesis' own random shrinks to zeros)
    tokens = [prefix + ENCODERS[enc](rng.randbytes(nbytes)) for _ in range(n)]
    assert estimate_entropy(tokens).bits == 8.0 * nbytes


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 2**250), stride=st.integers(1, 2**200), n=st.integers(20, 150),
       enc=st.sampled_from(sorted(ENCODERS)), seed=st.integers(0, 2**32))
def test_any_arithmetic_progression_fails(start: int, stride: int, n: int, enc: str,
                                          seed: int) -> None:
    rng = random.Random(seed)
    values = [start + k * stride for k in sorted(rng.sample(range(4 * n), n))]
    rng.shuffle(values)
    tokens = [ENCODERS[enc](v.to_bytes(32, "big")) for v in values]
    assert estimate_entropy(tokens).bits < 16
