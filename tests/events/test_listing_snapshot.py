"""A listing counts each origin's events and reads its share of them in one snapshot: an event
written between the two cannot push one that was counted out of the answer unannounced."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

import pytest

from node.events import repository
from tests.support.nodes import InProcessNode

from .support import LONDON_ZONE, publish

AFTER, BEFORE = "2027-03-15T00:00:00Z", "2027-03-22T00:00:00Z"


SNEAK = (
    "INSERT INTO objects (type, origin, id, version, status, starts_at, ends_at, audience_all, envelope, "
    "received_at) SELECT type, origin, 'sneaked', version, status, '2027-03-15T01:00:00Z', "
    "'2027-03-15T02:00:00Z', audience_all, {envelope}, received_at "
    "FROM objects WHERE type = 'Event' ORDER BY starts_at LIMIT 1"
)


def sneak_in_an_earlier_event(db: Any) -> None:
    """Another connection writes (and commits) an event of the same origin before all the others."""
    if db.dialect == "postgresql":
        import psycopg

        with psycopg.connect(db.url) as pg:
            pg.execute(SNEAK.format(envelope="jsonb_set(envelope::jsonb, '{object,id}', '\"sneaked\"')::text"))
        return
    with sqlite3.connect(db.path) as conn:
        conn.execute(SNEAK.format(envelope="json_set(envelope, '$.object.id', 'sneaked')"))


async def test_listing__an_event_written_between_count_and_read_hides_none_counted(
    nodes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    london: InProcessNode = await nodes("London", LONDON_ZONE)
    ours = [
        (await publish(london, title=f"Ours {day}", starts_at=f"2027-03-1{day}T18:00", ends_at=f"2027-03-1{day}T19:00"))
        for day in (6, 7, 8)
    ]
    store = london.node.store
    shares = repository.window_shares

    written: list[bool] = []

    def shares_then_a_write(counts: Mapping[str, int], limit: int) -> dict[str, int]:
        if not written:  # once, between the count and the read
            sneak_in_an_earlier_event(store.db)
            written.append(True)
        return shares(counts, limit)

    monkeypatch.setattr(repository, "window_shares", shares_then_a_write)
    repo = london.node.events.repo
    counts, found = await repo.list_in_window([london.node.id], AFTER, BEFORE, 3, 10**6, 301)

    listed = [json.loads(envelope)["object"]["id"] for envelope, _ in found[london.node.id]]
    assert counts == {london.node.id: 3}
    assert listed == [event["id"] for event in ours], "the read saw what the count saw"
    monkeypatch.setattr(repository, "window_shares", shares)
    counts, found = await repo.list_in_window([london.node.id], AFTER, BEFORE, 3, 10**6, 301)
    assert counts[london.node.id] == 4 and len(found[london.node.id]) == 3, "the next read counts it, and says so"
