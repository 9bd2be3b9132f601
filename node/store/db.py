"""The SQLite connection pair, migrations and transactions.

SQLite has one writer at a time, so writes go through one connection behind an asyncio lock
(`Database.transaction()`); reads use a second connection, which in WAL mode sees only
committed data and never waits for the writer. Nothing here knows about the domain.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from .schema import migrations, statements

Row = sqlite3.Row
T = TypeVar("T")
# The page cache of the reader that full-text searches use (`read(..., wide=True)`): a directory
# search for a word found in thousands of cards reads each one's row; with SQLite's default 2 MB,
# 20,000 cards did not fit and every search went to the OS for them (4x slower). It is a reader of
# its own so that ordinary reads keep the default cache: a twin's flood of large events, read once
# by the week's listing, must not grow the node by the 16 MB (tests/hostile/test_floods.py).
SEARCH_CACHE_KIB = 16 * 1024
# One in so many of `Database.decide_on_loop`'s decisions goes to the writer's thread, where the
# WAL is checkpointed: with a few pages per decision the WAL stays near SQLite's 1,000 pages.
LOOP_DECISIONS_PER_TRIP = 64
# Every connection that may write: WAL + NORMAL is durable across process crashes, and deleted
# rows are overwritten with zeros (an erased member's name must not stay in the file).
CONNECTION_PRAGMAS = ("foreign_keys = ON", "synchronous = NORMAL", "secure_delete = ON")
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_RETRY_SECONDS = 1.0


class Database:
    """Owns the writer and reader connections of one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._search_reader: aiosqlite.Connection | None = None
        self._loop_writer: sqlite3.Connection | None = None  # see fetch_by_key and decide_on_loop
        self._loop_decisions = 0
        self._lock = asyncio.Lock()
        self._checkpoint_retry: asyncio.Task[None] | None = None

    async def open(self) -> None:
        make_private(self.path)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode = WAL")
        await migrate(self._writer)
        self._reader = await self._connect()
        self._search_reader = await self._connect()
        await self._search_reader.execute(f"PRAGMA cache_size = -{SEARCH_CACHE_KIB}")
        self._loop_writer = _loop_writer(self.path)

    async def close(self) -> None:
        if self._checkpoint_retry is not None:
            self._checkpoint_retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoint_retry
        if self._loop_writer is not None:
            self._loop_writer.close()
        self._loop_writer = None
        for conn in (self._search_reader, self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in (*CONNECTION_PRAGMAS, f"busy_timeout = {BUSY_TIMEOUT_MS}"):
            await conn.execute(f"PRAGMA {pragma}")
        return conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                yield self._writer
            except BaseException:
                # Also when the task was cancelled while BEGIN was on its way: aiosqlite still runs
                # it, in order, so this ROLLBACK follows it and the writer is never left inside a
                # transaction for the next caller. If BEGIN never ran, there is nothing to undo.
                with contextlib.suppress(sqlite3.OperationalError):
                    await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    @staticmethod
    @asynccontextmanager
    async def savepoint(tx: aiosqlite.Connection, name: str) -> AsyncIterator[None]:
        """A nested step inside a transaction: if the block raises, only its own writes are undone
        (and the error goes on); the enclosing transaction stays open."""
        await tx.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await tx.execute(f"ROLLBACK TO {name}")
            await tx.execute(f"RELEASE {name}")
            raise
        await tx.execute(f"RELEASE {name}")

    async def decide(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """One write transaction in ONE trip to the writer's thread: `fn` runs there, between
        BEGIN IMMEDIATE and COMMIT (ROLLBACK if it raises), and its result comes back.

        For decisions that read and write several rows (a reservation at the host): each awaited
        statement of `transaction()` is a trip that waits its turn in the busy event loop while
        holding the write lock, and under load those waits, not the SQL, bound the throughput.
        `fn` must not block on anything but SQLite.
        """
        assert self._writer is not None, "database is not open"
        writer = self._writer
        async with self._lock:
            # aiosqlite runs any callable on its connection's thread; `_execute` is how its own
            # methods do it (the sqlite3 connection may only be used on that thread).
            result: T = await writer._execute(_in_transaction, lambda: writer._conn, fn)
            return result

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it, so that deleted data leaves the -wal file too.

        A reader on an older snapshot (`gemella backup` copying the file, another process) keeps
        the newest pages out of the database file, which then still holds what was deleted: the
        checkpoint is tried again, every CHECKPOINT_RETRY_SECONDS, until it is whole."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            whole = await _truncate_wal(self._writer)
        if not whole and (self._checkpoint_retry is None or self._checkpoint_retry.done()):
            self._checkpoint_retry = asyncio.get_running_loop().create_task(self._retry_checkpoint())

    async def _retry_checkpoint(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_RETRY_SECONDS)
            async with self._lock:
                writer = self._writer
                if writer is None:
                    return
                # Without waiting on the reader: the writer is not held up while it reads on.
                await writer.execute("PRAGMA busy_timeout = 0")
                try:
                    whole = await _truncate_wal(writer)
                finally:
                    await writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if whole:
                return

    async def reclaim_deleted(self, table: str, fts_index: str) -> None:
        """After deletions from `table`: its deleted rows' bytes leave the files. secure_delete has
        zeroed them in the table and its plain indexes; the FTS5 index `fts_index` keeps a deleted
        row's words in older segments until merged, so it is merged whole (`optimize`); then the
        WAL is emptied. The merge rewrites the index: call it once per burst of deletions."""
        async with self.transaction() as tx:
            await tx.execute(f"INSERT INTO {fts_index} ({fts_index}) VALUES ('optimize')")
        await self.checkpoint()

    async def is_answering(self) -> bool:
        """Whether the database answers a query (the health check)."""
        return await self.fetch_one("SELECT 1") is not None

    async def read(self, fn: Callable[[sqlite3.Connection], T], *, wide: bool = False) -> T:
        """Several queries as one consistent read, in ONE trip to the reader's thread: `fn` runs
        there inside a read transaction (one snapshot of the database: a write committed
        meanwhile is seen by all of its queries or by none), and its result comes back.
        `fn` must only read, and block on nothing but SQLite. `wide`: a full-text search, which
        revisits many rows at each call, runs on the reader with the large cache."""
        reader = self._search_reader if wide else self._reader
        assert reader is not None, "database is not open"
        result: T = await reader._execute(_in_read, lambda: reader._conn, fn)
        return result

    # One trip to the connection's thread per query (execute + fetch + close would be three): under
    # load each trip waits its turn in the event loop, so trips, not SQL, set the latency.
    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        assert self._reader is not None, "database is not open"
        return list(await self._reader.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query that selects at most one (all rows are fetched)."""
        assert self._reader is not None, "database is not open"
        rows = list(await self._reader.execute_fetchall(sql, tuple(params)))
        return rows[0] if rows else None

    async def write_one(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One statement that is atomic on its own (an upsert of one row by key), committed at once;
        returns its RETURNING rows. It runs on the event loop's thread as a short decision does
        (`decide_on_loop`: a request nonce's trip to the writer's thread cost the host more than
        the statement), SQLite's autocommit making it its own transaction. On PostgreSQL it runs
        beside the other workers' write transactions instead of taking turns with them."""
        assert self._writer is not None, "database is not open"

        def here(conn: sqlite3.Connection) -> list[Row]:
            return conn.execute(sql, tuple(params)).fetchall()  # all rows: the statement, and so it, ends

        async def there(writer: aiosqlite.Connection) -> list[Row]:  # outside BEGIN: it commits by itself
            return list(await writer.execute_fetchall(sql, tuple(params)))

        return await self._on_loop_writer(here, there)

    async def fetch_by_key(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The one row (or none) a query finds through a unique index, read on the event loop's own
        thread: such a read takes a few microseconds, the trip to the reader's thread and back some
        fifty (bench/booking.py makes several per reservation). Only for lookups by key: anything
        that scans would stall the loop, so it goes through `fetch_one`. It never waits: should SQLite
        be busy (a WAL being recovered), the reader's thread answers.

        The connection is the loop's writer (`decide_on_loop`), never inside a transaction here:
        its transactions begin and end within one call on this thread. Sharing it, reads keep the
        pages its own commits wrote in its cache; a reader connection of its own found its cache
        stale after each of them and read the pages again (strace on the home under
        bench/booking.py: ten `pread`s a reservation). A lookup must be a SELECT, or it is refused
        (`query_only` would say so too, but each change of that pragma makes SQLite compile every
        statement of the connection again)."""
        conn = self._loop_writer
        assert conn is not None, "database is not open"
        if not _is_select(sql):
            raise sqlite3.OperationalError("fetch_by_key only reads: a SELECT")
        try:
            # All rows, so the statement ends here and holds no snapshot open between reads.
            rows = conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return await self.fetch_one(sql, params)
        return rows[0] if rows else None

    async def decide_on_loop(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """As `decide`, for a short decision (a few statements by key): `fn` runs on the event
        loop's own thread, on a writer connection of its own. The trip to the writer's thread and
        back costs more than such a decision (two thread hand-offs, and the GIL passed to and fro
        under load: bench/booking.py, the home's bookkeeping). Holding the lock, no other write of
        this process is under way, so the write lock is free unless another process holds it;
        the connection then does not wait on the loop (no busy timeout), the writer's thread does.
        Checkpoints (which sync the files) stay off the loop: this connection makes none, and
        every `LOOP_DECISIONS_PER_TRIP`-th decision goes to the writer's thread, whose commit
        copies the WAL into the database once it holds 1,000 pages (SQLite's default)."""

        async def there(writer: aiosqlite.Connection) -> T:
            result: T = await writer._execute(_in_transaction, lambda: writer._conn, fn)
            return result

        return await self._on_loop_writer(lambda conn: _decided(conn, fn), there, begin=True)

    async def _on_loop_writer(
        self,
        here: Callable[[sqlite3.Connection], T],
        there: Callable[[aiosqlite.Connection], Awaitable[T]],
        begin: bool = False,
    ) -> T:
        """`here` on the loop's writer connection (after BEGIN IMMEDIATE if `begin`), unless the
        write lock is taken or it is this connection's turn to let a checkpoint happen: then
        `there` on the writer's thread (see `decide_on_loop`)."""
        writer, conn = self._writer, self._loop_writer
        assert writer is not None and conn is not None, "database is not open"
        async with self._lock:
            self._loop_decisions += 1
            if self._loop_decisions % LOOP_DECISIONS_PER_TRIP:
                try:  # only taking the write lock may find it busy; once taken, `here` runs to its end
                    if not begin:
                        return here(conn)  # one statement: a busy one changed nothing
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                        raise
                else:
                    return here(conn)
            return await there(writer)


async def _truncate_wal(writer: aiosqlite.Connection) -> bool:
    """Checkpoint and truncate the WAL; False when a reader or writer kept it from completing."""
    cursor = await writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    row = await cursor.fetchone()
    await cursor.close()
    return row is None or row[0] == 0


def _loop_writer(path: Path) -> sqlite3.Connection:
    """The connection of `Database.decide_on_loop`, `write_one` and `fetch_by_key`: the writer's
    settings, no busy timeout (it never sleeps on the event loop's thread), no checkpoints (the
    writer's thread makes them)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in (*CONNECTION_PRAGMAS, "busy_timeout = 0", "wal_autocheckpoint = 0"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


@functools.lru_cache(maxsize=512)
def _is_select(sql: str) -> bool:
    """Whether a statement only reads: a SELECT (a statement that writes begins otherwise, a WITH
    clause's included, and SQLite's functions write nothing)."""
    return sql.lstrip()[:6].upper() == "SELECT"


def make_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600, like the key), or narrow an
    existing one. SQLite gives its -wal and -shm files the database file's mode."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if part.exists() and part.stat().st_mode & 0o077:
            part.chmod(0o600)


def _in_transaction(connection: Callable[[], sqlite3.Connection], fn: Callable[[sqlite3.Connection], T]) -> T:
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    return _decided(conn, fn)


def _decided(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """`fn` inside the transaction `conn` has begun: committed, or rolled back if it raises."""
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _in_read(connection: Callable[[], sqlite3.Connection], fn: Callable[[sqlite3.Connection], T]) -> T:
    conn = connection()
    conn.execute("BEGIN")
    try:
        return fn(conn)
    finally:
        conn.execute("COMMIT")


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the numbered migrations this database has not seen yet; returns the schema version."""
    (current,) = await (await conn.execute("PRAGMA user_version")).fetchone() or (0,)
    for number, sql in _migrations():
        if number <= current:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        current = number
    return int(current)


def _migrations() -> list[tuple[int, str]]:
    return [(m.number, m.sql) for m in migrations("sqlite")]


_statements = statements
