"""The events' own tables: series ends, copy links, export baselines and flags.

The events themselves are signed objects in the `objects` table; the range query joins it
here because only this feature knows that a recurring event lasts past its first occurrence.
Writes take the transaction's connection; one method per query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiosqlite import Connection

from node.store.db import Database, Row
from node.store.objects import StoredObject

from .window import shares as window_shares

SourceKey = tuple[str, str]  # (origin, id) of the event a copy re-hosts

# Events of one origin that may overlap a window: a single event that overlaps it, or a series
# that starts before its end and has not ended (or never does) before its start.
# The envelope with its description cut to ? characters, in each database's JSON functions.
_EXCERPT = {
    "sqlite": (
        "CASE WHEN length(json_extract(o.envelope, '$.object.description')) > ? THEN json_set(o.envelope, "
        "'$.object.description', substr(json_extract(o.envelope, '$.object.description'), 1, ?)) "
        "ELSE o.envelope END"
    ),
    "postgresql": (
        "CASE WHEN length(o.envelope::jsonb #>> '{object,description}') > ? THEN jsonb_set(o.envelope::jsonb, "
        "'{object,description}', to_jsonb(substr(o.envelope::jsonb #>> '{object,description}', 1, ?)))::text "
        "ELSE o.envelope END"
    ),
}
_IN_RANGE = (
    "FROM objects o LEFT JOIN event_series s ON s.origin = o.origin AND s.id = o.id "
    "WHERE o.type = 'Event' AND o.origin = ? AND o.starts_at < ? AND (o.ends_at > ? OR "
    "(s.origin IS NOT NULL AND (s.last_ends_at IS NULL OR s.last_ends_at > ?)))"
)


@dataclass(frozen=True)
class CopyLink:
    origin: str
    id: str
    source_origin: str
    source_id: str


@dataclass(frozen=True)
class Baseline:
    """What a re-hosted copy agreed with: the origin's version, and its watched fields then."""

    source_version: int
    watched: dict[str, Any]


@dataclass(frozen=True)
class Flag:
    """The origin of one of our exported copies changed its times or status."""

    pk: int
    event_id: str
    source_origin: str
    source_id: str
    source_version: int
    changes: list[dict[str, Any]]
    raised_at: str
    resolved_at: str | None
    resolution: str | None

    @classmethod
    def from_row(cls, row: Row) -> Flag:
        values = {k: row[k] for k in row.keys()}  # noqa: SIM118 (sqlite3.Row)
        values["changes"] = json.loads(values["changes"])
        return cls(**values)


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- derived indexes, written with the object ---------------------------------------------

    async def store_series(self, tx: Connection, origin: str, id_: str, last_ends_at: str | None) -> None:
        await tx.execute(
            "INSERT INTO event_series (origin, id, last_ends_at) VALUES (?, ?, ?) "
            "ON CONFLICT (origin, id) DO UPDATE SET last_ends_at = excluded.last_ends_at",
            (origin, id_, last_ends_at),
        )

    async def delete_series(self, tx: Connection, origin: str, id_: str) -> None:
        await tx.execute("DELETE FROM event_series WHERE origin = ? AND id = ?", (origin, id_))

    async def delete_series_many(self, tx: Connection, keys: Sequence[SourceKey]) -> None:
        await tx.executemany("DELETE FROM event_series WHERE origin = ? AND id = ?", keys)

    async def store_copy(self, tx: Connection, link: CopyLink) -> None:
        await tx.execute(
            "INSERT INTO event_copies (origin, id, source_origin, source_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin, id) DO UPDATE SET source_origin = excluded.source_origin, "
            "source_id = excluded.source_id",
            (link.origin, link.id, link.source_origin, link.source_id),
        )

    # -- reads ----------------------------------------------------------------------------------

    async def list_in_window(
        self, origins: Sequence[str], after: str, before: str, most: int, max_bytes: int, excerpt: int
    ) -> tuple[dict[str, int], dict[str, list[tuple[str, str | None]]]]:
        """Each origin's events with an occurrence that may overlap (after, before), by start: how
        many there are (counting no further than `most + 1`) and the first of them within the
        origin's fair share (`window.shares`) of `most` events and of about `max_bytes`. Each
        event comes as its envelope's JSON text with the description cut to `excerpt` characters
        (a listing carries no more; the caller reads them a few at a time), and with the end of
        its series' last occurrence when it is a series that ends. One consistent read: counted
        and read in one snapshot, so an event written meanwhile cannot push one that was
        counted out of its share unannounced."""
        envelope = _EXCERPT[self._db.dialect]
        count = f"SELECT COUNT(*), IFNULL(SUM(LENGTH(env)), 0) FROM (SELECT {envelope} AS env {_IN_RANGE} LIMIT ?) AS c"
        first = (
            "SELECT env, last FROM (SELECT env, last, LENGTH(env) AS size, SUM(LENGTH(env)) OVER (ORDER BY rn) "
            f"AS running FROM (SELECT {envelope} AS env, s.last_ends_at AS last, ROW_NUMBER() OVER (ORDER BY "
            f"o.starts_at, o.id) AS rn {_IN_RANGE} ORDER BY o.starts_at, o.id LIMIT ?) AS r) AS sized "
            "WHERE running - size < ? ORDER BY running"
        )
        where = (excerpt, excerpt)

        def read(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, list[tuple[str, str | None]]]]:
            sizes = {o: conn.execute(count, (*where, o, before, after, after, most + 1)).fetchone() for o in origins}
            counts = {origin: int(found[0]) for origin, found in sizes.items()}
            room = window_shares({origin: int(found[1]) for origin, found in sizes.items()}, max_bytes)
            found = {
                o: [(r[0], r[1]) for r in conn.execute(first, (*where, o, before, after, after, allowed, room[o]))]
                for o, allowed in window_shares(counts, most).items()
            }
            return counts, found

        return await self._db.read(read)

    async def list_with_id(self, id_: str, origins: Sequence[str]) -> list[StoredObject]:
        """Events with this id at any of these origins (ids are unique per origin only)."""
        if not origins:
            return []
        marks = ",".join("?" * len(origins))
        rows = await self._db.fetch_all(
            f"SELECT * FROM objects WHERE type = 'Event' AND id = ? AND origin IN ({marks}) ORDER BY origin",
            (id_, *origins),
        )
        return [StoredObject.from_row(r) for r in rows]

    async def list_also_at(
        self, sources: Iterable[SourceKey], origins: Sequence[str], per_source: int
    ) -> list[tuple[SourceKey, StoredObject]]:
        """The copies of these source events hosted by these origins, as stored events: at most
        one per origin (its lowest id) and `per_source` origins per source, in one query per 300
        sources. A twin may name one of our events in thousands of its own; the group stays small."""
        wanted = sorted(set(sources))
        if not wanted or not origins:
            return []
        marks = ",".join("?" * len(origins))
        found: list[tuple[SourceKey, StoredObject]] = []
        for start in range(0, len(wanted), 300):
            chunk = wanted[start : start + 300]
            where = " OR ".join(["(c.source_origin = ? AND c.source_id = ?)"] * len(chunk))
            rows = await self._db.fetch_all(
                "SELECT o.*, k.source_origin AS k_origin, k.source_id AS k_id FROM (SELECT source_origin, "
                "source_id, origin, MIN(id) AS id, ROW_NUMBER() OVER (PARTITION BY source_origin, source_id "
                "ORDER BY origin) AS n FROM event_copies c "
                f"WHERE ({where}) AND c.origin IN ({marks}) GROUP BY source_origin, source_id, origin) k "
                "JOIN objects o ON o.type = 'Event' AND o.origin = k.origin AND o.id = k.id WHERE k.n <= ? "
                "ORDER BY k.source_origin, k.source_id, o.origin",
                [*(part for key in chunk for part in key), *origins, per_source],
            )
            found += [((r["k_origin"], r["k_id"]), StoredObject.from_row(r)) for r in rows]
        return found

    async def list_events(self, keys: Iterable[SourceKey]) -> list[StoredObject]:
        """These events, those that are stored, in one query per 300."""
        wanted = sorted(set(keys))
        found: list[StoredObject] = []
        for start in range(0, len(wanted), 300):
            chunk = wanted[start : start + 300]
            where = " OR ".join(["(origin = ? AND id = ?)"] * len(chunk))
            rows = await self._db.fetch_all(
                f"SELECT * FROM objects WHERE type = 'Event' AND ({where})", [p for key in chunk for p in key]
            )
            found += [StoredObject.from_row(r) for r in rows]
        return found

    async def list_local_copies(self, tx: Connection, origin: str, source: SourceKey) -> list[str]:
        """Ids of `origin`'s (our) copies of the source event, read inside the transaction."""
        cursor = await tx.execute(
            "SELECT id FROM event_copies WHERE origin = ? AND source_origin = ? AND source_id = ? ORDER BY id",
            (origin, *source),
        )
        return [r[0] for r in await cursor.fetchall()]

    async def list_sources_with_copies(
        self, tx: Connection, origin: str, sources: Sequence[SourceKey]
    ) -> set[SourceKey]:
        """Which of these source events `origin` (we) hosts copies of, in one query."""
        if not sources:
            return set()
        cursor = await tx.execute(
            "SELECT DISTINCT source_origin, source_id FROM event_copies WHERE origin = ?", (origin,)
        )
        hosted = {(r[0], r[1]) for r in await cursor.fetchall()}
        return hosted & set(sources)

    async def list_calendar(self, origin: str, ends_after: str, limit: int) -> list[StoredObject]:
        """Our events for the public calendar: those shown to every twin, and every copy we host."""
        rows = await self._db.fetch_all(
            "SELECT o.* FROM objects o LEFT JOIN event_series s ON s.origin = o.origin AND s.id = o.id "
            "WHERE o.type = 'Event' AND o.origin = ? AND (o.audience_all = 1 OR EXISTS (SELECT 1 FROM "
            "event_copies c WHERE c.origin = o.origin AND c.id = o.id)) AND (o.ends_at > ? OR "
            "(s.origin IS NOT NULL AND (s.last_ends_at IS NULL OR s.last_ends_at > ?))) "
            "ORDER BY o.starts_at, o.id LIMIT ?",
            (origin, ends_after, ends_after, limit),
        )
        return [StoredObject.from_row(r) for r in rows]

    async def get_calendar_version(self) -> tuple[Any, ...]:
        """What the public calendar is built from, in a few numbers: the feed position (every
        change of ours moves it), the open flags' state, and the names of the twins."""
        row = await self._db.fetch_one(
            "SELECT (SELECT value FROM counters WHERE name = 'feed_seq'), "
            "(SELECT COUNT(*) || ':' || IFNULL(MAX(pk), 0) || ':' || IFNULL(SUM(source_version), 0) "
            "FROM event_flags WHERE resolved_at IS NULL), "
            "(SELECT COUNT(*) || ':' || IFNULL(MAX(fetched_at), '') FROM peers)"
        )
        return tuple(row) if row is not None else ()

    # -- baselines and flags ------------------------------------------------------------------

    async def get_baseline(self, tx: Connection, event_id: str) -> Baseline | None:
        cursor = await tx.execute(
            "SELECT source_version, watched FROM export_baselines WHERE event_id = ?", (event_id,)
        )
        row = await cursor.fetchone()
        return Baseline(int(row[0]), json.loads(row[1])) if row else None

    async def store_baseline(
        self, tx: Connection, event_id: str, source_version: int, watched: dict[str, Any], at: str
    ) -> None:
        await tx.execute(
            "INSERT INTO export_baselines (event_id, source_version, watched, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (event_id) DO UPDATE SET source_version = excluded.source_version, "
            "watched = excluded.watched, updated_at = excluded.updated_at",
            (event_id, source_version, json.dumps(watched, sort_keys=True), at),
        )

    async def store_flag(
        self,
        tx: Connection,
        event_id: str,
        source: SourceKey,
        source_version: int,
        changes: list[dict[str, Any]],
        at: str,
    ) -> None:
        """Open a flag on our copy, or bring its open flag up to the origin's latest change."""
        text = json.dumps(changes)
        cursor = await tx.execute(
            "UPDATE event_flags SET source_version = ?, changes = ? WHERE event_id = ? AND resolved_at IS NULL",
            (source_version, text, event_id),
        )
        if cursor.rowcount == 0:
            await tx.execute(
                "INSERT INTO event_flags (event_id, source_origin, source_id, source_version, changes, raised_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, *source, source_version, text, at),
            )

    async def store_flag_resolution(self, tx: Connection, event_id: str, resolution: str, at: str) -> bool:
        """Close the open flag of a copy; False if it had none."""
        cursor = await tx.execute(
            "UPDATE event_flags SET resolved_at = ?, resolution = ? WHERE event_id = ? AND resolved_at IS NULL",
            (at, resolution, event_id),
        )
        return cursor.rowcount > 0

    async def get_open_flag(self, tx: Connection, event_id: str) -> Flag | None:
        sql = "SELECT * FROM event_flags WHERE event_id = ? AND resolved_at IS NULL"
        row = await (await tx.execute(sql, (event_id,))).fetchone()
        return Flag.from_row(row) if row else None

    async def store_recorded_late(self, tx: Connection, event_id: str, at: str) -> None:
        """An event recorded after it began (the operator said so): listed as such."""
        await tx.execute(
            "INSERT INTO events_recorded_late (event_id, recorded_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
            (event_id, at),
        )

    async def is_recorded_late(self, event_id: str) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM events_recorded_late WHERE event_id = ?", (event_id,))
        return row is not None

    async def list_recorded_late(self) -> set[str]:
        rows = await self._db.fetch_all("SELECT event_id FROM events_recorded_late")
        return {r["event_id"] for r in rows}

    async def list_open_flags(self) -> list[Flag]:
        rows = await self._db.fetch_all("SELECT * FROM event_flags WHERE resolved_at IS NULL ORDER BY raised_at, pk")
        return [Flag.from_row(r) for r in rows]
