"""Events between real nodes: audience, updates through an outage, status changes, ownership."""

from __future__ import annotations

from typing import Any

from tests.support.nodes import eventually, twin

from .support import LONDON_ZONE, MILAN_ZONE, NYC_ZONE, feed_as, listing, member_token, nyc_london, publish, versions_at


async def test_event__for_london_only_never_reaches_milan(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    milan = await nodes("Milan", MILAN_ZONE)
    await twin(nyc, london)
    await twin(nyc, milan)

    private = await publish(nyc, title="London only", audience=[london.url])
    public = await publish(nyc, title="For everyone")
    assert private["audience"] == [london.url]
    await eventually(lambda: versions_at(london, nyc), {private["id"]: 1, public["id"]: 1})
    await eventually(lambda: versions_at(milan, nyc), {public["id"]: 1})
    # An update of the private event goes the same way: to London, and to no one else.
    await nyc.api.ok("PATCH", f"/api/v1/events/{private['id']}", {"title": "London only, v2"})
    await eventually(lambda: versions_at(london, nyc), {private["id"]: 2, public["id"]: 1})

    await milan.node.federation.link(nyc.url).pull_feed()  # Milan reads NYC's feed to its end
    assert await versions_at(milan, nyc) == {public["id"]: 1}, "not by push, not by pull"
    assert [o["id"] for o in await feed_as(milan, nyc)] == [public["id"]]
    assert {o["id"] for o in await feed_as(london, nyc)} == {private["id"], public["id"]}
    assert [i["title"] for i in await listing(milan)] == ["For everyone"]


async def test_event__update_and_cancellation_reach_london_after_its_outage(nodes):
    nyc, london = await nyc_london(nodes)
    created = await publish(nyc, title="Demo night", capacity=40)
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 1})

    await london.stop()
    await nyc.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"title": "Demo night (new room)", "capacity": 60})
    cancelled = await nyc.api.ok("DELETE", f"/api/v1/events/{created['id']}")
    assert (cancelled["status"], cancelled["version"]) == ("cancelled", 3)
    await london.start()

    await eventually(lambda: versions_at(london, nyc), {created["id"]: 3})
    [shown] = await listing(london)
    assert (shown["title"], shown["status"], shown["capacity"]) == ("Demo night (new room)", "cancelled", 60)


async def test_event__status_changes_stay_visible_at_twins(nodes):
    nyc, london = await nyc_london(nodes)
    created = await publish(nyc)
    path = f"/api/v1/events/{created['id']}"

    async def london_sees():
        return [(i["status"], i.get("online_url"), i["starts_at"]) for i in await listing(london)]

    await nyc.api.ok("PATCH", path, {"status": "postponed", "starts_at": "2027-03-23T18:00"})
    await eventually(london_sees, [("postponed", None, "2027-03-23T18:00:00-04:00")])
    moved = await nyc.api.ok("PATCH", path, {"status": "moved_online", "online_url": "https://meet.example/demo"})
    assert moved["ends_at"] == "2027-03-23T20:00:00-04:00", "moving the start kept the duration"
    await eventually(london_sees, [("moved_online", "https://meet.example/demo", "2027-03-23T18:00:00-04:00")])
    await nyc.api.ok("DELETE", path)
    await eventually(london_sees, [("cancelled", "https://meet.example/demo", "2027-03-23T18:00:00-04:00")])
    again = await nyc.api.ok("DELETE", path)
    assert again["version"] == 4, "cancelling a cancelled event changes nothing"
    assert [i["status"] for i in await listing(nyc, origin="local")] == ["cancelled"]


async def test_event__only_its_origin_may_change_it(nodes):
    nyc, london = await nyc_london(nodes)
    created = await publish(nyc)
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 1})
    for method, body in (("PATCH", {"title": "hijacked"}), ("DELETE", None)):
        status, problem = await london.api.call(method, f"/api/v1/events/{created['id']}", body)
        assert (status, problem["type"].rsplit("/", 1)[-1]) == (404, "not-found")
    assert (await listing(london))[0]["title"] == "Founders' meetup"
    assert await versions_at(nyc, nyc) == {created["id"]: 1}


async def test_event__widened_audience_reaches_the_new_twin(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    milan = await nodes("Milan", MILAN_ZONE)
    to_london = await twin(nyc, london)
    await twin(nyc, milan)
    created = await publish(nyc, audience=[to_london])  # a twin named by its agreement id
    assert created["audience"] == [london.url]
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 1})
    await nyc.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"audience": [london.url, milan.url + "/"]})
    await eventually(lambda: versions_at(milan, nyc), {created["id"]: 2})
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 2})


async def test_event__members_list_events_here_and_at_twins_with_capacity(nodes):
    nyc, london = await nyc_london(nodes)
    ours = await publish(london, title="Pitch practice", starts_at="2027-03-17T18:00", ends_at="2027-03-17T19:00")
    theirs = await publish(nyc, capacity=25)
    await eventually(lambda: versions_at(london, nyc), {theirs["id"]: 1})
    token = await member_token(london)
    result = await london.api.ok("GET", "/api/v1/events?from=2027-03-01&to=2027-04-01", token=token)
    assert [(i["id"], i["local"], i["origin_name"]) for i in result["items"]] == [
        (theirs["id"], False, "NYC"),
        (ours["id"], True, "London"),
    ]
    assert result["items"][0]["capacity"] == 25
    assert "audience" not in result["items"][0], "a twin's other twins are not shown"
    local = await london.api.ok("GET", "/api/v1/events?origin=local&from=2027-03-01&to=2027-04-01", token=token)
    assert [i["id"] for i in local["items"]] == [ours["id"]]
    only_nyc = await london.api.ok("GET", f"/api/v1/events?origin={nyc.url}&from=2027-03-01&to=2027-04-01")
    assert [i["id"] for i in only_nyc["items"]] == [theirs["id"]]
    status, _ = await london.api.call("POST", "/api/v1/events", {"title": "x"}, token=token)
    assert status == 403, "members read; only the operator publishes"
    status, _ = await london.api.call("GET", "/api/v1/events", token="")
    assert status == 401


async def test_event__a_twin_taken_out_of_the_audience_deletes_its_copy_even_after_an_outage(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    milan = await nodes("Milan", MILAN_ZONE)
    await twin(nyc, london)
    await twin(nyc, milan)
    created = await publish(nyc, title="Quetzalcoatlite supper", audience="all")
    await eventually(lambda: versions_at(milan, nyc), {created["id"]: 1})
    await milan.stop()
    await nyc.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"audience": [london.url]})
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 2})
    await milan.start()  # the retraction waits for it in NYC's feed
    await eventually(lambda: versions_at(milan, nyc), {})
    if milan.node.settings.uses_postgresql:
        return  # the bytes in the files are SQLite's concern (secure_delete); PostgreSQL's VACUUM reclaims them
    await eventually(lambda: _files_hold(milan, "Quetzalcoatlite"), False)
    assert await _files_hold(london, "Quetzalcoatlite")


async def test_event__a_suspended_twin_taken_out_of_the_audience_deletes_its_copy_on_resume(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    milan = await nodes("Milan", MILAN_ZONE)
    await twin(nyc, london)
    agreement = await twin(nyc, milan)
    created = await publish(nyc, title="Quetzalcoatlite supper", audience="all")
    await eventually(lambda: versions_at(milan, nyc), {created["id"]: 1})
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend", {"reason": "a pause"})
    await nyc.api.ok("PATCH", f"/api/v1/events/{created['id']}", {"audience": [london.url]})
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 2})
    assert await versions_at(milan, nyc) == {created["id"]: 1}, "a pause sends nothing"
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/resume", {})
    await eventually(lambda: versions_at(milan, nyc), {})


async def _files_hold(node: Any, text: str) -> bool:
    return any(text.encode() in path.read_bytes() for path in node.directory.glob("node.db*"))


async def test_event__a_twin_added_back_to_the_audience_keeps_its_copy_when_another_is_taken_out(nodes):
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    milan = await nodes("Milan", MILAN_ZONE)
    await twin(nyc, london)
    await twin(nyc, milan)
    created = await publish(nyc, title="Supper", audience=[london.url, milan.url])
    path = f"/api/v1/events/{created['id']}"
    await nyc.api.ok("PATCH", path, {"audience": [milan.url]})  # London taken out
    await eventually(lambda: versions_at(london, nyc), {})
    await nyc.api.ok("PATCH", path, {"audience": [london.url, milan.url]})  # ... and added back
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 3})
    await nyc.api.ok("PATCH", path, {"audience": [london.url]})  # now Milan is taken out
    await eventually(lambda: versions_at(milan, nyc), {})
    await eventually(lambda: versions_at(london, nyc), {created["id"]: 4})
    await london.node.federation.link(nyc.url).pull_feed()  # whatever NYC still owes London
    assert await versions_at(london, nyc) == {created["id"]: 4}, "London is in the audience: it keeps the event"
    assert [i["title"] for i in await listing(london)] == ["Supper"]
