"""Token buckets, kept in memory per key (a peer, a remote address)."""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict


def address_key(remote: str | None) -> str:
    """The budget a source address draws on: the address itself, or its /64 for IPv6 (one
    subscriber usually holds a whole /64, so counting single addresses would count nothing)."""
    try:
        address = ipaddress.ip_address((remote or "").partition("%")[0])
    except ValueError:
        return remote or "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys

    def take(self, key: str, now: float | None = None, cost: float = 1.0) -> float:
        """Take `cost` tokens; returns 0 if allowed, else the seconds until that many are available
        (and takes nothing). A cost above the burst can never be paid: size the burst for it."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (cost - tokens) / self.rate
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # forget the least recently seen
        return wait

    def pending(self, key: str, now: float | None = None) -> float:
        """Seconds until `key` has a token again (0: it has one now); takes nothing."""
        now = time.monotonic() if now is None else now
        found = self._buckets.get(key)
        if found is None:
            return 0.0
        tokens = min(float(self.burst), found[0] + (now - found[1]) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate


class StrangerLimiter:
    """Proposals from nodes we do not know: a bucket per key (address, node) at the configured
    rate, and one shared bucket ("all") ten times as large, bounding the fetches they cost us."""

    def __init__(self, rate_per_second: float) -> None:
        self._each = RateLimiter(rate_per_second, 3)
        self._all = RateLimiter(rate_per_second * 10, 30)

    def take(self, key: str, now: float | None = None) -> float:
        return self._all.take(key, now) if key == "all" else self._each.take(key, now)
