"""Token buckets per key (a peer, a remote address): in this process's memory, or in the
database where several workers share it (PostgreSQL), so that a budget spent at one worker is
spent at all of them. `Limit` is what the handlers take from; which kind it is, the web
application decides once (node/web/app.py).
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


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


class SharedBuckets(Protocol):
    """Buckets kept where every worker takes from them (node/store/buckets.py)."""

    async def claim_tokens(
        self, name: str, subject: str, rate: float, burst: float, cost: float, now: float
    ) -> float: ...

    async def get_pending(self, name: str, subject: str, rate: float, burst: float, now: float) -> float: ...

    async def delete_full(self, name: str, now: float) -> None: ...


SHARED_PURGE_EVERY = 60.0  # seconds between one worker's purges of a limit's refilled buckets


class Limit:
    """One limit, a bucket per key: in memory, or in `shared` when several workers serve the
    node. `clock` defaults to the monotonic clock in memory and to wall-clock seconds in
    `shared` (the one clock the workers share)."""

    def __init__(
        self,
        name: str,
        rate_per_second: float,
        burst: int,
        shared: SharedBuckets | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.name, self.rate, self.burst = name, rate_per_second, burst
        self._memory = RateLimiter(rate_per_second, burst)
        self._shared, self._clock = shared, clock
        self._wall = clock or time.time
        self._next_purge = 0.0

    async def take(self, key: str, cost: float = 1.0) -> float:
        """0 if `cost` tokens were taken, else the seconds until there are (nothing is taken)."""
        if self._shared is None:
            return self._memory.take(key, self._clock() if self._clock else None, cost)
        now = self._wall()
        if now >= self._next_purge:
            self._next_purge = now + SHARED_PURGE_EVERY
            await self._shared.delete_full(self.name, now)
        return await self._shared.claim_tokens(self.name, key, self.rate, self.burst, cost, now)

    async def pending(self, key: str) -> float:
        """Seconds until `key` has a token again (0: it has one now); takes nothing."""
        if self._shared is None:
            return self._memory.pending(key, self._clock() if self._clock else None)
        return await self._shared.get_pending(self.name, key, self.rate, self.burst, self._wall())


class StrangerLimiter:
    """Proposals from nodes we do not know: a bucket per key (address, node) at the configured
    rate, and one shared bucket ("all") ten times as large, bounding the fetches they cost us."""

    def __init__(
        self, rate_per_second: float, shared: SharedBuckets | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self._each = Limit("stranger", rate_per_second, 3, shared, clock)
        self._all = Limit("strangers", rate_per_second * 10, 30, shared, clock)

    async def take(self, key: str) -> float:
        return await (self._all.take(key) if key == "all" else self._each.take(key))
