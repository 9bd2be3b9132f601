"""`gemella db migrate`: a stopped node moved from SQLite into PostgreSQL, interrupted half-way and
resumed, verified, and then working on PostgreSQL with its twin; `gemella db check` on both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from node.cli.main import cli
from node.keystore import KeyStore
from node.store import Store
from node.store.move import MoveError, move
from tests.events.support import publish, versions_at
from tests.support.nodes import InProcessNode, eventually, twin

ON_SQLITE = {"storage": {"database_url": "sqlite:///node.db"}}


class Interrupted(Exception):
    pass


async def _twinned_nodes_with_events(tmp_path: Path) -> tuple[InProcessNode, InProcessNode]:
    rome = await InProcessNode.create(tmp_path, "Rome", config=ON_SQLITE)
    oslo = await InProcessNode.create(tmp_path, "Oslo")
    await twin(rome, oslo)
    for day in range(10, 30):
        await publish(rome, title=f"Rome {day}", starts_at=f"2027-03-{day}T18:00", ends_at=f"2027-03-{day}T19:00")
        await publish(oslo, title=f"Oslo {day}", starts_at=f"2027-03-{day}T10:00", ends_at=f"2027-03-{day}T11:00")
    await eventually(lambda: _count(versions_at(rome, oslo)), 20)
    return rome, oslo


async def _count(versions: Any) -> int:
    return len(await versions)


async def test_db_migrate__interrupted_resumed_verified_and_the_node_works_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    rome, oslo = await _twinned_nodes_with_events(tmp_path)
    try:
        await rome.stop()
        database = rome.directory / "node.db"
        copying: list[str] = []

        def stop_on_the_third_batch(line: str) -> None:
            copying.extend([line] if line.startswith("Copied") else [])
            if len(copying) == 3:
                raise Interrupted  # as a kill half-way would: some batches committed, not all

        keys = KeyStore.load(rome.directory / "keys")
        with pytest.raises(Interrupted):
            move(database, postgres_url, stop_on_the_third_batch, node_id=rome.url, own_key=keys.verify_key, batch=5)
        runner = CliRunner()
        result = runner.invoke(
            cli, ["db", "migrate", "--from", f"sqlite:///{database}", "--to", postgres_url, "--batch", "5"]
        )
        assert result.exit_code == 0, result.output
        assert "Resuming the move" in result.output and "signatures verify" in result.output
        assert "The move is verified" in result.output

        config = rome.directory / "config.yaml"
        config.write_text(config.read_text().replace("sqlite:///node.db", postgres_url))
        check = runner.invoke(cli, ["db", "check", str(rome.directory)])
        assert check.exit_code == 0 and "sound" in check.output, check.output
        await rome.start()
        assert len(await versions_at(rome, oslo)) == 20, "the twin's events moved"
        assert rome.node.settings.uses_postgresql
        created = await publish(rome, title="After the move", starts_at="2027-04-01T18:00", ends_at="2027-04-01T19:00")
        await eventually(lambda: _has(oslo, rome, created["id"]), True)
        later = await publish(oslo, title="Oslo after", starts_at="2027-04-02T10:00", ends_at="2027-04-02T11:00")
        await eventually(lambda: _has(rome, oslo, later["id"]), True)
        await rome.stop()
        again = runner.invoke(cli, ["db", "migrate", "--from", f"sqlite:///{database}", "--to", postgres_url])
        assert again.exit_code == 1 and "checking it again" in again.output, again.output
        assert "objects has 42 rows in PostgreSQL and 40 in SQLite." in again.output, "a node that ran there"
        with psycopg.connect(postgres_url) as conn:
            assert conn.execute("SELECT COUNT(*) FROM objects").fetchone() == (42,), "nothing copied over it"
    finally:
        await rome.stop()
        await oslo.stop()
        await rome.close_session()
        await oslo.close_session()


async def _has(node: InProcessNode, origin: InProcessNode, event_id: str) -> bool:
    return event_id in await versions_at(node, origin)


async def test_db_migrate__refuses_a_database_that_is_not_empty(tmp_path: Path, postgres_url: str) -> None:
    rome = await InProcessNode.create(tmp_path, "Rome", config=ON_SQLITE)
    await rome.stop()
    used = await Store(postgres_url).open()  # another node's tables
    await used.close()
    keys = KeyStore.load(rome.directory / "keys")
    with pytest.raises(MoveError, match="not empty"):
        move(rome.directory / "node.db", postgres_url, lambda _: None, node_id=rome.url, own_key=keys.verify_key)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tokens").fetchone() == (0,), "nothing was copied"


def test_db_check__sqlite_node_is_sound(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["init", str(tmp_path / "n"), "--name", "N", "--url", "http://127.0.0.1:9"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(cli, ["db", "check", str(tmp_path / "n")])
    assert result.exit_code == 0 and "schema is at version" in result.output, result.output


async def test_db_migrate__refuses_a_node_that_is_still_running(tmp_path: Path) -> None:
    rome = await InProcessNode.create(tmp_path, "Rome", config=ON_SQLITE)
    try:
        keys = KeyStore.load(rome.directory / "keys")
        database, nowhere = rome.directory / "node.db", "postgresql://gemella@127.0.0.1:9/never-reached"
        with pytest.raises(MoveError, match="the node is still running"):
            move(database, nowhere, lambda _: None, node_id=rome.url, own_key=keys.verify_key)
        created = await publish(rome, title="Still here", starts_at="2027-05-01T18:00", ends_at="2027-05-01T19:00")
        assert created["id"], "the node was not disturbed"
    finally:
        await rome.stop()
        await rome.close_session()
