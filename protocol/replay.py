"""Replay protection for signed requests: remember each ``(keyid, nonce)`` while it is fresh.

A request is fresh for ``window`` seconds either side of its ``created`` time; once a
``created`` falls out of the window, freshness alone refuses the request, so its nonce can
be forgotten. Memory stays bounded under a flood too: when the cache is full it forgets the
oldest entry and raises ``floor`` past that entry's ``created``. A request created before
the floor is refused as expired, so forgetting a nonce never lets its replay through; the
price is that honest requests as old as the forgotten one are refused too (their senders
retry with a new signature). After a restart the cache must start with ``floor`` above every
``created`` accepted before it: a request may be created up to ``window`` seconds in the
future, so the process's start time is not enough; start time plus ``window`` is, or a bound
the verifier stored (the node keeps one: ``node/federation/replay.py``).
"""

from __future__ import annotations

import heapq

from protocol.problems import Problem, ProblemType

__all__ = ["NonceCache"]


class NonceCache:
    """A bounded memory of the ``(keyid, nonce)`` pairs seen within the freshness window.

    ``window`` must be at least the verifier's ``max_skew``. Not thread-safe: a node checks
    requests on one event loop.
    """

    def __init__(self, window: int = 300, max_entries: int = 100_000, floor: int = 0) -> None:
        if window < 0 or max_entries < 1:
            raise ValueError("window must be >= 0 and max_entries >= 1")
        self.window = window
        self.max_entries = max_entries
        self.floor = floor
        self._seen: set[tuple[str, str]] = set()
        # Ordered by created so the oldest entry is both the next to expire and the one to evict.
        self._by_created: list[tuple[int, str, str]] = []

    def __len__(self) -> int:
        return len(self._seen)

    def check_and_add(self, keyid: str, nonce: str, created: int, now: int) -> None:
        """Record a nonce from a request whose signature verified.

        Raises ``Problem(REPLAY)`` if this key used this nonce within the window, and
        ``Problem(SIGNATURE_EXPIRED)`` if ``created`` is older than the cache can vouch for
        (outside the window, or before ``floor``).
        """
        self._expire(now)
        self._require_recent(created, now)
        if (keyid, nonce) in self._seen:
            raise Problem(ProblemType.REPLAY, f"nonce {nonce!r} was already used by {keyid!r}")
        if len(self._seen) >= self.max_entries:
            self._make_room(created)
        heapq.heappush(self._by_created, (created, keyid, nonce))
        self._seen.add((keyid, nonce))

    def _require_recent(self, created: int, now: int) -> None:
        if created < now - self.window:
            raise Problem(ProblemType.SIGNATURE_EXPIRED, f"created {created} is outside the replay window")
        if created < self.floor:
            raise Problem(ProblemType.SIGNATURE_EXPIRED, f"created {created} is before {self.floor}")

    def _expire(self, now: int) -> None:
        while self._by_created and self._by_created[0][0] < now - self.window:
            self._forget_oldest()

    def _make_room(self, created: int) -> None:
        # Evicting raises the floor past the evicted entry; a request no newer than it would
        # then be refused anyway, so refuse it without forgetting anything.
        oldest = self._by_created[0][0]
        if created <= oldest:
            raise Problem(ProblemType.SIGNATURE_EXPIRED, f"created {created} is older than the cache can hold")
        self._forget_oldest()
        self.floor = max(self.floor, oldest + 1)

    def _forget_oldest(self) -> None:
        _, keyid, nonce = heapq.heappop(self._by_created)
        self._seen.discard((keyid, nonce))
