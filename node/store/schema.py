"""One numbered set of migrations for both databases.

`node/store/migrations/NNNN_name.sql` is written in the portable subset and runs on both:
on PostgreSQL its column types are rewritten (node/store/dialect.py). Where the two must
differ, a variant sits beside it, `NNNN_name.postgresql.sql` or `NNNN_name.sqlite.sql`, and
replaces the portable file for that database. `tests/node/test_schema.py` keeps the set in
step: every number has a version for each database, and both schemas have the same tables
and columns.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .dialect import migration_to_postgres

DIALECTS = ("sqlite", "postgresql")
# PostgreSQL's form of what SQLite has built in: a case-insensitive collation under SQLite's
# name (unquoted, NOCASE folds to nocase), and the table that holds the schema version.
POSTGRES_BOOTSTRAP = (
    "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    "CREATE TABLE IF NOT EXISTS gemella_schema (version BIGINT NOT NULL)",
)
LOCK_KEY = 0x67656D656C6C61  # "gemella": one worker migrates at a time


@dataclass(frozen=True)
class Migration:
    number: int
    name: str  # the file's name, for messages
    sql: str


def migrations(dialect: str) -> list[Migration]:
    """The migrations as `dialect` runs them, in order: its variant where there is one, else
    the portable file (with PostgreSQL's column types on PostgreSQL)."""
    result = []
    for number, versions in sorted(_by_number().items()):
        if dialect in versions:
            result.append(Migration(number, *versions[dialect]))
        elif None in versions:
            name, text = versions[None]
            result.append(Migration(number, name, migration_to_postgres(text) if dialect == "postgresql" else text))
    return result


def numbers_by_dialect() -> dict[str, set[int]]:
    """Which numbers each database has a version of (the test compares them)."""
    found: dict[str, set[int]] = {d: set() for d in DIALECTS}
    for number, versions in _by_number().items():
        for dialect in DIALECTS:
            if dialect in versions or None in versions:
                found[dialect].add(number)
    return found


def _by_number() -> dict[int, dict[str | None, tuple[str, str]]]:
    folder = resources.files("node.store") / "migrations"
    found: dict[int, dict[str | None, tuple[str, str]]] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, variant = int(entry.name.split("_", 1)[0]), _variant(entry.name)
        versions = found.setdefault(number, {})
        if variant in versions:
            # The schema version is the last number applied: a second file with the same number
            # would be skipped for ever on every database that already took the first.
            raise RuntimeError(f"two migrations share the number {number}: {versions[variant][0]} and {entry.name}")
        versions[variant] = (entry.name, entry.read_text(encoding="utf-8"))
    return found


def _variant(name: str) -> str | None:
    parts = name.rsplit(".", 2)
    return parts[1] if len(parts) == 3 and parts[1] in DIALECTS else None


def statements(sql: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows where each ends)."""
    result, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            result.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        result.append(buffer.strip())
    return [s for s in result if s and not all(p.strip().startswith("--") for p in s.splitlines())]


def migrate_postgres(conn: Any) -> int:
    """Apply the migrations a PostgreSQL database has not seen, each in its own transaction under
    a transaction-level advisory lock (workers starting together take turns; nothing outlives
    the transaction, so PgBouncer in transaction mode is fine). `conn` is in autocommit mode."""
    for sql in POSTGRES_BOOTSTRAP:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(sql)
    current = postgres_version(conn)  # what is applied already is skipped without a transaction
    for migration in migrations("postgresql"):
        if migration.number <= current:
            continue
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            current = postgres_version(conn)
            if migration.number <= current:
                continue
            for statement in statements(migration.sql):
                conn.execute(statement)
            conn.execute("DELETE FROM gemella_schema")
            conn.execute("INSERT INTO gemella_schema (version) VALUES (%s)", (migration.number,))
            current = migration.number
    return current


def postgres_version(conn: Any) -> int:
    row = conn.execute("SELECT MAX(version) FROM gemella_schema").fetchone()
    return int(row[0] or 0) if row else 0
