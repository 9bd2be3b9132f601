"""A listing costs what it returns: one twin's flood cannot crowd out anyone else's events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from node.events import views, window
from protocol.envelope import seal
from protocol.models import Event, ObjectRef
from tests.support.nodes import InProcessNode, eventually, twin
from tests.web.support import Browserless

from .support import LONDON_ZONE, MILAN_ZONE, NYC_ZONE, publish, versions_at

WEEK = {"from": "2027-03-15", "to": "2027-03-22"}
UTC = ZoneInfo("UTC")


def flood_event(origin: str, number: int, **fields) -> Event:
    start = datetime(2027, 3, 15, 8, tzinfo=UTC) + timedelta(minutes=number % 5000)
    return Event(
        origin=origin,
        id=f"flood-{number}",
        version=1,
        title=f"Flood {number}",
        starts_at=fields.pop("starts_at", start),
        ends_at=fields.pop("ends_at", start + timedelta(hours=1)),
        timezone="UTC",
        **fields,
    )


async def send(sender: InProcessNode, receiver: InProcessNode, events: list[Event]) -> None:
    key = sender.node.keys.current
    for start in range(0, len(events), 500):
        batch = [seal(event, key).model_dump(mode="json") for event in events[start : start + 500]]
        resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", {"items": batch})
        assert resp.status == 202 and {r["status"] for r in resp.json()["results"]} == {"applied"}


async def test_listing__twin_flood_does_not_crowd_out_our_events_or_other_twins(nodes):
    london = await nodes("London", LONDON_ZONE)
    nyc, milan = await nodes("NYC", NYC_ZONE), await nodes("Milan", MILAN_ZONE)
    await twin(nyc, london)
    await twin(milan, london)
    ours = [
        await publish(london, title=f"Ours {n}", starts_at=f"2027-03-{18 + n}T18:00", ends_at=f"2027-03-{18 + n}T19:00")
        for n in range(3)
    ]
    theirs = [
        await publish(milan, title=f"Milan {n}", starts_at=f"2027-03-{19 + n}T10:00", ends_at=f"2027-03-{19 + n}T11:00")
        for n in range(2)
    ]
    await eventually(lambda: versions_at(london, milan), {e["id"]: 1 for e in theirs})
    # 2,100 single events early in the week, and 300 daily series begun in 1970, all from one twin.
    flood = [flood_event(nyc.url, n) for n in range(views.MAX_EVENTS + 100)]
    since_1970 = datetime(1970, 1, 1, 7, tzinfo=UTC)
    flood += [
        flood_event(
            nyc.url, 10_000 + n, starts_at=since_1970, ends_at=since_1970 + timedelta(hours=1), rrule="FREQ=DAILY"
        )
        for n in range(300)
    ]
    await send(nyc, london, flood)

    result = await london.api.ok("GET", "/api/v1/events?from={from}&to={to}".format(**WEEK))
    by_origin: dict[str, int] = {}
    for item in result["items"]:
        by_origin[item["origin"]] = by_origin.get(item["origin"], 0) + 1
    assert result["truncated"] is True
    assert len(result["items"]) <= views.MAX_ITEMS
    titles = {item["title"] for item in result["items"]}
    assert {e["title"] for e in ours + theirs} <= titles, "our own and the other twin's events are all listed"
    assert by_origin[london.url] == 3 and by_origin[milan.url] == 2
    assert by_origin[nyc.url] == views.MAX_ITEMS - 5, "the flooding twin gets what the others leave"
    starts = [item["here"]["starts_at"] for item in result["items"]]
    assert starts == sorted(starts)

    # The member's week page reads the same listing: our own and the other twin's events are there.
    member = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    client = Browserless(london.local)
    try:
        await client.sign_in(member["token"])
        status, page = await client.get("/?from=2027-03-15")
        assert status == 200
        assert all(e["title"] in page for e in ours + theirs)
    finally:
        await client.close()


async def test_listing__a_thousand_copies_of_our_event_name_a_few_also_at(nodes):
    london = await nodes("London", LONDON_ZONE)
    nyc = await nodes("NYC", NYC_ZONE)
    await twin(nyc, london)
    ours = await publish(london, title="Ours", starts_at="2027-03-18T18:00", ends_at="2027-03-18T19:00")
    copies = [flood_event(nyc.url, n, exported_from=ObjectRef(origin=london.url, id=ours["id"])) for n in range(1000)]
    await send(nyc, london, copies)
    result = await london.api.ok("GET", "/api/v1/events?origin=local&from={from}&to={to}".format(**WEEK))
    [item] = result["items"]
    assert item["title"] == "Ours" and 1 <= len(item["also_at"]) <= views.MAX_ALSO_AT


def test_fair_bytes__an_origin_needing_less_leaves_the_rest_to_the_others():
    allowed = window.fair_bytes({"ours": [100] * 3, "flood": [1000] * 100, "other": [500] * 4}, 10_000)
    assert allowed == {"ours": 3, "other": 4, "flood": 7}


async def test_listing__long_texts_are_cut_and_the_answer_bounded_in_bytes(nodes):
    # About 30 of the flood's items fit in the answer.
    london = await nodes("London", LONDON_ZONE, config={"limits": {"listing_max_bytes": 30_000}})
    nyc = await nodes("NYC", NYC_ZONE)
    await twin(nyc, london)
    ours = await publish(london, title="Ours", starts_at="2027-03-18T18:00", ends_at="2027-03-18T19:00")
    fat = [flood_event(nyc.url, n, summary="s" * 500, description="d" * 20_000) for n in range(60)]
    for start in range(0, len(fat), 20):  # a batch of requests has its size limit
        await send(nyc, london, fat[start : start + 20])

    result = await london.api.ok("GET", "/api/v1/events?from={from}&to={to}".format(**WEEK))
    assert result["truncated"] is True
    assert len(json.dumps(result["items"], ensure_ascii=False).encode()) <= 30_000
    listed = [item for item in result["items"] if item["origin"] == nyc.url]
    assert 10 < len(listed) < 60 and ours["id"] in {item["id"] for item in result["items"]}
    assert all(len(item["description"]) <= views.LISTED_DESCRIPTION + 1 and item["description_cut"] for item in listed)
    whole = await london.api.ok("GET", f"/api/v1/events/{listed[0]['id']}?origin={nyc.url}")
    assert whole["description"] == "d" * 20_000 and not whole.get("description_cut")
