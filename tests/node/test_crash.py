"""Crash safety: the origin is SIGKILLed at random moments while it delivers.

After each restart nothing it had committed is lost, and the twin applies no version twice
(checked in the twin's own structured log of every applied object).
"""

from __future__ import annotations

import asyncio
import json
import os
import random

import aiosqlite
import pytest

from node.config import load_settings
from node.core import Node
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event

ROUNDS = 10


async def publish_offline(directory, events) -> None:
    """Write changes into the stopped origin's store through its own publish path."""
    node = await Node(load_settings(directory, {})).open()
    try:
        async with node.write() as work:
            for event in events:
                await node.publish(work, event, None)
    finally:
        await node.close()


def applied_log(node) -> list[tuple[str, str, int]]:
    entries = []
    for line in node.log_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "applied":
            entries.append((record["origin"], record["id"], record["version"]))
    return entries


async def test_crash__sigkill_during_delivery_loses_nothing_and_applies_nothing_twice(process_nodes):
    await crash_rounds(process_nodes, ROUNDS)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GEMELLA_SOAK"), reason="soak run: `make soak`")
async def test_crash_soak__a_hundred_kills(process_nodes):
    await crash_rounds(process_nodes, 100)


async def crash_rounds(process_nodes, rounds: int) -> None:
    rng = random.Random(20261129)
    london = await process_nodes("London", config={"log": {"level": "debug", "format": "json"}})
    nyc = await process_nodes("NYC")
    await twin(nyc, london)
    latest: dict[str, int] = {}
    pending_at_kill = []
    for _ in range(rounds):
        await nyc.kill()
        pending_at_kill.append(await _outbox_rows(nyc))
        batch = []
        for _ in range(600):
            event_id = f"ev{rng.randrange(2000)}"
            latest[event_id] = latest.get(event_id, 0) + 1
            batch.append(make_event(nyc.url, event_id, latest[event_id], description="d" * 2000))
        await publish_offline(nyc.directory, batch)
        await nyc.start()
        await asyncio.sleep(rng.uniform(0.0, 0.15))  # somewhere inside delivery, or just after

    async def outbox_empty():
        status = await nyc.api.ok("GET", "/api/v1/status")
        return sum(p["outbox_depth"] for p in status["peers"])

    await eventually(outbox_empty, 0, timeout=30)

    await eventually(lambda: _versions(london, nyc.url), latest, timeout=30)
    print("outbox rows left at each kill:", pending_at_kill)
    assert sum(1 for n in pending_at_kill[1:] if n > 0) >= 2, f"kills did not hit deliveries: {pending_at_kill}"
    applied = applied_log(london)
    assert len(applied) == len(set(applied)), "a version was applied twice"
    assert {(o, i) for o, i, _ in applied} == {(nyc.url, i) for i in latest}


async def _outbox_rows(node) -> int:
    async with aiosqlite.connect(node.directory / "node.db") as db:
        rows = await db.execute_fetchall("SELECT COUNT(*) FROM outbox")
    return int(rows[0][0])


async def _versions(node, origin: str) -> dict[str, int]:
    async with aiosqlite.connect(node.directory / "node.db") as db:
        rows = await db.execute_fetchall(
            "SELECT id, version FROM objects WHERE type = 'Event' AND origin = ?", (origin,)
        )
    return {row[0]: row[1] for row in rows}
