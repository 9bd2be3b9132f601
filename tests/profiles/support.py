"""Helpers for the profile tests: members, cards, and what a node's SQLite files hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.nodes import InProcessNode


async def member(node: InProcessNode, name: str) -> dict[str, Any]:
    email = name.lower().replace(" ", ".") + "@example.org"
    return dict(await node.api.ok("POST", "/api/v1/members", {"display_name": name, "email": email}))


def files_hold(directory: Path, *needles: str) -> list[str]:
    """Which needles any of the node's SQLite files (database, -wal, -shm) hold as bytes (as
    written, lower-cased as the full-text index keeps words, or in UTF-16)."""
    found = []
    for path in sorted(directory.glob("node.db*")):
        data = path.read_bytes()
        for needle in needles:
            forms = {needle.encode(), needle.lower().encode(), needle.encode("utf-16-le")}
            if any(form in data for form in forms):
                found.append(f"{path.name}: {needle}")
    return found


async def held_cards(node: InProcessNode, origin: str) -> dict[str, int]:
    rows = await node.node.store.db.fetch_all("SELECT handle, version FROM cards WHERE origin = ?", (origin,))
    return {r["handle"]: r["version"] for r in rows}
