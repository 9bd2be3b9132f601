"""Helpers for the profile tests: members, cards, and what a node's database files hold."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.nodes import InProcessNode
from tests.support.postgres import table_files


async def member(node: InProcessNode, name: str) -> dict[str, Any]:
    email = name.lower().replace(" ", ".") + "@example.org"
    return dict(await node.api.ok("POST", "/api/v1/members", {"display_name": name, "email": email}))


async def files_hold(node: InProcessNode, *needles: str) -> list[str]:
    """Which needles the node's stored bytes hold (as written, lower-cased as the full-text
    index keeps words, or in UTF-16). On SQLite: every file of the database (database, -wal,
    -shm), where secure_delete zeroes any deleted row. On PostgreSQL: the files of the `cards`
    table, its TOAST and its indexes (the directory's promise, card_purge.py); a deleted row
    elsewhere stays in its page's free space until the page is reused or rewritten, and in
    the WAL until recycled (docs/OPERATING.md)."""
    if node.node.settings.uses_postgresql:
        paths = await asyncio.to_thread(table_files, node.node.settings.database_url, "cards")
    else:
        paths = sorted(node.directory.glob("node.db*"))
    found = []
    for path in paths:
        data = path.read_bytes()
        for needle in needles:
            forms = {needle.encode(), needle.lower().encode(), needle.encode("utf-16-le")}
            if any(form in data for form in forms):
                found.append(f"{path.name}: {needle}")
    return found


async def held_cards(node: InProcessNode, origin: str) -> dict[str, int]:
    rows = await node.node.store.db.fetch_all("SELECT handle, version FROM cards WHERE origin = ?", (origin,))
    return {r["handle"]: r["version"] for r in rows}
