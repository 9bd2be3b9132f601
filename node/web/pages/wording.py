"""Counters as people say them: "updated twice" for version 3, "up to date with TheCube London"
for a feed cursor. Version numbers and feed positions are for machines; pages say what they mean.

Each function returns a whole sentence or phrase (never pieces glued by the template), so that
the pages can be translated.
"""

from __future__ import annotations

from typing import Any

from .timefmt import moment


def updates(version: int | None) -> str:
    """How often an object changed after it was first published: '' for never."""
    changes = (version or 1) - 1
    if changes <= 0:
        return ""
    if changes == 1:
        return "updated once"
    if changes == 2:
        return "updated twice"
    return f"updated {changes} times"


def published_sentence(version: int | None) -> str:
    """The edit page's line: 'Published, then updated twice.'"""
    changed = updates(version)
    if not changed:
        return "Published, not changed since."
    return f"Published, then {changed}."


def feed_sentence(row: dict[str, Any], zone: str | None = None) -> str:
    """Where we are in a twin's feed, in words."""
    name = row.get("name") or row.get("peer", "the twin")
    if not row.get("last_pull"):
        return f"Not read from {name} yet; the first reading comes within minutes of twinning."
    return f"Up to date with {name} as of {moment(row['last_pull'], zone)}."


FILTERS = {"updates": updates, "published_sentence": published_sentence, "feed_sentence": feed_sentence}
