"""Token buckets in the database, so that every worker draws on the same budget.

One row per limit and key. A take is one atomic upsert: the row's lock orders the workers'
takes, and the statement computes the refill, takes the tokens if there are enough and says
whether it did, in one trip (no read-then-write a second worker could slip between). Times are
wall-clock seconds, the one clock the workers share; a worker whose clock lags never refills
a bucket backwards. A row whose bucket has refilled (`full_at` passed) means what no row means,
so such rows are purged: the table holds the keys seen within about one refill time.
"""

from __future__ import annotations

from .db import Database

_LEVEL = "MIN(?, tokens + MAX(0, excluded.taken_at - taken_at) * ?)"  # (burst, rate): after the refill
_AFTER = f"CASE WHEN {_LEVEL} >= ? THEN {_LEVEL} - ? ELSE {_LEVEL} END"  # (.., cost, .., cost, ..)
_TAKE = (
    "INSERT INTO rate_buckets (name, subject, tokens, taken_at, full_at, taken) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (name, subject) DO UPDATE SET"
    f" tokens = {_AFTER},"
    f" taken = CASE WHEN {_LEVEL} >= ? THEN 1 ELSE 0 END,"
    f" full_at = MAX(taken_at, excluded.taken_at) + (? - ({_AFTER})) / ?,"
    " taken_at = MAX(taken_at, excluded.taken_at)"
    " RETURNING tokens, taken"
)


class BucketRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_tokens(self, name: str, subject: str, rate: float, burst: float, cost: float, now: float) -> float:
        """Take `cost` tokens from `subject`'s bucket of limit `name`: 0 if taken, else the
        seconds until there are that many (and nothing is taken)."""
        level = (burst, rate)
        after = (*level, cost, *level, cost, *level)
        fresh_tokens = burst - cost if cost <= burst else burst
        new_row = (name, subject, fresh_tokens, now, now + (burst - fresh_tokens) / rate, int(cost <= burst))
        numbers = (*after, *level, cost, burst, *after, rate)
        rows = await self._db.write_one(_TAKE, (*new_row, *(float(n) for n in numbers)))
        tokens, taken = float(rows[0][0]), int(rows[0][1])
        return 0.0 if taken else (cost - tokens) / rate

    async def get_pending(self, name: str, subject: str, rate: float, burst: float, now: float) -> float:
        """Seconds until `subject` has a token again (0: it has one now); takes nothing."""
        row = await self._db.fetch_one(
            "SELECT tokens, taken_at FROM rate_buckets WHERE name = ? AND subject = ?", (name, subject)
        )
        if row is None:
            return 0.0
        tokens = min(burst, float(row[0]) + max(0.0, now - float(row[1])) * rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate

    async def delete_full(self, name: str, now: float) -> None:
        """Forget the buckets of limit `name` that are full again."""
        await self._db.write_one("DELETE FROM rate_buckets WHERE name = ? AND full_at <= ?", (name, now))
