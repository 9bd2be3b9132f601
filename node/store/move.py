"""Moving a stopped node's SQLite database into an empty PostgreSQL database, and proving it.

The copy goes table by table in SQLite's rowid order, a batch per PostgreSQL transaction that
also records how far it got (`gemella_move_tables`), so an interrupted move resumes where it
stopped and never copies a row twice. `gemella_move` says whose move it is and how far the
whole went (tables created, verified): a database that holds anything else, or another
node's move, is refused, so a move never mixes two nodes. Then it is verified
(node/store/move_verify.py): the same rows in every table, every stored signature checked
again with the keys as they were copied, and the feed in the same order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from .move_verify import MoveError, Say, copied_tables, read_only, verify
from .schema import migrate_postgres, migrations
from .signed import OwnKey

BATCH = 2000
MOVE_TABLES = ("gemella_move", "gemella_move_tables")

__all__ = ["BATCH", "MoveError", "move"]


def move(source: Path, target: str, say: Say, *, node_id: str, own_key: OwnKey, batch: int = BATCH) -> None:
    """Copy `source` into `target` (resuming a move that was interrupted), then verify."""
    _check_stopped(source)
    with read_only(source) as lite, psycopg.connect(target, autocommit=True) as pg:
        _check_source(lite)
        if not _prepare(pg, node_id, say):
            tables = copied_tables(lite)
            progress = Progress(say, _copied_before(lite, pg, tables))
            for table in tables:
                _copy_table(lite, pg, table, batch, progress)
            _reset_identities(pg)
        verify(lite, pg, say, node_id, own_key)
        pg.execute("UPDATE gemella_move SET verified = 1")
    say("The move is verified: the PostgreSQL database holds exactly this node.")


def _check_stopped(source: Path) -> None:
    """A running node keeps its database open, and rows it writes during the copy would be lost:
    SQLite grants an exclusive lock only when no other connection has the database open."""
    if not source.is_file():
        raise MoveError(f"{source} does not exist")
    probe = sqlite3.connect(source, timeout=1.0)
    try:
        probe.execute("PRAGMA locking_mode = EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.rollback()
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise MoveError("the node is still running (its database is in use): stop it, then move it") from exc
    finally:
        probe.close()


def _check_source(lite: sqlite3.Connection) -> None:
    """The copy goes into the schema of this release: the SQLite file must be at its version."""
    (version,) = lite.execute("PRAGMA user_version").fetchone()
    latest = migrations("sqlite")[-1].number
    if version != latest:
        raise MoveError(
            f"the SQLite database is at schema version {version} and this release expects {latest}: "
            "start the node once with this release (it updates its database), stop it, then move it"
        )


def _prepare(pg: psycopg.Connection[Any], node_id: str, say: Say) -> bool:
    """Make the tables (or find the interrupted move's); True when the move was verified before,
    so nothing is copied again: a database the node has since run on is only checked."""
    tables = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    if "gemella_move" not in tables:
        if tables:
            raise MoveError("the PostgreSQL database is not empty: a node moves only into a new, empty database")
        with pg.transaction():
            pg.execute("CREATE TABLE gemella_move (node_id TEXT NOT NULL, tables_ready INTEGER, verified INTEGER)")
            pg.execute("CREATE TABLE gemella_move_tables (tbl TEXT PRIMARY KEY, last_rowid BIGINT NOT NULL)")
            pg.execute("INSERT INTO gemella_move (node_id, tables_ready, verified) VALUES (%s, 0, 0)", (node_id,))
        state: tuple[Any, ...] = (node_id, 0, 0)
    else:
        state = pg.execute("SELECT node_id, tables_ready, verified FROM gemella_move").fetchone() or ("?", 0, 0)
        if state[0] != node_id:
            raise MoveError(f"the PostgreSQL database holds the move of another node ({state[0]})")
        say("The move was done and verified before; checking it again." if state[2] else "Resuming the move.")
    if not state[1]:
        _create_tables(pg, say)
    return bool(state[2])


def _create_tables(pg: psycopg.Connection[Any], say: Say) -> None:
    say("Creating the tables in PostgreSQL.")
    migrate_postgres(pg)  # resumes too: each migration is its own transaction
    with pg.transaction():
        for (table,) in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            if table not in ("gemella_schema", *MOVE_TABLES):
                pg.execute(f'DELETE FROM "{table}"')  # rows a migration seeds come from the node instead
        pg.execute("UPDATE gemella_move SET tables_ready = 1")


class Progress:
    """Says how far the copy got, per table and in all, in sentences with counts."""

    def __init__(self, say: Say, before: dict[str, tuple[int, int]]) -> None:
        self.say = say
        self.before = before  # table -> (rows already copied, rows in all)
        self.total = sum(t for _, t in before.values())
        self.done = sum(d for d, _ in before.values())
        if self.done:
            say(f"{self.done:,} of {self.total:,} rows were copied before the interruption.")

    def copied(self, table: str, rows: int) -> None:
        self.done += rows
        table_done, table_total = self.before[table]
        self.before[table] = (table_done + rows, table_total)
        self.say(
            f"Copied {table_done + rows:,} of {table_total:,} rows of {table}; "
            f"{self.done:,} of {self.total:,} rows in all ({100 * self.done // max(self.total, 1)}%)."
        )


def _copied_before(lite: sqlite3.Connection, pg: psycopg.Connection[Any], tables: list[str]) -> dict[str, Any]:
    marks = dict(pg.execute("SELECT tbl, last_rowid FROM gemella_move_tables").fetchall())
    before = {}
    for table in tables:
        total = lite.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        done = 0
        if table in marks:
            done = lite.execute(f'SELECT COUNT(*) FROM "{table}" WHERE rowid <= ?', (marks[table],)).fetchone()[0]
        before[table] = (done, total)
    return before


def _copy_table(
    lite: sqlite3.Connection, pg: psycopg.Connection[Any], table: str, batch: int, progress: Progress
) -> None:
    done = pg.execute("SELECT last_rowid FROM gemella_move_tables WHERE tbl = %s", (table,)).fetchone()
    last = int(done[0]) if done else -(2**63)
    columns = [c[1] for c in lite.execute(f'PRAGMA table_info("{table}")')]
    names = ", ".join(f'"{c}"' for c in columns)
    select = f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid'
    for rows in _batches(lite, select, last, batch):
        with pg.transaction():  # the rows and how far the copy got, together or not at all
            with pg.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row[1:])
            _mark(pg, table, rows[-1][0])
        progress.copied(table, len(rows))
    if done is None:
        _mark(pg, table, last)  # an empty table: known to be done


def _batches(lite: sqlite3.Connection, sql: str, after: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
    while rows := lite.execute(sql + " LIMIT ?", (after, size)).fetchall():
        yield rows
        after = rows[-1][0]


def _mark(pg: psycopg.Connection[Any], table: str, last: int) -> None:
    pg.execute(
        "INSERT INTO gemella_move_tables (tbl, last_rowid) VALUES (%s, %s) "
        "ON CONFLICT (tbl) DO UPDATE SET last_rowid = GREATEST(gemella_move_tables.last_rowid, excluded.last_rowid)",
        (table, last),
    )


def _reset_identities(pg: psycopg.Connection[Any]) -> None:
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
