"""Events and slots that start in the past are refused with a sentence, and nothing is stored;
an operator may still record a past event on purpose."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.booking.support import add_resource, kind_of
from tests.support.nodes import twin
from tests.web.support import Browserless

from .support import LONDON_ZONE, NYC_ZONE, body


def hours_ago(zone: str, hours: int) -> str:
    return (datetime.now(ZoneInfo(zone)) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


async def test_past_times__an_event_that_already_began_is_refused_unless_recorded_on_purpose(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    start, end = hours_ago(NYC_ZONE, 30), hours_ago(NYC_ZONE, 28)
    status, problem = await nyc.api.call("POST", "/api/v1/events", body(starts_at=start, ends_at=end))
    assert status == 422 and kind_of(problem) == "validation-error"
    assert problem["errors"][0]["field"] == "starts_at" and "has already passed" in problem["detail"]
    assert await nyc.node.store.objects.list("Event", origin=nyc.url, limit=10) == []
    recorded = await nyc.api.ok("POST", "/api/v1/events", body(starts_at=start, ends_at=end, record_past=True))
    assert recorded["starts_at"].startswith(start)


async def test_past_times__an_event_recorded_after_the_fact_is_listed_as_such(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    start, end = hours_ago(NYC_ZONE, 30), hours_ago(NYC_ZONE, 28)
    late = await nyc.api.ok("POST", "/api/v1/events", body(starts_at=start, ends_at=end, record_past=True))
    # `record_past` on an event still to come changes nothing: it is an ordinary announcement.
    ahead = await nyc.api.ok(
        "POST",
        "/api/v1/events",
        body(starts_at=hours_ago(NYC_ZONE, -30), ends_at=hours_ago(NYC_ZONE, -32), record_past=True),
    )
    since = hours_ago(NYC_ZONE, 72)
    items = {e["id"]: e for e in (await nyc.api.ok("GET", f"/api/v1/events?from={since}"))["items"]}
    assert items[late["id"]]["recorded_after_the_fact"] is True
    assert "recorded_after_the_fact" not in items[ahead["id"]]
    client = Browserless(nyc.local)  # the operator's events page says it, in words
    try:
        await client.sign_in(nyc.token, "/admin")
        _, page = await client.get(f"/admin/events?from={since[:10]}")
        row = page[page.index(f'id="event-{late["id"]}"') :]
        assert "Recorded after the fact" in row[: row.index("</tr>")]
        row = page[page.index(f'id="event-{ahead["id"]}"') :]
        assert "Recorded after the fact" not in row[: row.index("</tr>")]
    finally:
        await client.close()
    public = Browserless(nyc.local)  # and the public page of each, to anyone
    try:
        _, page = await public.get(f"/events/{late['id']}")
        assert "Recorded after the fact" in page and late["title"] in page
        _, page = await public.get(f"/events/{ahead['id']}")
        assert "Recorded after the fact" not in page and ahead["title"] in page
    finally:
        await public.close()


async def test_past_times__a_slot_that_already_began_is_refused(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    await twin(nyc, london)
    desk = await add_resource(nyc, "desk", 4)
    slot = {"resource_id": desk["id"], "twin_id": london.url, "seats": 1}
    status, problem = await nyc.api.call(
        "POST", "/api/v1/slots", {**slot, "starts_at": hours_ago(NYC_ZONE, 2), "ends_at": hours_ago(NYC_ZONE, -6)}
    )
    assert status == 422 and problem["errors"][0]["field"] == "starts_at" and "has already passed" in problem["detail"]
    assert (await nyc.api.ok("GET", "/api/v1/slots"))["items"] == []
