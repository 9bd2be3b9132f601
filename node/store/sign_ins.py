"""Sign-ins with OpenID Connect under way (node/auth/oidc.py): the `state`, `nonce` and PKCE
verifier of each, between the redirect to the provider and the browser's return.

In the database rather than in a process's memory: the browser may come back to another
worker of the node, or to the node after a restart. The state is kept as its SHA-256 (a copy
of the database does not hold live states), each is taken once (`claim` deletes what it
returns, so two workers cannot both finish one sign-in), and the table is bounded: rows past
their lifetime go at every new sign-in, and beyond `MAX_PENDING` the oldest go first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .db import Database

MAX_PENDING = 10_000


@dataclass(frozen=True)
class PendingSignIn:
    nonce: str
    verifier: str
    browser: str
    created_at: int


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


class PendingSignInRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, state: str, pending: PendingSignIn, *, expired_before: int) -> None:
        """Remember a new sign-in; forget those started before `expired_before`, and the oldest
        beyond `MAX_PENDING`."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM oidc_pending WHERE created_at < ?", (expired_before,))
            await tx.execute(
                "DELETE FROM oidc_pending WHERE state_hash IN (SELECT state_hash FROM oidc_pending "
                "ORDER BY created_at DESC, state_hash LIMIT 1000 OFFSET ?)",
                (MAX_PENDING - 1,),
            )
            await tx.execute(
                "INSERT INTO oidc_pending (state_hash, nonce, verifier, browser, created_at) VALUES (?, ?, ?, ?, ?)",
                (_hash(state), pending.nonce, pending.verifier, pending.browser, pending.created_at),
            )

    async def claim(self, state: str) -> PendingSignIn | None:
        """The sign-in this state started, taken out of the table (None: unknown or already taken)."""
        rows = await self._db.write_one(
            "DELETE FROM oidc_pending WHERE state_hash = ? RETURNING nonce, verifier, browser, created_at",
            (_hash(state),),
        )
        if not rows:
            return None
        row = rows[0]
        return PendingSignIn(row["nonce"], row["verifier"], row["browser"], int(row["created_at"]))
