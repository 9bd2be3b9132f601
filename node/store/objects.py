"""Federated objects: this node's own (with a feed position) and replicas of its twins'.

An object is stored as the signed envelope that carries it, so it can be served and
forwarded as received. The highest version wins; versions only go up.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from aiosqlite import Connection

from .db import Database, Row

ObjectKey = tuple[str, str, str]  # (type, origin, id)


class VersionSize(NamedTuple):
    """What the inbox needs of an object it holds: its version, and its envelope's size in bytes."""

    version: int
    size: int


@dataclass(frozen=True)
class StoredObject:
    type: str
    origin: str
    id: str
    version: int
    status: str | None
    starts_at: str | None
    ends_at: str | None
    envelope: dict[str, Any]
    seq: int | None

    @classmethod
    def from_row(cls, row: Row) -> StoredObject:
        return cls(
            type=row["type"],
            origin=row["origin"],
            id=row["id"],
            version=row["version"],
            status=row["status"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            envelope=json.loads(row["envelope"]),
            seq=row["seq"],
        )

    @property
    def object(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.envelope["object"]
        return obj


@dataclass(frozen=True)
class ObjectRow:
    """What the store indexes of an object, beside its envelope."""

    type: str
    origin: str
    id: str
    version: int
    status: str | None
    starts_at: str | None
    ends_at: str | None
    envelope_json: str


class ObjectRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store_local(self, tx: Connection, row: ObjectRow, audience: Sequence[str] | None, at: str) -> int:
        """Store a new version of one of our own objects at the end of the feed; returns its seq.

        The seq is taken inside the writing transaction, so the feed never skips a change.
        `audience` None means every twin; otherwise the listed peers only.
        """
        cursor = await tx.execute("UPDATE counters SET value = value + 1 WHERE name = 'feed_seq' RETURNING value")
        seq_row = await cursor.fetchone()
        assert seq_row is not None
        seq = int(seq_row[0])
        cursor = await tx.execute(
            "INSERT INTO objects (type, origin, id, version, seq, status, starts_at, ends_at, audience_all, envelope, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (type, origin, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, "
            "status = excluded.status, starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
            "audience_all = excluded.audience_all, envelope = excluded.envelope, received_at = excluded.received_at "
            "WHERE excluded.version > objects.version RETURNING pk",
            (*_values(row)[:4], seq, *_values(row)[4:7], int(audience is None), row.envelope_json, at),
        )
        pk_row = await cursor.fetchone()
        if pk_row is None:
            raise ValueError(f"version {row.version} of {row.type} {row.id} is not newer than the stored one")
        pk = int(pk_row[0])
        await tx.execute("DELETE FROM object_audience WHERE object_pk = ?", (pk,))
        if audience is not None:
            await tx.executemany(
                "INSERT INTO object_audience (object_pk, peer_id) VALUES (?, ?)",
                [(pk, p) for p in set(audience)],
            )
        return seq

    async def list_versions_and_sizes(self, tx: Connection, keys: Iterable[ObjectKey]) -> dict[ObjectKey, VersionSize]:
        """The stored version and envelope size in bytes of each of these objects that exists,
        read inside the transaction. One lookup per key serves both the inbox's version check and
        its quota (each lookup costs about as much as storing an object)."""
        found: dict[ObjectKey, VersionSize] = {}
        for sql, params in version_queries(keys, column="version, LENGTH(CAST(envelope AS BLOB))"):
            async with tx.execute(sql, params) as cursor:
                for r in await cursor.fetchall():
                    found[(r[0], r[1], r[2])] = VersionSize(r[3], r[4])
        return found

    async def list_held_versions(self, keys: Iterable[ObjectKey]) -> dict[ObjectKey, int]:
        """`versions`, read from committed data outside any transaction."""
        found: dict[ObjectKey, int] = {}
        for sql, params in version_queries(keys):
            for r in await self._db.fetch_all(sql, params):
                found[(r[0], r[1], r[2])] = r[3]
        return found

    async def list_held_envelopes(self, keys: Iterable[ObjectKey]) -> dict[ObjectKey, dict[str, Any]]:
        """The stored envelopes of those of `keys` we hold, read from committed data in one query
        per few hundred keys; only the envelopes found are parsed."""
        found: dict[ObjectKey, dict[str, Any]] = {}
        for sql, params in version_queries(keys, column="envelope"):
            for r in await self._db.fetch_all(sql, params):
                found[(r[0], r[1], r[2])] = json.loads(r[3])
        return found

    async def store_replicas(self, tx: Connection, rows: Sequence[ObjectRow], at: str) -> None:
        """Store twins' objects; a row whose version is not newer than the stored one changes nothing."""
        await tx.executemany(
            "INSERT INTO objects (type, origin, id, version, status, starts_at, ends_at, envelope, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (type, origin, id) DO UPDATE SET version = excluded.version, status = excluded.status, "
            "starts_at = excluded.starts_at, ends_at = excluded.ends_at, envelope = excluded.envelope, "
            "received_at = excluded.received_at WHERE excluded.version > objects.version",
            [(*_values(r), r.envelope_json, at) for r in rows],
        )

    async def get(self, type_: str, origin: str, id_: str, *, tx: Connection | None = None) -> StoredObject | None:
        sql = "SELECT * FROM objects WHERE type = ? AND origin = ? AND id = ?"
        if tx is not None:
            row = await (await tx.execute(sql, (type_, origin, id_))).fetchone()
        else:
            row = await self._db.fetch_one(sql, (type_, origin, id_))
        return StoredObject.from_row(row) if row else None

    async def list_feed_texts(self, origin: str, peer_id: str, after: int, limit: int) -> list[tuple[int, str]]:
        """Our own objects that `peer_id` may see, changed after `after`, in feed order: (seq, the
        envelope's JSON text as stored), so that a page is served without parsing them."""
        rows = await self._db.fetch_all(
            "SELECT o.seq, o.envelope FROM objects o WHERE o.origin = ? AND o.seq > ? AND (o.audience_all = 1 OR "
            "EXISTS (SELECT 1 FROM object_audience a WHERE a.object_pk = o.pk AND a.peer_id = ?)) "
            "ORDER BY o.seq LIMIT ?",
            (origin, after, peer_id, limit),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def list(
        self,
        type_: str,
        *,
        origin: str | None = None,
        exclude_origin: str | None = None,
        starts_before: str | None = None,
        ends_after: str | None = None,
        limit: int = 1000,
    ) -> builtins.list[StoredObject]:
        clauses, params = ["type = ?"], [type_]
        for clause, value in (
            ("origin = ?", origin),
            ("origin != ?", exclude_origin),
            ("starts_at < ?", starts_before),
            ("ends_at > ?", ends_after),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        rows = await self._db.fetch_all(
            f"SELECT * FROM objects WHERE {' AND '.join(clauses)} ORDER BY starts_at, origin, id LIMIT ?",
            (*params, limit),
        )
        return [StoredObject.from_row(r) for r in rows]

    async def get_audience(self, type_: str, origin: str, id_: str) -> builtins.list[str] | None:
        """The peers a local object is shown to (None: every twin)."""
        row = await self._db.fetch_one(
            "SELECT pk, audience_all FROM objects WHERE type = ? AND origin = ? AND id = ?",
            (type_, origin, id_),
        )
        if row is None or row["audience_all"]:
            return None
        peers = await self._db.fetch_all("SELECT peer_id FROM object_audience WHERE object_pk = ?", (row["pk"],))
        return [p["peer_id"] for p in peers]

    async def delete_replica(self, tx: Connection, key: ObjectKey, up_to_version: int) -> int | None:
        """Delete a twin's object held at `up_to_version` or below (a retraction); the size of the
        envelope deleted, or None when nothing was. The database zeroes the freed bytes."""
        cursor = await tx.execute(
            "DELETE FROM objects WHERE type = ? AND origin = ? AND id = ? AND version <= ? AND seq IS NULL "
            "RETURNING LENGTH(CAST(envelope AS BLOB))",
            (*key, up_to_version),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def delete_replicas_of(self, tx: Connection, type_: str, origin: str) -> tuple[int, int]:
        """Delete every object of one type a twin sent us (the twinning ended); (count, bytes)."""
        cursor = await tx.execute(
            "DELETE FROM objects WHERE type = ? AND origin = ? AND seq IS NULL "
            "RETURNING LENGTH(CAST(envelope AS BLOB))",
            (type_, origin),
        )
        sizes = [int(r[0]) for r in await cursor.fetchall()]
        return len(sizes), sum(sizes)

    async def get_max_seq(self) -> int:
        row = await self._db.fetch_one("SELECT value FROM counters WHERE name = 'feed_seq'")
        return int(row["value"]) if row else 0


def version_queries(keys: Iterable[ObjectKey], column: str = "version") -> list[tuple[str, list[str]]]:
    unique = list(set(keys))
    queries = []
    for start in range(0, len(unique), 300):  # SQLite's default limit is 999 bound parameters
        chunk = unique[start : start + 300]
        where = " OR ".join(["(type = ? AND origin = ? AND id = ?)"] * len(chunk))
        queries.append((f"SELECT type, origin, id, {column} FROM objects WHERE {where}", [p for k in chunk for p in k]))
    return queries


def _values(row: ObjectRow) -> tuple[Any, ...]:
    return (row.type, row.origin, row.id, row.version, row.status, row.starts_at, row.ends_at)
