"""`gemella db check DIR` and `gemella db migrate --from URL --to URL`: the node's database.

`check` reads the schema version and the database's own integrity check, on either backend,
and with --signatures verifies every stored signed object again (node/store/signed.py).
`migrate` moves a stopped node from SQLite to an empty PostgreSQL database, resumably, and
exits 0 only once the copy is verified (node/store/move.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click

from node.config import ConfigError, Settings, load_settings
from node.keystore import KeyFileError, KeyStore
from node.store.move import MoveError, move
from node.store.move_verify import pg_rows, read_only
from node.store.schema import migrations, postgres_version
from node.store.signed import SignatureMismatch, check_signatures

from .words import without_password


@click.group(name="db")
def db() -> None:
    """The node's database: check it, or move it from SQLite to PostgreSQL."""


@db.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--signatures", is_flag=True, help="Also verify every stored signed object again (slower).")
def check(directory: Path, signatures: bool) -> None:
    """Check the database of the node in DIRECTORY: schema version and integrity."""
    settings = _settings(directory)
    latest = migrations("postgresql" if settings.uses_postgresql else "sqlite")[-1].number
    version = _postgres_check(settings) if settings.uses_postgresql else _sqlite_check(settings.database_path)
    if version != latest:
        raise click.ClickException(f"the schema is at version {version}; this release expects {latest}")
    click.echo(f"The database is sound and its schema is at version {version}, as this release expects.")
    if signatures:
        count = _check_signatures(settings)
        click.echo(f"All {count:,} stored signed objects verify.")


def _check_signatures(settings: Settings) -> int:
    import psycopg

    own_key = _keys(settings).verify_key
    try:
        if settings.uses_postgresql:
            # Nothing prepared server-side: behind PgBouncer another client may get this server connection.
            with psycopg.connect(settings.database_url, autocommit=True, prepare_threshold=None) as conn:
                checked = check_signatures(pg_rows(conn), settings.node_id, own_key)
        else:
            with read_only(settings.database_path) as lite:
                checked = check_signatures(lite.execute, settings.node_id, own_key)
    except SignatureMismatch as exc:
        raise click.ClickException(f"The database does not hold what was signed: {exc}.") from exc
    except (psycopg.Error, sqlite3.Error) as exc:
        raise click.ClickException(f"The database refused: {str(exc).splitlines()[0]}") from exc
    return sum(c.count for c in checked)


@db.command(name="migrate")
@click.option("--from", "source", required=True, help="The stopped node's database: sqlite:///PATH.")
@click.option("--to", "target", required=True, help="An empty PostgreSQL database: postgresql://USER:PASS@HOST/DB.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="The node's folder.")
@click.option("--batch", default=2000, show_default=True, help="Rows per transaction.")
def migrate_command(source: str, target: str, directory: Path | None, batch: int) -> None:
    """Move a stopped node from SQLite into an empty PostgreSQL database, then verify the copy.

    Run it again after an interruption: it goes on where it stopped. The node's folder (for its
    own keys) is the SQLite file's folder unless --dir names another."""
    if not source.startswith("sqlite:///") or not target.startswith(("postgresql://", "postgres://")):
        raise click.ClickException("give --from sqlite:///PATH and --to postgresql://...")
    path = Path(source.removeprefix("sqlite:///"))
    if not path.is_file():
        raise click.ClickException(f"{path} does not exist")
    settings = _settings(directory or path.parent)
    keys = _keys(settings)
    try:
        move(path, target, click.echo, node_id=settings.node_id, own_key=keys.verify_key, batch=batch)
    except MoveError as exc:
        raise click.ClickException(f"The move stopped: {exc}.") from exc
    except Exception as exc:  # psycopg's errors: a sentence, not a traceback
        raise click.ClickException(f"The move stopped: {str(exc).splitlines()[0]}. Run it again to resume.") from exc
    click.echo(f"Now set storage.database_url: {without_password(target)} in {settings.directory / 'config.yaml'}.")


def _settings(directory: Path) -> Settings:
    try:
        return load_settings(directory, os.environ)  # as `gemella run` reads it
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _keys(settings: Settings) -> KeyStore:
    """The node's own keys, which verify what it signed."""
    try:
        return KeyStore.load(settings.keys_dir)
    except KeyFileError as exc:
        raise click.ClickException(str(exc)) from exc


def _sqlite_check(path: Path) -> int:
    if not path.is_file():
        raise click.ClickException(f"{path} does not exist")
    with read_only(path) as conn:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise click.ClickException(f"SQLite's integrity check failed: {result}")
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _postgres_check(settings: Settings) -> int:
    import psycopg

    try:
        with psycopg.connect(settings.database_url, prepare_threshold=None) as conn:  # PgBouncer: see above
            conn.execute("SELECT COUNT(*) FROM objects").fetchone()  # the tables answer
            return postgres_version(conn)
    except psycopg.Error as exc:
        raise click.ClickException(f"PostgreSQL refused: {str(exc).splitlines()[0]}") from exc
