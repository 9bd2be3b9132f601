"""Re-hosting a twin's event: "also at" on both sides, flags when the origin changes it."""

from __future__ import annotations

from datetime import UTC, datetime

from protocol.envelope import seal
from protocol.models import RetractedObject, Retraction, retraction_id
from tests.support.nodes import eventually, twin

from .support import listing, member_token, nyc_london, publish, versions_at

LONDON_TALK = {"title": "Hackathon finals", "starts_at": "2027-03-23T18:00", "ends_at": "2027-03-23T20:00"}


async def exported(nodes, **fields):
    """London announces its finals; NYC re-hosts them as a watch party."""
    nyc, london = await nyc_london(nodes)
    talk = await publish(london, **LONDON_TALK, online_url="https://live.london.example/finals")
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    copy = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {"room": "Main hall", **fields})
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 1})
    return nyc, london, talk, copy


async def flags_at(node):
    return [f for item in (await node.api.ok("GET", "/api/v1/events/flags"))["items"] for f in item["flags"]]


async def test_export__copy_is_local_linked_and_both_spaces_show_also_at(nodes):
    nyc, london, talk, copy = await exported(nodes)
    assert copy["exported_from"] == {"origin": london.url, "id": talk["id"], "name": "London"}
    assert (copy["origin"], copy["room"], copy["venue"], copy["title"]) == (
        nyc.url,
        "Main hall",
        "NYC",
        "Hackathon finals",
    )
    # By default the copy keeps the local wall time: 18:00 in London is 18:00 in New York.
    assert (copy["starts_at"], copy["ends_at"]) == ("2027-03-23T18:00:00-04:00", "2027-03-23T20:00:00-04:00")
    assert copy["timezone"] == "America/New_York"
    assert copy["online_url"] == "https://live.london.example/finals"

    at_nyc = {i["id"]: i for i in await listing(nyc)}
    assert [(a["name"], a["id"]) for a in at_nyc[talk["id"]]["also_at"]] == [("NYC", copy["id"])]
    assert [(a["name"], a["id"]) for a in at_nyc[copy["id"]]["also_at"]] == [("London", talk["id"])]
    [at_london] = [i for i in await listing(london) if i["id"] == talk["id"]]
    assert [(a["name"], a["id"], a["starts_at"]) for a in at_london["also_at"]] == [
        ("NYC", copy["id"], "2027-03-23T18:00:00-04:00"),
    ]


async def test_export__same_moment_keeps_the_originals_instant(nodes):
    _nyc, _london, _talk, copy = await exported(nodes, same_moment=True)
    assert (copy["starts_at"], copy["ends_at"]) == ("2027-03-23T14:00:00-04:00", "2027-03-23T16:00:00-04:00")


async def test_export__a_wall_time_the_clocks_skip_here_is_taken_after_the_gap(nodes):
    nyc, london = await nyc_london(nodes)
    # 02:30 on 14 March 2027 exists in London (GMT) but not in New York (clocks jump 02:00 -> 03:00).
    night = await publish(london, title="Night owls", starts_at="2027-03-14T02:30", ends_at="2027-03-14T04:00")
    await eventually(lambda: versions_at(nyc, london), {night["id"]: 1})
    copy = await nyc.api.ok("POST", f"/api/v1/events/{night['id']}/export", {})
    assert (copy["starts_at"], copy["ends_at"]) == ("2027-03-14T03:30:00-04:00", "2027-03-14T05:00:00-04:00")


async def test_export__own_time_and_room_and_conflicts(nodes):
    nyc, _london, talk, copy = await exported(nodes, starts_at="2027-03-24T18:00", capacity=30)
    assert (copy["starts_at"], copy["ends_at"], copy["capacity"]) == (
        "2027-03-24T18:00:00-04:00",
        "2027-03-24T20:00:00-04:00",
        30,
    )
    status, problem = await nyc.api.call("POST", f"/api/v1/events/{talk['id']}/export", {})
    assert (status, problem["event_id"]) == (409, copy["id"]), "one live copy per event"
    status, _ = await nyc.api.call("POST", f"/api/v1/events/{copy['id']}/export", {})
    assert status == 404, "only a twin's event can be re-hosted"
    status, _ = await nyc.api.call("POST", "/api/v1/events/ev-nope/export", {})
    assert status == 404


async def test_export__origin_moves_the_event_copy_is_flagged_and_operator_follows(nodes):
    nyc, london, talk, copy = await exported(nodes)
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": "2027-03-24T18:00"})
    [flag] = await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    assert [c["field"] for c in flag["changes"]] == ["starts_at", "ends_at"]
    assert flag["changes"][0]["now"] == "2027-03-24T18:00:00Z"
    assert "London changed the original event" in flag["notice"] and "Wed, 24 Mar 2027, 14:00" in flag["notice"]
    token = await member_token(nyc)
    shown = (await nyc.api.ok("GET", f"/api/v1/events/{copy['id']}", token=token))["flags"]
    assert [f["notice"] for f in shown] == [flag["notice"]], "members are told"
    assert (await nyc.api.ok("GET", f"/api/v1/events/{copy['id']}"))["starts_at"] == copy["starts_at"]

    followed = await nyc.api.ok("POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "follow"})
    assert (followed["starts_at"], followed["version"], followed["flags"]) == ("2027-03-24T18:00:00-04:00", 2, [])
    assert await flags_at(nyc) == []
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 2})
    [at_london] = [i for i in await listing(london) if i["id"] == talk["id"]]
    assert at_london["also_at"][0]["starts_at"] == "2027-03-24T18:00:00-04:00"
    status, _ = await nyc.api.call("POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "follow"})
    assert status == 404, "no open flag left"


async def test_export__origin_cancels_operator_keeps_the_copy(nodes):
    nyc, london, talk, copy = await exported(nodes)
    await london.api.ok("DELETE", f"/api/v1/events/{talk['id']}")
    [flag] = await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    assert flag["changes"] == [{"field": "status", "was": "scheduled", "now": "cancelled"}]
    assert "it is now cancelled" in flag["notice"]
    kept = await nyc.api.ok("POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "keep"})
    assert (kept["status"], kept["version"], kept["flags"]) == ("scheduled", 1, [])
    assert await flags_at(nyc) == []


async def test_export__origin_cancels_operator_follows_and_london_sees_it(nodes):
    nyc, london, talk, copy = await exported(nodes)
    await london.api.ok("DELETE", f"/api/v1/events/{talk['id']}")
    await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    followed = await nyc.api.ok("POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "follow"})
    assert followed["status"] == "cancelled"
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 2})


async def test_export__editing_the_copy_answers_the_flag_and_a_revert_clears_it(nodes):
    nyc, london, talk, copy = await exported(nodes)
    talk_path = f"/api/v1/events/{talk['id']}"
    await london.api.ok("PATCH", talk_path, {"starts_at": "2027-03-24T18:00"})
    await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    await nyc.api.ok("PATCH", f"/api/v1/events/{copy['id']}", {"starts_at": "2027-03-24T19:00"})
    assert await flags_at(nyc) == []

    await london.api.ok("PATCH", talk_path, {"starts_at": "2027-03-25T18:00"})
    await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    await london.api.ok("PATCH", talk_path, {"starts_at": "2027-03-24T18:00"})  # back to what NYC agreed with
    await eventually(lambda: flags_at(nyc), [])
    await london.api.ok("PATCH", talk_path, {"title": "Hackathon finals, live"})  # not a time: no flag
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 5})
    assert await flags_at(nyc) == []


async def test_export__cancelling_a_flagged_copy_answers_the_flag_and_raises_no_more(nodes):
    nyc, london, talk, copy = await exported(nodes)
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": "2027-03-24T18:00"})
    await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    await nyc.api.ok("DELETE", f"/api/v1/events/{copy['id']}")
    assert await flags_at(nyc) == []
    await london.api.ok("DELETE", f"/api/v1/events/{talk['id']}")
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 3})
    assert await flags_at(nyc) == [], "a cancelled copy is not flagged"


async def test_export__a_twins_copy_of_our_event_is_not_listed_among_the_twins_events(nodes):
    from tests.web.support import Browserless

    _nyc, london, talk, copy = await exported(nodes)
    client = Browserless(london.local)
    try:
        await client.sign_in(london.token, "/admin")
        status, page = await client.get("/admin/events?from=2027-03-20")
        assert status == 200
        theirs = page[page.index('id="theirs-head"') :]
        assert f'id="event-{copy["id"]}"' not in theirs, "NYC's copy of our own event is not a twin's event"
        ours = page[page.index(f'id="event-{talk["id"]}"') :]
        assert "Also hosted at NYC at 18:00 New York time" in ours[: ours.index("</tr>")]
    finally:
        await client.close()


async def test_export__the_origin_taking_us_out_of_the_audience_cancels_our_copy(nodes):
    nyc, london = await nyc_london(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await twin(london, milan)
    talk = await publish(london, **LONDON_TALK, audience=[nyc.url, milan.url])
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    copy = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {"room": "Main hall"})
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": "2027-03-24T18:00"})

    async def flag_count():
        return len(await flags_at(nyc))

    await eventually(flag_count, 1)  # the move raised a flag on our copy
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"audience": [milan.url]})  # NYC taken out
    await eventually(lambda: versions_at(nyc, london), {})

    async def copy_status():
        return [(i["id"], i["status"]) for i in await listing(nyc, origin="local")]

    await eventually(copy_status, [(copy["id"], "cancelled")])
    assert await flags_at(nyc) == [], "no flag is left open on a copy whose original is gone"
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 2})  # London sees the copy cancelled


async def test_export__a_copy_with_its_own_title_does_not_carry_the_originals_translations(nodes):
    nyc, london = await nyc_london(nodes)
    spanish = {"es": {"title": "Final del hackathon", "summary": ""}}
    talk = await publish(london, **LONDON_TALK, language="en", translations=spanish)
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    plain = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {})
    assert plain["translations"] == spanish, "the original's words, and their translations"
    await nyc.api.ok("DELETE", f"/api/v1/events/{plain['id']}")
    party = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {"title": "Watch party: the finals"})
    assert "translations" not in party, "a Spanish reader would read the original's title, not ours"
    assert party["title"] == "Watch party: the finals"


async def test_export__a_retraction_older_than_the_version_held_changes_nothing_here(nodes):
    nyc, london = await nyc_london(nodes)
    talk = await publish(london, **LONDON_TALK, rrule="FREQ=WEEKLY;COUNT=3")
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    copy = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {"room": "Main hall"})
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"title": "Hackathon finals, live"})
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 1})
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 2})
    # A retraction of version 1 alone (NYC taken out, then added back in version 2) arriving late.
    late = Retraction(
        origin=london.url,
        id=retraction_id("Event", talk["id"]),
        version=1,
        target=RetractedObject(type="Event", id=talk["id"]),
        up_to_version=1,
        retracted_at=datetime.now(UTC).replace(microsecond=0),
    )
    envelope = seal(late, london.node.keys.current).model_dump(mode="json")
    [result] = await nyc.node.inbox.apply(london.url, [envelope], via="push")
    assert result.status == "applied"
    assert await versions_at(nyc, london) == {talk["id"]: 2}, "version 2 was not retracted"
    assert [i["status"] for i in await listing(nyc, origin="local")] == ["scheduled"], "our copy stays"
    later = await listing(nyc, origin=london.url, **{"from": "2027-03-25"})
    assert [i["starts_at"][:10] for i in later] == ["2027-03-30", "2027-04-06"], "and its series is whole"


async def test_export__origin_changes_its_online_link_copy_is_flagged_and_follows(nodes):
    nyc, london, talk, copy = await exported(nodes)
    await london.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"online_url": "https://live.london.example/new"})
    [flag] = await eventually(lambda: flags_at(nyc), lambda f: len(f) == 1)
    assert flag["changes"] == [
        {"field": "online_url", "was": "https://live.london.example/finals", "now": "https://live.london.example/new"}
    ]
    assert "its online link changed" in flag["notice"]
    followed = await nyc.api.ok("POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "follow"})
    new_link = "https://live.london.example/new"
    assert (followed["online_url"], followed["version"], followed["flags"]) == (new_link, 2, [])
    await eventually(lambda: versions_at(london, nyc), {copy["id"]: 2})
