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


def gemella_backup(directory: Path, copy: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node.cli.main", "backup", str(directory), str(copy)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environ},
    )


async def test_backup__a_node_on_postgresql_is_not_backed_up_from_the_sqlite_file_it_left(nodes, tmp_path):
    """After `gemella db migrate` the old node.db stays (the rollback needs it); a backup of it would
    be a stale copy that says it is the node's, and a nightly job would keep making them."""
    nyc = await nodes("NYC")
    await publish(nyc, make_event(nyc.url, "ev1"))
    await nyc.stop()
    copy = tmp_path / "nightly.db"
    url = "postgresql://gemella@127.0.0.1:5432/nyc"
    done = gemella_backup(nyc.directory, copy, GEMELLA_STORAGE__DATABASE_URL=url)
    assert done.returncode == 1, done.stdout
    assert "PostgreSQL" in done.stderr and "pg_dump" in done.stderr and "Traceback" not in done.stderr
    assert not copy.exists()


async def test_backup__a_file_that_is_not_a_database_is_said_so_and_leaves_no_copy(nodes, tmp_path):
    nyc = await nodes("NYC")
    await nyc.stop()
    (nyc.directory / "node.db").write_bytes(b"not a database, but a file of the same name" * 200)
    for name in ("node.db-wal", "node.db-shm"):
        (nyc.directory / name).unlink(missing_ok=True)
    copy = tmp_path / "nightly.db"
    done = gemella_backup(nyc.directory, copy)
    assert done.returncode == 1, done.stdout
    assert "is not a SQLite database" in done.stderr and "unexpected" not in done.stderr
    assert not copy.exists(), "a failed backup leaves no file that the next one would refuse to replace"
