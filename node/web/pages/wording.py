"""Counters as people say them: "updated twice" for version 3, "up to date with TheCube London"
for a feed cursor. Version numbers and feed positions are for machines; pages say what they mean.

Each function returns a whole sentence or phrase (never pieces glued by the template), so that
the pages can be translated.
"""

from __future__ import annotations

from typing import Any

from node.http.pages.timefmt import moment
from node.i18n import _, ngettext


def updates(version: int | None) -> str:
    """How often an object changed after it was first published: '' for never."""
    changes = (version or 1) - 1
    if changes <= 0:
        return ""
    if changes == 1:
        return _("updated once")
    if changes == 2:
        return _("updated twice")
    return ngettext("updated %(num)s time", "updated %(num)s times", changes)


def published_sentence(version: int | None) -> str:
    """The edit page's line: 'Published, then updated twice.'"""
    changed = updates(version)
    if not changed:
        return _("Published, not changed since.")
    return _("Published, then %(changes)s.", changes=changed)


def feed_sentence(row: dict[str, Any], zone: str | None = None) -> str:
    """Where we are in a twin's feed, in words."""
    name = row.get("name") or row.get("peer") or _("the twin")
    if not row.get("last_pull"):
        return _("Not read from %(space)s yet; the first reading comes within minutes of twinning.", space=name)
    return _("Up to date with %(space)s as of %(when)s.", space=name, when=moment(row["last_pull"], zone))


FILTERS = {"updates": updates, "published_sentence": published_sentence, "feed_sentence": feed_sentence}
