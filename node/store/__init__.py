"""Storage: one repository per aggregate over one database, SQLite (default) or PostgreSQL.

Writes happen inside `store.db.transaction()` and take its connection (`tx`) as their first
argument, so a service composes several writes into one commit; reads use the reader
connection. The interface is narrow on purpose: a PostgreSQL backend implements the same
repositories.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from .buckets import BucketRepository
from .db import Database
from .nonces import NonceRepository
from .objects import ObjectRepository, StoredObject
from .outbox import OutboxItem, OutboxRepository
from .peers import PeerRepository, PeerStateRepository
from .sign_ins import PendingSignInRepository
from .tokens import TokenRepository
from .twinnings import Twinning, TwinningRepository
from .usage import TwinUsage, UsageRepository


def open_database(target: Path | str) -> Database:
    """The database at `target`: a SQLite file's path, `sqlite:///PATH` or `postgresql://...`.

    The PostgreSQL backend has the same surface as `Database` (node/store/postgres.py), so the
    repositories are typed against the SQLite one."""
    if isinstance(target, Path):
        return Database(target)
    if target.startswith("sqlite:///"):
        return Database(Path(target.removeprefix("sqlite:///")))
    if target.startswith(("postgresql://", "postgres://")):
        from .postgres import PgDatabase

        return cast(Database, PgDatabase(target))
    raise ValueError(f"not a database URL: {target[:40]!r} (sqlite:/// or postgresql://)")


class Store:
    def __init__(self, target: Path | str) -> None:
        self.db = open_database(target)
        self.tokens = TokenRepository(self.db)
        self.peers = PeerRepository(self.db)
        self.peer_state = PeerStateRepository(self.db)
        self.twinnings = TwinningRepository(self.db)
        self.objects = ObjectRepository(self.db)
        self.outbox = OutboxRepository(self.db)
        self.usage = UsageRepository(self.db)
        self.nonces = NonceRepository(self.db)  # signed requests' nonces, shared by every worker
        self.buckets = BucketRepository(self.db)  # rate limits shared by every worker (PostgreSQL)
        self.oidc_pending = PendingSignInRepository(self.db)  # OpenID Connect sign-ins under way

    async def open(self) -> Store:
        await self.db.open()
        return self

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Database", "OutboxItem", "Store", "StoredObject", "TwinUsage", "Twinning", "open_database"]
