"""Token buckets: per key, refilled over time; strangers limited per address and overall."""

from __future__ import annotations

from node.ratelimit import RateLimiter, StrangerLimiter


def test_rate_limiter__burst_then_refill():
    limiter = RateLimiter(rate_per_second=2, burst=3)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a", now=0.0)
    assert 0.49 < wait <= 0.5
    assert limiter.take("b", now=0.0) == 0.0, "keys have their own buckets"
    assert limiter.take("a", now=0.6) == 0.0, "a token came back after half a second"


async def test_stranger_limiter__a_noisy_address_does_not_shut_out_a_newcomer():
    limiter = StrangerLimiter(rate_per_second=0.1, clock=lambda: 0.0)
    noisy = [await limiter.take("address:10.0.0.1") for _ in range(10)]
    assert noisy[:3] == [0.0, 0.0, 0.0] and all(w > 0 for w in noisy[3:])
    assert await limiter.take("address:10.0.0.2") == 0.0
    overall = [await limiter.take("all") for _ in range(40)]
    assert overall.count(0.0) == 30, "the shared bucket still bounds everyone together"
