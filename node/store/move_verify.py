"""Proving that a PostgreSQL database holds exactly what a node's SQLite database holds.

Three checks, each reading both databases as streams (memory stays flat however large the
node): every copied table has the same rows (their number, and a digest of their contents
that does not depend on their order, so a row changed after the copy is found too); every
stored signed object verifies again with the keys as copied (node/store/signed.py); the
feed lists the same objects in the same order.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from itertools import zip_longest
from pathlib import Path
from typing import Any

import psycopg

from .signed import OwnKey, Rows, SignatureMismatch, check_signatures

Say = Callable[[str], None]
_DIGEST_BITS = 256
FEED = "SELECT type, origin, id, seq FROM objects WHERE seq IS NOT NULL ORDER BY seq"


class MoveError(Exception):
    """The move cannot start or did not verify; the message says why in a sentence."""


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A SQLite database opened for reading, closed when done (`with sqlite3.connect()` is not)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        yield conn


def copied_tables(lite: sqlite3.Connection) -> list[str]:
    """The node's tables, each after the tables it refers to; search indexes (virtual tables) are
    the database's own and are not copied."""
    rows = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    names = [n for n, _ in rows if not n.startswith("sqlite_") and n not in virtual]
    names = [n for n in names if not any(n.startswith(v + "_") for v in virtual)]
    refers = {n: [r[2] for r in lite.execute(f'PRAGMA foreign_key_list("{n}")') if r[2] in names] for n in names}
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for other in refers[name]:
            if other != name:
                visit(other)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def verify(lite: sqlite3.Connection, pg: psycopg.Connection[Any], say: Say, node_id: str, own_key: OwnKey) -> None:
    """Raise MoveError unless PostgreSQL holds what SQLite holds."""
    say("Verifying: comparing every table's rows.")
    compared = sum(_compare_table(lite, pg, table) for table in copied_tables(lite))
    say(f"Every table has the same rows ({compared:,} rows compared).")
    try:
        checked = check_signatures(pg_rows(pg), node_id, own_key)
    except SignatureMismatch as exc:
        raise MoveError(str(exc)) from exc
    counts = ", ".join(f"{c.count:,} {c.what}" for c in checked if c.count)
    say(f"All {sum(c.count for c in checked):,} stored signatures verify ({counts}).")
    for ours, theirs in zip_longest(lite.execute(FEED), pg_rows(pg)(FEED)):
        if ours is None or theirs is None or tuple(ours) != tuple(theirs):
            raise MoveError("the feed's order differs between SQLite and PostgreSQL")
    say("The feed is in the same order.")


def _compare_table(lite: sqlite3.Connection, pg: psycopg.Connection[Any], table: str) -> int:
    names = ", ".join(f'"{c[1]}"' for c in lite.execute(f'PRAGMA table_info("{table}")'))
    sql = f'SELECT {names} FROM "{table}"'
    want, want_digest = digest(lite.execute(sql))
    have, have_digest = digest(pg_rows(pg)(sql))
    if want != have:
        raise MoveError(f"{table} has {have:,} rows in PostgreSQL and {want:,} in SQLite")
    if want_digest != have_digest:
        raise MoveError(f"{table} has as many rows in PostgreSQL as in SQLite, but not the same contents")
    return want


def digest(rows: Iterable[tuple[Any, ...]]) -> tuple[int, int]:
    """(how many rows, the sum of their hashes): equal for the same rows in any order."""
    count, total = 0, 0
    for row in rows:
        text = repr(tuple(_comparable(v) for v in row)).encode("utf-8", "surrogatepass")
        total += int.from_bytes(hashlib.blake2b(text, digest_size=_DIGEST_BITS // 8).digest(), "big")
        count += 1
    return count, total % (1 << _DIGEST_BITS)


def _comparable(value: Any) -> str | bytes | None:
    """One value as both databases give it back: bytes as bytes, everything else as text (SQLite
    may hand back a number where PostgreSQL's column holds its text, and booleans as 0 and 1)."""
    if value is None:
        return None
    if isinstance(value, memoryview | bytes):
        return bytes(value)
    return str(int(value) if isinstance(value, bool) else value)


def pg_rows(pg: psycopg.Connection[Any]) -> Rows:
    """A query's rows, read from a server-side cursor a few thousand at a time."""

    def rows(sql: str) -> Iterator[tuple[Any, ...]]:
        with pg.transaction(), pg.cursor(name="gemella_verify") as cursor:
            cursor.itersize = 2000
            cursor.execute(sql)
            yield from cursor

    return rows
