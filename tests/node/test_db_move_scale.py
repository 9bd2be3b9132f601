"""`gemella db migrate` at scale, as an operator runs it: a node holding more than 10,000 signed
objects (events, slots, reservations and receipts both ways, made by real twinned nodes; see
tests/support/big_node.py) moved into PostgreSQL by the real command in its own process,
verified; killed half-way and resumed; caught when a row is altered after the copy; and then
running on PostgreSQL with the twin it knew."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from node.keystore import KeyStore
from node.store import Store
from node.store.move_verify import FEED, copied_tables, read_only
from node.store.signed import SIGNED_COLUMNS
from tests.booking.support import replica, reserve
from tests.support.big_node import Sizes, Twins, build_twins, copy_twins
from tests.support.nodes import InProcessNode, eventually
from tests.support.postgres import new_database_url, require

REPOSITORY = Path(__file__).resolve().parents[2]
BATCH = 100  # rows per transaction in the killed move: its second half is many commits long


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    """Rome and Oslo with Rome's 10,000+ signed objects, built once for the module."""
    require()
    return asyncio.run(build_twins(tmp_path_factory.mktemp("twins"), Sizes()))


def gemella(*args: str) -> subprocess.CompletedProcess[str]:
    """`gemella ARGS` in its own process, as an operator runs it: (exit code, stdout + stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "node.cli", *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def migrate_args(rome: InProcessNode, target: str, *more: str) -> list[str]:
    return ["db", "migrate", "--from", f"sqlite:///{rome.directory / 'node.db'}", "--to", target, *more]


def test_db_migrate__ten_thousand_signed_objects_moved_and_every_signature_verified(
    twins: Twins, tmp_path: Path, postgres_url: str
) -> None:
    rome, _ = copy_twins(twins, tmp_path)
    database = rome.directory / "node.db"
    assert signed_columns_in(database) == {(t, c) for t, c, _ in SIGNED_COLUMNS}, "a signed column is not re-verified"
    checked = gemella("db", "check", str(rome.directory), "--signatures")
    assert checked.returncode == 0, checked.stderr
    assert f"All {twins.sizes.rome_signed:,} stored signed objects verify." in checked.stdout, "on SQLite"

    moved = gemella(*migrate_args(rome, postgres_url))

    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert f"All {twins.sizes.rome_signed:,} stored signatures verify" in moved.stdout
    slots = twins.sizes.slots_each
    for part in (
        f"{slots:,} receipts signed for twins' members",
        f"{slots:,} receipts the hosts signed for this space's members",
        "1 waitlist places signed",
        f"{twins.sizes.while_oslo_down} objects waiting to be delivered",
        "1 twinning proposals, 1 twinning acceptances",
    ):
        assert part in moved.stdout, part
    objects = sizes_of(database)["objects"]
    assert f"Copied 2,000 of {objects:,} rows of objects; " in moved.stdout, "progress in sentences with counts"
    assert "Traceback" not in moved.stdout + moved.stderr
    assert sizes_of(database) == postgres_sizes(postgres_url, copied_tables_of(database)), "rows per table"
    assert list(sqlite_rows(database, FEED)) == list(postgres_rows(postgres_url, FEED)), "the feed's order"


def test_db_migrate__refuses_a_database_that_holds_another_node_in_a_sentence(twins: Twins, tmp_path: Path) -> None:
    rome, _ = copy_twins(twins, tmp_path)
    used = new_database_url()
    asyncio.run(_open_and_close(used))  # another node's tables

    refused = gemella(*migrate_args(rome, used))

    assert refused.returncode == 1
    assert refused.stderr == (
        "Error: The move stopped: the PostgreSQL database is not empty: a node moves only into a new, empty database.\n"
    )
    assert postgres_sizes(used, ["objects", "members"]) == {"objects": 0, "members": 0}, "nothing was copied"


async def _open_and_close(url: str) -> None:
    store = await Store(url).open()
    await store.close()


def test_db_migrate__killed_half_way_resumes_without_copying_twice_and_a_changed_row_is_caught(
    twins: Twins, tmp_path: Path, postgres_url: str
) -> None:
    rome, _ = copy_twins(twins, tmp_path)
    database = rome.directory / "node.db"
    total = sum(sizes_of(database).values())

    killed_at = kill_past_half(migrate_args(rome, postgres_url, "--batch", str(BATCH)))
    copied = sum(postgres_sizes(postgres_url, copied_tables_of(database)).values())
    assert total // 2 <= copied < total, f"killed at {killed_at}%: {copied} of {total} rows copied"

    resumed = gemella(*migrate_args(rome, postgres_url, "--batch", str(BATCH)))

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Resuming the move." in resumed.stdout
    assert f"{copied:,} of {total:,} rows were copied before the interruption." in resumed.stdout
    assert 0 < first_batch_in_all(resumed.stdout) - copied <= BATCH, "it went on from the row where it was killed"
    assert "The move is verified" in resumed.stdout
    assert sizes_of(database) == postgres_sizes(postgres_url, copied_tables_of(database)), "no row twice"

    tamper_with_one_receipt(postgres_url)
    use_database(rome, postgres_url)
    checked = gemella("db", "check", str(rome.directory), "--signatures")
    again = gemella(*migrate_args(rome, postgres_url))

    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert re.fullmatch(
        r"Error: The database does not hold what was signed: one of the receipts signed for twins' members "
        r"\(\S+, from http://127\.0\.0\.1:\d+\) no longer verifies\.\n",
        checked.stderr,
    ), checked.stderr
    assert again.returncode == 1
    assert again.stderr == (
        "Error: The move stopped: hosted_reservations has as many rows in PostgreSQL as in SQLite, "
        "but not the same contents.\n"
    )


def kill_past_half(args: list[str]) -> int:
    """Run `gemella ARGS`; SIGKILL it as soon as its progress passes 50%; the percentage seen."""
    process = subprocess.Popen(
        [sys.executable, "-m", "node.cli", *args],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:
        if found := re.search(r"\((\d+)%\)\.$", line.strip()):
            seen = int(found.group(1))
            if seen >= 50:
                process.send_signal(signal.SIGKILL)
                break
    process.wait(30)
    assert process.returncode == -signal.SIGKILL, f"the move ended before it was killed ({seen}%)"
    return seen


def first_batch_in_all(output: str) -> int:
    """How many rows in all its first progress sentence says are copied."""
    found = re.search(r"^Copied [\d,]+ of [\d,]+ rows of \w+; ([\d,]+) of", output, re.M)
    assert found, output
    return int(found.group(1).replace(",", ""))


def tamper_with_one_receipt(url: str) -> None:
    """Give one receipt Rome signed as host a seat more, as a hand-edited row would."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT id, receipt FROM hosted_reservations LIMIT 1").fetchone()
        assert row is not None
        reservation_id, receipt = row
        conn.execute(
            "UPDATE hosted_reservations SET receipt = %s WHERE id = %s",
            (receipt.replace('"seats":1', '"seats":2', 1), reservation_id),
        )


def signed_columns_in(database: Path) -> set[tuple[str, str]]:
    """Every (table, column) of the database that holds a signed envelope in some row."""
    found = set()
    with read_only(database) as conn:
        for table in copied_tables(conn):
            for column in [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]:
                sql = f'SELECT 1 FROM "{table}" WHERE "{column}" LIKE \'{{"object":%"signature":{{"kid":%\' LIMIT 1'
                if conn.execute(sql).fetchone():
                    found.add((table, column))
    return found


def copied_tables_of(database: Path) -> list[str]:
    with read_only(database) as conn:
        return copied_tables(conn)


def sizes_of(database: Path) -> dict[str, int]:
    with read_only(database) as conn:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in copied_tables(conn)}


def postgres_sizes(url: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: (conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone() or (0,))[0] for t in tables}


def sqlite_rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with read_only(database) as conn:
        return conn.execute(sql).fetchall()


def postgres_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


async def test_db_migrate__the_moved_node_twins_books_and_its_twin_catches_up_from_its_old_cursor(
    twins: Twins, tmp_path: Path, postgres_url: str
) -> None:
    rome, oslo = copy_twins(twins, tmp_path)
    (old_cursor,) = sqlite_rows(
        oslo.directory / "node.db", f"SELECT feed_cursor FROM peer_state WHERE peer_id = '{rome.url}'"
    )
    unread = sqlite_rows(rome.directory / "node.db", f"SELECT id FROM objects WHERE seq > {old_cursor[0]} ORDER BY seq")
    assert len(unread) >= twins.sizes.while_oslo_down, "Oslo stopped before reading Rome's last events"
    moved = await asyncio.to_thread(gemella, *migrate_args(rome, postgres_url))
    assert moved.returncode == 0, moved.stdout + moved.stderr
    use_database(rome, postgres_url)
    await rome.start()
    await oslo.start()
    try:
        assert rome.node.settings.uses_postgresql
        await the_twinning_and_keys_survived(rome, oslo)
        after = [await publish(rome, f"On PostgreSQL {i}") for i in range(5)]

        items = await feed_after(oslo, rome, old_cursor[0])

        assert [i for i, _ in items] == [i for (i,) in unread] + after, "each change once, in order, from the cursor"
        assert [s for _, s in items] == sorted({s for _, s in items}) and items[0][1] > old_cursor[0]
        await eventually(lambda: cursor_at(oslo, rome), items[-1][1])
        events = twins.sizes.rome_events + twins.sizes.while_oslo_down + len(after)
        await eventually(lambda: stored_events(oslo, rome), events)
        assert await book_abroad(home=rome, host=oslo) == "confirmed", "Rome's member books at Oslo"
        assert await book_abroad(home=oslo, host=rome) == "confirmed", "Rome decides as host on PostgreSQL"
        checked = await asyncio.to_thread(gemella, "db", "check", str(rome.directory), "--signatures")
        assert checked.returncode == 0, checked.stderr
        assert "stored signed objects verify" in checked.stdout
    finally:
        for node in (rome, oslo):
            await node.stop()
            await node.close_session()


def use_database(node: InProcessNode, url: str) -> None:
    """Point the node's config at `url`, as the operator does after the move."""
    config = node.directory / "config.yaml"
    config.write_text(config.read_text().replace("sqlite:///node.db", url))


async def the_twinning_and_keys_survived(rome: InProcessNode, oslo: InProcessNode) -> None:
    (twinning,) = (await rome.api.ok("GET", "/api/v1/twins"))["items"]
    assert (twinning["peer"], twinning["status"]) == (oslo.url, "active")
    assert [t["status"] for t in (await oslo.api.ok("GET", "/api/v1/twins"))["items"]] == ["active"]
    kid = KeyStore.load(rome.directory / "keys").current.kid
    assert kid in await oslo.node.store.peers.get_keys(rome.url), "Oslo knows the key Rome signs with"


async def publish(node: InProcessNode, title: str) -> str:
    day = (date.today() + timedelta(days=40)).isoformat()
    body = {"title": title, "starts_at": f"{day}T18:00", "ends_at": f"{day}T19:00"}
    return str((await node.api.ok("POST", "/api/v1/events", body))["id"])


async def feed_after(reader: InProcessNode, origin: InProcessNode, cursor: int) -> list[tuple[str, int]]:
    """(id, seq) of what `origin`'s feed gives `reader` after `cursor`, every page."""
    items: list[tuple[str, int]] = []
    while True:
        page = await reader.node.client.get_feed(origin.url, cursor, 500)
        assert page.status == 200, page.body
        found = [(i["envelope"]["object"]["id"], i["seq"]) for i in page.json()["items"]]
        if not found:
            return items
        items += found
        cursor = found[-1][1]


async def cursor_at(reader: InProcessNode, origin: InProcessNode) -> int:
    return (await reader.node.store.peer_state.get(origin.url)).feed_cursor


async def stored_events(node: InProcessNode, origin: InProcessNode) -> int:
    return len(await node.node.store.objects.list("Event", origin=origin.url, limit=100_000))


async def book_abroad(home: InProcessNode, host: InProcessNode) -> str:
    """A new member of `home` reserves a seat of a slot `host` offers now: the receipt's status."""
    resource = {"kind": "meeting_room", "name": "Room after the move", "capacity": 4}
    room = await host.api.ok("POST", "/api/v1/resources", resource)
    day = (date.today() + timedelta(days=10)).isoformat()
    times = {"starts_at": f"{day}T07:00", "ends_at": f"{day}T08:00"}
    slot = await host.api.ok(
        "POST", "/api/v1/slots", {"resource_id": room["id"], "twin_id": home.url, "seats": 2} | times
    )
    body = {"display_name": "After the move", "email": f"after.{home.name.lower()}@example.org"}
    member = await home.api.ok("POST", "/api/v1/members", body)
    await eventually(lambda: replica(home, host, slot["id"], member), lambda found: found is not None)
    status, made = await reserve(home, member, slot_id=slot["id"], twin_id=host.url)
    assert status == 201, made
    return str(made["status"])
