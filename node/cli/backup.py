"""`gemella backup DIR FILE`: a consistent copy of a node's database, safe while the node runs.

SQLite's online backup copies the database page by page under its own locks, so the copy is
whole even while the node writes (a plain `cp` can miss the WAL). The copy is created
readable by its owner only, like the database and the key: it holds tokens' hashes,
members and reservations.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click

from node.config import ConfigError, load_settings


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup(directory: Path, destination: Path) -> None:
    """Copy the database of the node in DIRECTORY to DESTINATION (a new file, mode 0600)."""
    try:
        settings = load_settings(directory, os.environ)  # as `gemella run` reads it: the URL may be in the environment
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if settings.uses_postgresql:
        # Its node.db, if any, is what a move to PostgreSQL left behind: a copy of it would be stale.
        raise click.ClickException(
            f"the node in {directory} keeps its data in PostgreSQL; back it up with pg_dump "
            "(docs/OPERATING.md, Backups), together with keys/ and config.yaml"
        )
    if not settings.database_path.exists():
        raise click.ClickException(f"{settings.database_path} does not exist: is {directory} a node?")
    try:
        os.close(os.open(destination, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError as exc:
        raise click.ClickException(f"{destination} exists; choose a new file name") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot create {destination}: {exc.strerror}") from exc
    try:
        copy_database(settings.database_path, destination)
    except sqlite3.Error as exc:
        destination.unlink(missing_ok=True)  # else the next try would refuse the name of a useless file
        not_a_database = getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB"
        reason = "it is not a SQLite database" if not_a_database else str(exc)
        raise click.ClickException(f"cannot copy {settings.database_path}: {reason}") from exc
    click.echo(f"Copied {settings.database_path} to {destination}. Keep it with keys/ and config.yaml.")


def copy_database(source: Path, destination: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
