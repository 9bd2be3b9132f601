"""The node's files hold secrets and members' data: the database, its WAL and SHM, and backups are 0600."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.objects import make_event, publish


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_files__database_wal_and_shm_are_readable_by_the_owner_only(nodes):
    old = os.umask(0o022)  # the usual umask, under which SQLite would create 0644 files
    try:
        nyc = await nodes("NYC")
        await publish(nyc, make_event(nyc.url, "ev1"))
        database = nyc.directory / "node.db"
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists() and mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"
    finally:
        os.umask(old)


async def test_files__an_existing_database_is_narrowed_when_the_node_opens_it(nodes):
    nyc = await nodes("NYC")
    await nyc.stop()
    database = nyc.directory / "node.db"
    database.chmod(0o644)
    await nyc.start()
    assert mode(database) == 0o600


async def test_files__a_backup_is_whole_and_readable_by_the_owner_only(nodes, tmp_path):
    nyc = await nodes("NYC")
    await publish(nyc, make_event(nyc.url, "ev1"))
    copy = tmp_path / "backup.db"
    done = subprocess.run(
        [sys.executable, "-m", "node.cli.main", "backup", str(nyc.directory), str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert mode(copy) == 0o600
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM objects WHERE id = 'ev1'").fetchone() == (1,)
    again = subprocess.run(
        [sys.executable, "-m", "node.cli.main", "backup", str(nyc.directory), str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode != 0 and "exists" in again.stderr
