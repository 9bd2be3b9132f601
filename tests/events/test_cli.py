"""`gemella event ...` against running nodes: what it did, and where."""

from __future__ import annotations

import json

from tests.support.cli import run_cli
from tests.support.nodes import eventually

from .support import nyc_london, versions_at

EVENT_YAML = """\
title: Founders' meetup
starts_at: 2027-03-16T18:00:00
ends_at: "2027-03-16T20:00"
room: Loft
capacity: 30
tags: [founders, monthly]
"""


async def gemella(node, *args: str) -> tuple[int, str]:
    """Run the CLI in a thread (it blocks on HTTP) while the node serves in this loop."""
    return await run_cli(node, *args)


async def test_cli__publish_update_postpone_move_online_cancel(nodes, tmp_path):
    nyc, london = await nyc_london(nodes)
    (tmp_path / "meetup.yaml").write_text(EVENT_YAML)
    code, out = await gemella(nyc, "--json", "event", "publish", str(tmp_path / "meetup.yaml"))
    assert code == 0, out
    created = json.loads(out)
    event_id = created["id"]
    assert (created["starts_at"], created["tags"], created["capacity"]) == (
        "2027-03-16T18:00:00-04:00",
        ["founders", "monthly"],
        30,
    )

    code, out = await gemella(nyc, "event", "update", event_id, "--field", "capacity=45", "--field", "room=Main hall")
    assert code == 0, out
    assert f"Updated event {event_id} (version 2) at NYC via {nyc.local}" in out
    code, out = await gemella(nyc, "event", "postpone", event_id, "--starts-at", "2027-03-23T18:00")
    assert "status postponed" in out and "2027-03-23 18:00-20:00 America/New_York" in out
    code, out = await gemella(nyc, "event", "move-online", event_id, "--url", "https://meet.example/f")
    assert "status moved_online" in out
    code, out = await gemella(nyc, "event", "cancel", event_id)
    assert code == 0 and f"Cancelled event {event_id} (version 5)" in out
    await eventually(lambda: versions_at(london, nyc), {event_id: 5})

    code, out = await gemella(london, "event", "list", "--from", "2027-03-01", "--to", "2027-04-01")
    assert f"{event_id}  2027-03-23 18:00-20:00 America/New_York (here 2027-03-23 22:00)" in out
    assert "[cancelled]" in out and "@ NYC" in out

    code, out = await gemella(nyc, "event", "update", event_id, "--field", "ends_at=2027-03-23T17:00")
    assert code == 1 and "the node refused it: end: must be after start (2027-03-23T18:00:00-04:00)" in out


async def test_cli__export_and_resolve_a_flag(nodes, tmp_path):
    nyc, london = await nyc_london(nodes)
    talk = await london.api.ok(
        "POST", "/api/v1/events", {"title": "Finals", "starts_at": "2027-03-23T18:00", "ends_at": "2027-03-23T20:00"}
    )
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    code, out = await gemella(nyc, "event", "export", talk["id"], "--field", "room=Main hall")
    assert code == 0, out
    assert f"Re-hosted London's {talk['id']} as event" in out and "2027-03-23 18:00-20:00 America/New_York" in out
    copy_id = out.split(" as event ", 1)[1].split()[0]

    await london.api.ok("DELETE", f"/api/v1/events/{talk['id']}")

    async def flagged():
        return (await gemella(nyc, "event", "flags"))[1]

    out = await eventually(flagged, lambda text: copy_id in text)
    assert "London changed the original event: it is now cancelled" in out
    code, out = await gemella(nyc, "event", "resolve", copy_id, "--keep")
    assert code == 0 and f"Kept as it is: event {copy_id}" in out
    assert "No open flags." in (await gemella(nyc, "event", "flags"))[1]
