"""The PostgreSQL backend: the same `Database` surface as the SQLite one, on psycopg 3.

Repositories hold a connection-like `tx` and call `tx.execute(sql, params)` with SQLite's
spelling; `PgConnection` translates each statement (node/store/dialect.py) and gives rows
that answer by index and by name like `sqlite3.Row`. `decide` and `read` run a synchronous
function on a synchronous connection in a thread, exactly as the SQLite backend runs it on
its connection's thread, so the host's reservation decision is one code path for both.

Nothing here keeps session state between transactions (no session-level prepared
statements, no `SET` without `LOCAL`, no session advisory locks), so a PgBouncer in
transaction mode may sit between the workers and the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from .dialect import to_postgres
from .schema import migrate_postgres

T = TypeVar("T")
# Connections per pool, all opened at start: a pool that grows under load makes requests wait for
# new connections (bench/booking.py on PostgreSQL: 13 reservations/s growing from 1, 71 from 4).
POOL_SIZE = 4
# Every write transaction of every worker takes this transaction-level advisory lock first:
# PostgreSQL then has one writer at a time, as SQLite does, so each property the code relies on
# (feed numbers committed in order, seats counted before they are taken, an outbox row replaced
# atomically) holds across workers. Released at COMMIT or ROLLBACK, so nothing outlives the
# transaction (PgBouncer in transaction mode is fine).
WRITE_LOCK = 0x67656D656C6C62
# Each transaction's opening in ONE round trip: psycopg would send BEGIN, then the lock or the
# isolation level, each a trip of its own (with no parameters psycopg sends the text as one
# simple query, so both statements travel together).
BEGIN_WRITE = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class PgRow:
    """A row by index, by (case-insensitive) name, as a tuple, and with `keys()`: sqlite3.Row's surface."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index, self._values = index, values

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key.lower()]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return tuple(self._values) == (tuple(other) if isinstance(other, PgRow | tuple) else other)

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"PgRow{tuple(self._values)!r}"


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], PgRow]:
    index = {column.name.lower(): i for i, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(index, values)


class _IntegralNumeric(Loader):
    """SUM() of integers is `numeric` on PostgreSQL and an integer on SQLite: give an int."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


class _BoolAsInteger(Dumper):
    """Flags are INTEGER 0/1 columns, as on SQLite; a Python bool is sent as that integer."""

    oid = psycopg.adapters.types["int8"].oid
    format = Format.TEXT

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


def _configure(conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> None:
    conn.adapters.register_loader("numeric", _IntegralNumeric)
    conn.adapters.register_dumper(bool, _BoolAsInteger)


class _Result:
    """What `tx.execute()` returns: awaitable (the cursor) and usable in `async with`, like aiosqlite's."""

    def __init__(self, run: Any) -> None:
        self._run = run

    def __await__(self) -> Any:
        return self._run.__await__()

    async def __aenter__(self) -> psycopg.AsyncCursor[PgRow]:
        self._cursor: psycopg.AsyncCursor[PgRow] = await self._run
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        await self._cursor.close()


class PgConnection:
    """An async connection that speaks the repositories' SQLite dialect (aiosqlite's surface)."""

    def __init__(self, conn: psycopg.AsyncConnection[PgRow]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Result:
        return _Result(self._execute(sql, tuple(params)))

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> psycopg.AsyncCursor[PgRow]:
        return await self.raw.cursor().execute(to_postgres(sql), params, prepare=False)

    async def execute_fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[PgRow]:
        cursor = await self._execute(sql, tuple(params))
        return await cursor.fetchall() if cursor.description else []

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self.raw.cursor() as cursor:
            await cursor.executemany(to_postgres(sql), [tuple(r) for r in rows])


class PgSyncConnection:
    """The synchronous twin of PgConnection, handed to `decide` and `read` functions."""

    def __init__(self, conn: psycopg.Connection[PgRow]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> psycopg.Cursor[PgRow]:
        return self.raw.cursor().execute(to_postgres(sql), tuple(params), prepare=False)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(to_postgres(sql), [tuple(r) for r in rows])


class PgDatabase:
    """Pools of connections to one PostgreSQL database, with the SQLite `Database`'s methods.

    Write transactions take turns, as on SQLite: behind a lock within one process (so a waiting
    writer holds no connection) and behind `WRITE_LOCK` across workers, so the repositories'
    read-then-write steps keep their meaning (docs/ARCHITECTURE.md, "Two databases")."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._async: AsyncConnectionPool[psycopg.AsyncConnection[PgRow]] | None = None
        self._sync: ConnectionPool[psycopg.Connection[PgRow]] | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        # Autocommit: a lone query (`fetch_*`) is one round trip, not BEGIN, query and COMMIT;
        # transactions say BEGIN themselves, together with their first statement.
        kwargs: dict[str, Any] = {"row_factory": _row_factory, "prepare_threshold": None, "autocommit": True}
        await asyncio.to_thread(self._migrate)
        self._async = AsyncConnectionPool(
            self.url, min_size=POOL_SIZE, max_size=POOL_SIZE, kwargs=kwargs, configure=_aconfigure, open=False
        )
        await self._async.open(wait=True)
        self._sync = ConnectionPool(
            self.url, min_size=POOL_SIZE, max_size=POOL_SIZE, kwargs=kwargs, configure=_configure, open=False
        )
        await asyncio.to_thread(self._sync.open, True)

    def _migrate(self) -> None:
        # No server-side prepared statements (psycopg prepares a query run 5 times, as the
        # migrations' lock is): behind PgBouncer in transaction mode they would be lost.
        with psycopg.connect(self.url, autocommit=True, prepare_threshold=None) as conn:
            migrate_postgres(conn)

    async def close(self) -> None:
        if self._async is not None:
            await self._async.close()
        if self._sync is not None:
            await asyncio.to_thread(self._sync.close)
        self._async = self._sync = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        assert self._async is not None, "database is not open"
        async with self._lock, self._async.connection() as conn:
            await conn.execute(BEGIN_WRITE, prepare=False)
            try:
                yield PgConnection(conn)
            except BaseException:
                await _rollback(conn)
                raise
            await conn.execute("COMMIT", prepare=False)

    @staticmethod
    @asynccontextmanager
    async def savepoint(tx: PgConnection, name: str) -> AsyncIterator[None]:
        """A nested step: if the block raises, only its own writes are undone."""
        async with tx.raw.transaction(savepoint_name=name):
            yield

    async def decide(self, fn: Callable[[Any], T]) -> T:
        """One write transaction on a worker thread: `fn` gets a synchronous connection."""
        assert self._sync is not None, "database is not open"
        async with self._lock:
            return await asyncio.to_thread(self._run, fn, False)

    # As `decide` (the same function, not a call of it): a PostgreSQL server is a trip away
    # whatever the thread (SQLite's runs on the loop).
    decide_on_loop = decide

    async def read(self, fn: Callable[[Any], T], *, wide: bool = False) -> T:
        """Several queries in one snapshot (REPEATABLE READ, read only) on a worker thread. `wide`
        (a full-text search) changes nothing here: the server's shared buffers serve every reader."""
        assert self._sync is not None, "database is not open"
        return await asyncio.to_thread(self._run, fn, True)

    def _run(self, fn: Callable[[Any], T], read_only: bool) -> T:
        assert self._sync is not None
        with self._sync.connection() as conn:
            conn.execute(BEGIN_READ if read_only else BEGIN_WRITE, prepare=False)
            try:
                result = fn(PgSyncConnection(conn))
            except BaseException:
                with contextlib.suppress(psycopg.Error):  # a broken connection: the pool replaces it
                    conn.execute("ROLLBACK", prepare=False)
                raise
            conn.execute("COMMIT", prepare=False)
            return result

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL's deleted rows are reclaimed by VACUUM (docs/OPERATING.md)."""

    async def reclaim_deleted(self, table: str, fts_index: str) -> None:
        """After deletions from `table`: its deleted rows' bytes leave the database's files.

        A DELETE leaves the row in its page until VACUUM, and VACUUM frees the space without
        overwriting it; a GIN index (`fts_index`'s counterpart, 0070) keeps a deleted row's words
        as keys even then. VACUUM FULL writes the table, its TOAST and every index anew and drops
        the old files, so none of them holds a deleted row. It locks the table meanwhile (a
        directory search waits; about as long as FTS5's merge on SQLite): call it once per burst
        of deletions. What remains elsewhere is said in docs/OPERATING.md (the WAL, backups)."""
        assert self._async is not None, "database is not open"
        async with self._lock, self._async.connection() as conn:
            await conn.execute(sql.SQL("VACUUM (FULL) {}").format(sql.Identifier(table)))

    async def is_answering(self) -> bool:
        """Whether the database answers a query (the health check)."""
        return await self.fetch_one("SELECT 1") is not None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[PgRow]:
        assert self._async is not None, "database is not open"
        async with self._async.connection() as conn:
            return await PgConnection(conn).execute_fetchall(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> PgRow | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def write_one(self, sql: str, params: Iterable[Any] = ()) -> list[PgRow]:
        """One statement atomic on its own (an upsert of one row), in its own transaction and
        without `WRITE_LOCK`: the row's lock orders it against the other workers' statements.
        The pool's connections are in autocommit, so the statement commits itself in one trip."""
        return await self.fetch_all(sql, params)

    async def fetch_by_key(self, sql: str, params: Iterable[Any] = ()) -> PgRow | None:
        """As `fetch_one`: a PostgreSQL server is always a trip away (SQLite's reads it on the loop)."""
        return await self.fetch_one(sql, params)


async def _aconfigure(conn: psycopg.AsyncConnection[Any]) -> None:
    _configure(conn)


async def _rollback(conn: psycopg.AsyncConnection[Any]) -> None:
    """Undo the transaction; on a broken connection there is nothing to undo (the pool replaces it)."""
    with contextlib.suppress(psycopg.Error):
        await conn.execute("ROLLBACK", prepare=False)
