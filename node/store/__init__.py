"""Storage: one repository per aggregate over one SQLite database.

Writes happen inside `store.db.transaction()` and take its connection (`tx`) as their first
argument, so a service composes several writes into one commit; reads use the reader
connection. The interface is narrow on purpose: a PostgreSQL backend implements the same
repositories.
"""

from __future__ import annotations

from pathlib import Path

from .db import Database
from .objects import ObjectRepository, StoredObject
from .outbox import OutboxItem, OutboxRepository
from .peers import PeerRepository, PeerStateRepository
from .tokens import TokenRepository
from .twinnings import Twinning, TwinningRepository
from .usage import TwinUsage, UsageRepository


class Store:
    def __init__(self, path: Path) -> None:
        self.db = Database(path)
        self.tokens = TokenRepository(self.db)
        self.peers = PeerRepository(self.db)
        self.peer_state = PeerStateRepository(self.db)
        self.twinnings = TwinningRepository(self.db)
        self.objects = ObjectRepository(self.db)
        self.outbox = OutboxRepository(self.db)
        self.usage = UsageRepository(self.db)

    async def open(self) -> Store:
        await self.db.open()
        return self

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Database", "OutboxItem", "Store", "StoredObject", "TwinUsage", "Twinning"]
