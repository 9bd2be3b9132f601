"""Moving a stopped node's SQLite database into an empty PostgreSQL database, and proving it.

The copy goes table by table in SQLite's rowid order, a batch per PostgreSQL transaction that
also records how far it got (`gemella_move`), so an interrupted move resumes where it stopped.
A database that holds anything else is refused: a move never mixes two nodes. Then it is
verified: the same rows per table, every stored object's signature checked again with the
keys as they were copied, and the feed in the same order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from protocol.envelope import open_envelope, read_envelope, signer_of
from protocol.json_text import loads
from protocol.keys import VerifyKey

from .schema import migrate_postgres

BATCH = 2000
Say = Callable[[str], None]
OwnKey = Callable[[str], VerifyKey | None]  # the node's own key (current or old) by kid


class MoveError(Exception):
    """The move cannot start or did not verify; the message says why in a sentence."""


def move(source: Path, target: str, say: Say, *, node_id: str, own_key: OwnKey, batch: int = BATCH) -> None:
    """Copy `source` into `target` (resuming a move that was interrupted), then verify."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as lite, psycopg.connect(target, autocommit=True) as pg:
        _prepare(pg, say)
        for table in _tables(lite):
            _copy_table(lite, pg, table, batch, say)
        _reset_identities(pg, say)
        verify(lite, pg, say, node_id, own_key)
        pg.execute("UPDATE gemella_move SET verified = 1")
    say("The move is verified: the PostgreSQL database holds exactly this node.")


def _prepare(pg: psycopg.Connection[Any], say: Say) -> None:
    tables = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    if "gemella_move" in tables:
        say("Resuming the move that was interrupted.")
        return
    if tables:
        raise MoveError("the PostgreSQL database is not empty: a node moves only into a new, empty database")
    say("Creating the tables in PostgreSQL.")
    migrate_postgres(pg)
    with pg.transaction():
        for (table,) in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            if table != "gemella_schema":
                pg.execute(f'DELETE FROM "{table}"')  # rows a migration seeds come from the node instead
        pg.execute("CREATE TABLE gemella_move (tbl TEXT PRIMARY KEY, last_rowid BIGINT NOT NULL, verified INTEGER)")


def _tables(lite: sqlite3.Connection) -> list[str]:
    """The node's tables, each after the tables it refers to; search indexes (virtual tables) are
    the database's own and are not copied."""
    rows = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    names = [n for n, _ in rows if not n.startswith("sqlite_") and n not in virtual]
    names = [n for n in names if not any(n.startswith(v + "_") for v in virtual)]
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for ref in lite.execute(f'PRAGMA foreign_key_list("{name}")'):
            if ref[2] != name and ref[2] in names:
                visit(ref[2])
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def _copy_table(lite: sqlite3.Connection, pg: psycopg.Connection[Any], table: str, batch: int, say: Say) -> None:
    done = pg.execute("SELECT last_rowid FROM gemella_move WHERE tbl = %s", (table,)).fetchone()
    last = int(done[0]) if done else -(2**63)
    total = lite.execute(f'SELECT COUNT(*) FROM "{table}" WHERE rowid > ?', (last,)).fetchone()[0]
    if total == 0:
        _mark(pg, table, last)
        return
    columns = [c[1] for c in lite.execute(f'PRAGMA table_info("{table}")')]
    names = ", ".join(f'"{c}"' for c in columns)
    say(f"Copying {total} rows of {table}.")
    for rows in _batches(lite, f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid', last, batch):
        with pg.transaction():  # the rows and how far the copy got, together or not at all
            with pg.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row[1:])
            _mark(pg, table, rows[-1][0])


def _batches(lite: sqlite3.Connection, sql: str, after: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
    while rows := lite.execute(sql + " LIMIT ?", (after, size)).fetchall():
        yield rows
        after = rows[-1][0]


def _mark(pg: psycopg.Connection[Any], table: str, last: int) -> None:
    pg.execute(
        "INSERT INTO gemella_move (tbl, last_rowid) VALUES (%s, %s) "
        "ON CONFLICT (tbl) DO UPDATE SET last_rowid = excluded.last_rowid",
        (table, last),
    )


def _reset_identities(pg: psycopg.Connection[Any], say: Say) -> None:
    """Identity columns continue after the highest copied value."""
    identities = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        pg.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
        )


def verify(lite: sqlite3.Connection, pg: psycopg.Connection[Any], say: Say, node_id: str, own_key: OwnKey) -> None:
    """Raise MoveError unless PostgreSQL holds what SQLite holds."""
    for table in _tables(lite):
        want = lite.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        (have,) = pg.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone() or (0,)
        if want != have:
            raise MoveError(f"{table} has {have} rows in PostgreSQL and {want} in SQLite")
    say("Every table has the same number of rows.")
    checked = _verify_signatures(pg, node_id, own_key)
    say(f"All {checked} stored objects' signatures verify.")
    query = "SELECT type, origin, id, seq FROM objects WHERE seq IS NOT NULL ORDER BY seq"
    if lite.execute(query).fetchall() != [tuple(r) for r in pg.execute(query).fetchall()]:
        raise MoveError("the feed's order differs between SQLite and PostgreSQL")
    say("The feed is in the same order.")


def _verify_signatures(pg: psycopg.Connection[Any], node_id: str, own_key: OwnKey) -> int:
    keys = {
        (n, k): VerifyKey.from_b64url(p) for n, k, p in pg.execute("SELECT node_id, kid, public_key FROM peer_keys")
    }
    count = 0
    for origin, text in pg.execute("SELECT origin, envelope FROM objects"):
        envelope = read_envelope(loads(text))
        signer, kid = signer_of(envelope)
        key = own_key(kid) if signer == node_id else keys.get((signer, kid))
        if key is None:
            raise MoveError(f"no key {kid} of {signer} to verify an object from {origin}")
        try:
            open_envelope(envelope, key, signer=signer)
        except Exception as exc:
            raise MoveError(f"an object from {origin} no longer verifies: {exc}") from exc
        count += 1
    return count
