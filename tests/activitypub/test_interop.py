"""A follower built with bovine follows a space on loopback and sees its public events come,
change and get cancelled, each activity signed so that bovine verifies it."""

from __future__ import annotations

from typing import Any

import bovine.utils

from tests.activitypub.support import event_body, expand, flush, followed
from tests.support.nodes import twin

Nodes = Any


async def test_bridge__bovine_follower_gets_create_update_and_cancel(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        assert follower.of_type("Accept")[0].signed_by == f"{milan.url}/ap/actor"
        created = await milan.api.ok("POST", "/api/v1/events", event_body("Open day", summary="Come and see."))
        await flush(milan)
        [create] = follower.of_type("Create")
        assert create.signed_by == f"{milan.url}/ap/actor"
        assert create.path == "/inbox"  # the shared inbox
        event = create.activity["object"]
        assert event["type"] == "Event" and event["name"] == "Open day"
        assert event["url"] == f"{milan.url}/events/{created['id']}"
        assert event["startTime"].endswith("+01:00") or event["startTime"].endswith("+02:00")

        await milan.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"title": "Open day at the depot"})
        await flush(milan)
        [update] = follower.of_type("Update")
        assert update.signed_by == f"{milan.url}/ap/actor"
        assert update.activity["object"]["name"] == "Open day at the depot"

        await milan.api.ok("DELETE", f"/api/v1/events/{created['id']}")
        await flush(milan)
        cancelled = follower.of_type("Update")[-1]
        assert cancelled.signed_by == f"{milan.url}/ap/actor"
        assert cancelled.activity["object"]["ical:status"] == "CANCELLED"
        for received in follower.received:
            assert expand(received.activity), received.activity["type"]
    finally:
        await follower.stop()


async def test_bridge__nothing_more_after_a_repeated_flush(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        await flush(milan)
        assert len(follower.of_type("Create")) == 1
    finally:
        await follower.stop()


async def test_bridge__private_event_never_reaches_a_follower(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    madrid = await nodes("Espacio Madrid", "Europe/Madrid")
    follower = await followed(milan)
    try:
        await twin(milan, madrid)
        await milan.api.ok(
            "POST", "/api/v1/events", event_body("Board dinner", room="Sala Riservata 7", audience=[madrid.url])
        )
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        text = repr([r.activity for r in follower.received])
        assert "Open day" in text
        assert "Board dinner" not in text and "Sala Riservata" not in text
        outbox = await milan.api.ok("GET", "/ap/outbox")
        assert "Board dinner" not in repr(outbox)
    finally:
        await follower.stop()


async def test_bridge__follower_down_for_a_day_gets_the_events_when_back(nodes: Nodes, monkeypatch: Any) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        follower.down = True
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day", days=5))
        await flush(milan)
        assert not follower.of_type("Create")
        bridge = milan.node.activitypub
        assert await bridge.store.count_pending() == 1
        milan.clock.offset_seconds = 24 * 3600  # a day later on the space's clock
        # bovine judges a Date against its own clock; give it the space's day-later clock.
        monkeypatch.setattr(bovine.utils, "check_max_offset_now", lambda dt, minutes=5: True)
        await flush(milan)  # still down: backed off again
        follower.down = False
        milan.clock.offset_seconds += 3 * 3600
        await flush(milan)
        [create] = follower.of_type("Create")
        assert create.signed_by == f"{milan.url}/ap/actor"
        assert create.activity["object"]["name"] == "Open day"
        assert await bridge.store.count_pending() == 0
    finally:
        await follower.stop()


async def test_bridge__event_made_private_is_deleted_for_followers(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    madrid = await nodes("Espacio Madrid", "Europe/Madrid")
    await twin(milan, madrid)
    follower = await followed(milan)
    try:
        created = await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        await milan.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"audience": [madrid.url], "room": "Sala 7"})
        await flush(milan)
        [delete] = follower.of_type("Delete")
        assert delete.signed_by == f"{milan.url}/ap/actor"
        assert delete.activity["object"]["type"] == "Tombstone"
        assert delete.activity["object"]["id"] == follower.of_type("Create")[0].activity["object"]["id"]
        assert "Sala 7" not in repr([r.activity for r in follower.received])
        assert expand(delete.activity)
    finally:
        await follower.stop()


async def test_bridge__follower_back_from_an_outage_gets_each_events_activities_in_order(
    nodes: Nodes, monkeypatch: Any
) -> None:
    patient = {"delivery": {"backoff_base_seconds": 60, "backoff_cap_seconds": 600}}
    milan = await nodes("Spazio Milano", "Europe/Rome", config=patient)
    follower = await followed(milan)
    monkeypatch.setattr(bovine.utils, "check_max_offset_now", lambda dt, minutes=5: True)
    try:
        follower.down = True
        created = await milan.api.ok("POST", "/api/v1/events", event_body("Open day", days=5))
        await flush(milan)  # the Create is not taken: it waits, backed off
        follower.down = False
        await milan.api.ok("DELETE", f"/api/v1/events/{created['id']}")
        await flush(milan)  # the cancellation is queued now; it must not overtake the Create
        milan.clock.offset_seconds = 3 * 3600
        await flush(milan)
        await flush(milan)
        kinds = [(r.activity["type"], r.activity["object"].get("ical:status")) for r in follower.received[1:]]
        assert kinds == [("Create", "CONFIRMED"), ("Update", "CANCELLED")], "the follower must end with it cancelled"
        assert await milan.node.activitypub.store.count_pending() == 0
    finally:
        await follower.stop()


async def test_bridge__a_follower_gone_for_good_has_everything_queued_for_it_given_up_at_once(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        follower.down = True
        created = await milan.api.ok("POST", "/api/v1/events", event_body("Open day", days=30))
        await flush(milan)
        for title in ("Open day at the depot", "Open day, new hours"):
            await milan.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"title": title})
            await flush(milan)
        bridge = milan.node.activitypub
        assert await bridge.store.count_pending() == 3, "each waits behind the Create"
        milan.clock.offset_seconds = (bridge.settings.give_up_after_days + 1) * 86400
        await flush(milan)
        assert await bridge.store.count_pending() == 0
        assert not follower.received[1:]
    finally:
        await follower.stop()
