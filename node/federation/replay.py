"""Replay protection shared by every process on the database, and kept across restarts.

Each process first checks a request's nonce in its own memory (protocol.replay.NonceCache: a
replay sent to the same process costs no query); then, before anything acts on the request, the
nonce is stored in the database (node/store/nonces.py), where the insert itself says whether
any process took it before. So a request accepted by one worker and replayed to another is
refused there with the same problem, and since the rows outlive the process, a restart forgets
nothing: no process needs a floor of its own any more.

A database from a version that kept nonces in memory holds only that version's bound (the
newest `created` it may have accepted, stored ahead): on the first start with the table the
floor starts above it, once, for every worker (a node that knew peers but kept no bound waits
out the window; one that never knew a peer accepted nothing).
"""

from __future__ import annotations

from node.store.nonces import NonceRepository, Seen
from protocol.problems import Problem, ProblemType

PURGE_EVERY = 30  # seconds between one process's purges of the nonces that left the window
MAX_NONCES = 100_000  # past this, the oldest are forgotten and the floor rises past them


class ReplayGuard:
    """The database's memory of the nonces of every request any worker accepted."""

    def __init__(self, nonces: NonceRepository, window: int, started_at: int, max_entries: int = MAX_NONCES) -> None:
        self._nonces = nonces
        self._window = window
        self._started_at = started_at
        self._max_entries = max_entries
        self._next_purge = 0

    async def floor(self) -> int:
        """The floor every worker shares, set from an older version's bound on the first start."""
        if not await self._nonces.is_floor_set():
            bound, knew_peers = await self._nonces.get_legacy_bound()
            await self._nonces.store_floor(self._legacy_floor(bound, knew_peers))
        return await self._nonces.get_floor()

    def _legacy_floor(self, bound: int | None, knew_peers: bool) -> int:
        if bound is not None:
            return bound + 1
        return self._started_at + self._window if knew_peers else 0

    async def accepted(self, keyid: str, nonce: str | None, created: int, now: int) -> None:
        """Call before acting on a verified request: refuses it if any worker took its nonce."""
        if nonce is None:
            raise Problem(ProblemType.SIGNATURE_INVALID, "the signature has no nonce")
        seen = await self._nonces.store(keyid, nonce, created)
        if seen is Seen.REPLAY:
            raise Problem(ProblemType.REPLAY, f"nonce {nonce!r} was already used by {keyid!r}")
        if seen is Seen.TOO_OLD:
            raise Problem(ProblemType.SIGNATURE_EXPIRED, f"created {created} is older than the replay cache holds")
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            await self._nonces.delete_old(now - self._window, self._max_entries)
