"""The trip view between two real nodes: the twin's slots, events and people on its own days."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.trip.service import MAX_COMPANIONS
from tests.introductions.support import NYC_ZONE, TERMS, People, add_member, people_pair
from tests.support.nodes import eventually, twin

from .support import new_york_in_december, offer


async def trip(pair: Any, token: str, query: str) -> tuple[int, Any]:
    return await pair.london.api.call("GET", f"/api/v1/trip?{query}", token=token)


async def test_trip__shows_the_twins_slots_events_and_people_on_its_own_days(nodes: Any) -> None:
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ben Carter")
    december = await new_york_in_december(pair)
    first = december["first"]
    query = f"origin={pair.nyc.url}&from={first}&to={first + timedelta(days=4)}"

    async def probe() -> Any:
        return (await trip(pair, pair.token("Ben Carter"), query))[1]

    found = await eventually(probe, lambda t: len(t["slots"]) == 2 and len(t["events"]) == 2 and t["people"])
    assert found["timezone"] == NYC_ZONE and found["name"] == "WeCreate NYC"
    assert [s["id"] for s in found["slots"]] == [s["id"] for s in december["slots_inside"]]
    assert [s["day"] for s in found["slots"]] == [str(first), str(first + timedelta(days=4))]
    assert found["slots"][1]["starts_at"].endswith("20:00:00-05:00")
    assert [e["title"] for e in found["events"]] == ["Design night", "Night owls"]
    assert [p["display_name"] for p in found["people"]] == ["Dana Reyes"]  # open to visitors, and seen here
    assert set(found["people"][0]) >= {"origin", "member", "display_name"} and "email" not in found["people"][0]
    assert found["companions"] == []


async def test_trip__bad_dates_unknown_twin_and_long_ranges_are_clear_problems(nodes: Any) -> None:
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ben Carter")
    token = pair.token("Ben Carter")
    for query, field in (
        (f"origin={pair.nyc.url}&from=2027-12-32&to=2027-12-07", "from"),
        (f"origin={pair.nyc.url}&from=3 December&to=2027-12-07", "from"),
        (f"origin={pair.nyc.url}&from=2027-12-07&to=2027-12-03", "to"),
        (f"origin={pair.nyc.url}&from=2027-12-01&to=2028-01-01", "to"),
        (f"origin={pair.nyc.url}&from=0001-01-01&to=0001-01-02", "from"),
    ):
        status, problem = await trip(pair, token, query)
        assert status == 422 and problem["type"].endswith("/validation-error"), query
        assert problem["errors"][0]["field"] == field, query
    status, problem = await trip(pair, token, "origin=https://nowhere.example&from=2027-12-03&to=2027-12-07")
    assert status == 403 and problem["type"].endswith("/not-twinned")
    status, _ = await pair.london.api.call("GET", f"/api/v1/trip?origin={pair.nyc.url}&from=2027-12-03&to=2027-12-07")
    assert status == 403  # the operator is no member


async def test_trip__companions_only_when_they_chose_to_share(nodes: Any) -> None:
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ben Carter")
    await add_member(pair.london, pair, "Cleo Park")
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=3)
    desk = await pair.nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 10})
    slot = await offer(pair, desk["id"], f"{day}T09:00", f"{day}T18:00")

    async def replicated() -> bool:
        return await pair.london.node.store.objects.get("Slot", pair.nyc.url, slot["id"]) is not None

    await eventually(replicated, True)
    body = {"slot_id": slot["id"], "twin_id": pair.nyc.url, "seats": 1}
    await pair.london.api.ok("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=pair.token("Cleo Park"))
    query = f"origin={pair.nyc.url}&from={day - timedelta(days=1)}&to={day + timedelta(days=1)}"
    assert (await trip(pair, pair.token("Ben Carter"), query))[1]["companions"] == []  # off by default

    assert (await pair.london.api.ok("GET", "/api/v1/trip/sharing", token=pair.token("Cleo Park"))) == {"share": False}
    await pair.london.api.ok("PUT", "/api/v1/trip/sharing", {"share": True}, token=pair.token("Cleo Park"))
    found = (await trip(pair, pair.token("Ben Carter"), query))[1]
    assert found["companions"] == [{"display_name": "Cleo Park", "days": [str(day)]}]
    assert (await trip(pair, pair.token("Cleo Park"), query))[1]["companions"] == []  # not herself
    later = f"origin={pair.nyc.url}&from={day + timedelta(days=1)}&to={day + timedelta(days=2)}"
    assert (await trip(pair, pair.token("Ben Carter"), later))[1]["companions"] == []

    await pair.london.api.ok("PUT", "/api/v1/trip/sharing", {"share": False}, token=pair.token("Cleo Park"))
    assert (await trip(pair, pair.token("Ben Carter"), query))[1]["companions"] == []
    for loose in (1, 0.0, "yes", "true"):  # consent is a yes or a no, not something read as one
        status, problem = await pair.london.api.call(
            "PUT", "/api/v1/trip/sharing", {"share": loose}, token=pair.token("Cleo Park")
        )
        assert status == 422 and problem["type"].endswith("/validation-error"), (loose, problem)
    assert (await pair.london.api.ok("GET", "/api/v1/trip/sharing", token=pair.token("Cleo Park"))) == {"share": False}


async def test_trip__a_suspended_twin_offers_nothing(nodes: Any) -> None:
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ben Carter")
    december = await new_york_in_december(pair)
    first = december["first"]
    query = f"origin={pair.nyc.url}&from={first}&to={first + timedelta(days=4)}"

    async def probe() -> Any:
        return (await trip(pair, pair.token("Ben Carter"), query))[1]

    await eventually(probe, lambda t: len(t["slots"]) == 2)
    [twinning] = (await pair.london.api.ok("GET", "/api/v1/twins"))["items"]
    await pair.london.api.ok("POST", f"/api/v1/twins/{twinning['id']}/suspend", {"reason": "Renovation"})
    found = await probe()
    assert found["slots"] == [] and found["events"] == []


async def test_trip__a_suspended_twins_people_are_not_shown(nodes: Any) -> None:
    """As in the directory: a suspension stops sharing, so the twin's members' cards are not shown
    (they come back with the twinning)."""
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ben Carter")
    december = await new_york_in_december(pair)
    first = december["first"]
    query = f"origin={pair.nyc.url}&from={first}&to={first + timedelta(days=4)}"

    async def probe() -> Any:
        return (await trip(pair, pair.token("Ben Carter"), query))[1]

    # The slots too, before the suspension: their going empty is how the suspension is seen here.
    await eventually(probe, lambda t: [p["display_name"] for p in t["people"]] == ["Dana Reyes"] and t["slots"])
    [twinning] = (await pair.nyc.api.ok("GET", "/api/v1/twins"))["items"]
    await pair.nyc.api.ok("POST", f"/api/v1/twins/{twinning['id']}/suspend", {"reason": "Renovation"})
    found = await eventually(probe, lambda t: t["slots"] == [])
    assert found["people"] == []
    await pair.nyc.api.ok("POST", f"/api/v1/twins/{twinning['id']}/resume", {})
    await eventually(probe, lambda t: [p["display_name"] for p in t["people"]] == ["Dana Reyes"])


async def test_trip__companions_of_the_days_asked_however_many_trips_came_before(nodes: Any) -> None:
    """The companions are those of the trip's days: earlier reservations at the twin, however many
    (more than the 200 companions listed at most), do not push them out."""
    terms = {**TERMS, "allowances": [{"kind": "desk", "unit": "day", "amount": 1000, "period": "month"}]}
    pair = People(await nodes("WeCreate NYC", NYC_ZONE), await nodes("TheCube London", "Europe/London"))
    await twin(pair.nyc, pair.london, offer=terms, request=terms)
    await add_member(pair.london, pair, "Ben Carter")
    await add_member(pair.london, pair, "Cleo Park")
    await pair.london.api.ok("PUT", "/api/v1/trip/sharing", {"share": True}, token=pair.token("Cleo Park"))
    earlier = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=3)
    later = earlier + timedelta(days=7)
    desk = await pair.nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 300})
    before = await offer(pair, desk["id"], f"{earlier}T09:00", f"{earlier}T18:00", seats=300)
    during = await offer(pair, desk["id"], f"{later}T09:00", f"{later}T18:00")
    for slot in (before, during):
        await eventually(lambda s=slot: pair.london.node.store.objects.get("Slot", pair.nyc.url, s["id"]), bool)
    for slot in [before] * MAX_COMPANIONS + [during]:
        body = {"slot_id": slot["id"], "twin_id": pair.nyc.url, "seats": 1}
        await pair.london.api.ok("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=pair.token("Cleo Park"))
    query = f"origin={pair.nyc.url}&from={later}&to={later}"
    found = (await trip(pair, pair.token("Ben Carter"), query))[1]
    assert found["companions"] == [{"display_name": "Cleo Park", "days": [str(later)]}]
