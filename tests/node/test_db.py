import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from node.store.db import Database


async def open_db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "node.db")
    await db.open()
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    return db


async def test_decide__reads_and_writes_in_one_transaction_on_the_writer_thread(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    loop_thread = threading.get_ident()

    def add(conn: sqlite3.Connection) -> tuple[int, bool]:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        total = conn.execute("SELECT SUM(v) FROM t").fetchone()[0]
        return total, conn.in_transaction and threading.get_ident() != loop_thread

    try:
        assert await db.decide(add) == (1, True)
        assert [tuple(r) for r in await db.fetch_all("SELECT k, v FROM t")] == [("a", 1)]
    finally:
        await db.close()


@pytest.mark.parametrize("where", ["decide", "decide_on_loop"])
async def test_decide__a_raising_decision_changes_nothing(tmp_path: Path, where: str) -> None:
    db = await open_db(tmp_path)
    decide = getattr(db, where)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES ('b', 2)")
        raise LookupError("refused after a write")

    try:
        with pytest.raises(LookupError):
            await decide(half_done)
        assert await db.fetch_all("SELECT * FROM t") == []
        assert await decide(lambda conn: conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 0
        assert await decide(lambda conn: conn.in_transaction) is True  # no transaction left open
    finally:
        await db.close()


async def test_decide__concurrent_decisions_are_serialised(tmp_path: Path) -> None:
    # Read-then-write decisions never interleave: a hundred increments give a hundred.
    db = await open_db(tmp_path)

    def increment(conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT v FROM t WHERE k = 'n'").fetchone()
        conn.execute("INSERT OR REPLACE INTO t VALUES ('n', ?)", ((row[0] if row else 0) + 1,))

    try:
        await asyncio.gather(*(db.decide(increment) for _ in range(100)))
        assert (await db.fetch_one("SELECT v FROM t WHERE k = 'n'"))[0] == 100  # type: ignore[index]
    finally:
        await db.close()


async def test_fetch_by_key__reads_each_commit_at_once_and_never_waits_for_the_writer(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES ('a', 1)")
        assert tuple(await db.fetch_by_key("SELECT k, v FROM t WHERE k = ?", ("a",)) or ()) == ("a", 1)
        async with db.transaction() as tx:  # uncommitted: unseen, and the read does not wait for it
            await tx.execute("UPDATE t SET v = 2 WHERE k = 'a'")
            assert (await db.fetch_by_key("SELECT v FROM t WHERE k = 'a'") or [None])[0] == 1
        assert (await db.fetch_by_key("SELECT v FROM t WHERE k = 'a'") or [None])[0] == 2  # no snapshot kept
        assert await db.fetch_by_key("SELECT v FROM t WHERE k = ?", ("b",)) is None
    finally:
        await db.close()


async def test_fetch_by_key__never_writes(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.fetch_by_key("INSERT INTO t VALUES ('c', 3) RETURNING k")
        assert await db.fetch_all("SELECT * FROM t") == []
    finally:
        await db.close()


async def test_decide_on_loop__decides_on_the_loop_thread_in_turn_with_the_other_writes(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    loop_thread = threading.get_ident()
    threads = set()

    def increment(conn: sqlite3.Connection) -> None:
        threads.add(threading.get_ident())
        row = conn.execute("SELECT v FROM t WHERE k = 'n'").fetchone()
        conn.execute("INSERT OR REPLACE INTO t VALUES ('n', ?)", ((row[0] if row else 0) + 1,))

    async def through_a_transaction() -> None:
        async with db.transaction() as tx:
            rows = list(await tx.execute_fetchall("SELECT v FROM t WHERE k = 'n'"))
            await asyncio.sleep(0)  # the loop's decisions must wait for this transaction's end
            await tx.execute("INSERT OR REPLACE INTO t VALUES ('n', ?)", ((rows[0][0] if rows else 0) + 1,))

    try:
        writes = [(db.decide_on_loop(increment), db.decide(increment), through_a_transaction()) for _ in range(30)]
        await asyncio.gather(*(write for three in writes for write in three))
        assert (await db.fetch_one("SELECT v FROM t WHERE k = 'n'"))[0] == 90  # type: ignore[index]
        assert loop_thread in threads and len(threads) == 2
    finally:
        await db.close()


async def test_decide_on_loop__another_process_writing_is_waited_for_off_the_loop(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    loop_thread = threading.get_ident()
    other = sqlite3.connect(tmp_path / "node.db", isolation_level=None)  # as a second process would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES ('other', 1)")

    def add(conn: sqlite3.Connection) -> bool:
        conn.execute("INSERT INTO t VALUES ('ours', 2)")
        return threading.get_ident() != loop_thread

    try:
        deciding = asyncio.create_task(db.decide_on_loop(add))
        await asyncio.sleep(0.3)  # the loop runs meanwhile: the decision waits on the writer's thread
        assert not deciding.done()
        other.execute("COMMIT")
        assert await deciding is True
        assert sorted(r[0] for r in await db.fetch_all("SELECT k FROM t")) == ["other", "ours"]
    finally:
        other.close()
        await db.close()


async def test_decide_on_loop__the_wal_is_checkpointed_off_the_loop_and_stays_bounded(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    page = 4096

    def add(conn: sqlite3.Connection, n: int) -> None:
        conn.execute("INSERT INTO t VALUES (?, ?)", (f"{n:06d}" + "x" * 2000, n))

    try:
        for n in range(3000):  # two pages a decision: 6,000 pages if nothing checkpointed
            await db.decide_on_loop(lambda conn, n=n: add(conn, n))
        assert (tmp_path / "node.db-wal").stat().st_size < 1500 * page
        assert (await db.fetch_one("SELECT COUNT(*) FROM t"))[0] == 3000  # type: ignore[index]
    finally:
        await db.close()


async def test_write_one__commits_one_statement_on_the_loop_in_turn_with_the_other_writes(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    upsert = "INSERT INTO t VALUES ('n', 1) ON CONFLICT (k) DO UPDATE SET v = v + 1 RETURNING v"

    async def through_a_transaction() -> None:
        async with db.transaction() as tx:
            rows = list(await tx.execute_fetchall("SELECT v FROM t WHERE k = 'n'"))
            await asyncio.sleep(0)  # write_one must wait for this transaction's end
            await tx.execute("INSERT OR REPLACE INTO t VALUES ('n', ?)", ((rows[0][0] if rows else 0) + 1,))

    try:
        returned = await asyncio.gather(
            *(w for _ in range(30) for w in (db.write_one(upsert), through_a_transaction()))
        )
        assert (await db.fetch_one("SELECT v FROM t WHERE k = 'n'"))[0] == 60  # type: ignore[index]
        assert len({rows[0]["v"] for rows in returned if rows}) == 30  # each saw its own commit
        assert db._loop_writer is not None  # the loop's writer connection wrote them (a busy one, the writer's thread)
    finally:
        await db.close()


async def test_write_one__another_process_writing_is_waited_for_off_the_loop(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    other = sqlite3.connect(tmp_path / "node.db", isolation_level=None)  # as a second process would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES ('other', 1)")
    try:
        writing = asyncio.create_task(db.write_one("INSERT INTO t VALUES ('ours', 2) RETURNING v"))
        await asyncio.sleep(0.3)  # the loop runs meanwhile: the statement waits on the writer's thread
        assert not writing.done()
        other.execute("COMMIT")
        assert [tuple(r) for r in await writing] == [(2,)]
        assert sorted(r[0] for r in await db.fetch_all("SELECT k FROM t")) == ["other", "ours"]
    finally:
        other.close()
        await db.close()


async def test_write_one__the_wal_is_checkpointed_off_the_loop_and_stays_bounded(tmp_path: Path) -> None:
    db = await open_db(tmp_path)
    page = 4096
    try:
        for n in range(3000):  # two pages a statement: 6,000 pages if nothing checkpointed
            await db.write_one("INSERT INTO t VALUES (?, ?)", (f"{n:06d}" + "x" * 2000, n))
        assert (tmp_path / "node.db-wal").stat().st_size < 1500 * page
        assert (await db.fetch_one("SELECT COUNT(*) FROM t"))[0] == 3000  # type: ignore[index]
    finally:
        await db.close()
