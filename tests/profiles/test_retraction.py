"""Narrowing, withdrawal and erasure: the card's text leaves every twin's SQLite files (database
and WAL) within a delivery cycle, and a twin that was down purges it when it catches up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from protocol.envelope import seal
from protocol.models import MemberProfile, RetractedObject, Retraction, retraction_id
from tests.support.nodes import InProcessNode, eventually, twin
from tests.support.objects import versions

from .support import files_hold, held_cards, member

SECRET = "Vermicelliografo"
BIO = f"{SECRET} bookbinder of obscure quartos"


async def spaces(nodes: Any) -> tuple[InProcessNode, InProcessNode, InProcessNode]:
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    rome = await nodes("Talent Garden Roma")
    await twin(london, nyc)
    await twin(london, rome)
    return london, nyc, rome


async def publish(london: InProcessNode, token: str, audience: Any) -> str:
    body = {"display_name": "Ottavia B.", "bio": BIO, "shared": ["display_name", "bio"], "audience": audience}
    return str((await london.api.ok("PUT", "/api/v1/profile", body, token=token))["member"])


async def gone(node: InProcessNode) -> list[str]:
    return await files_hold(node, SECRET, "quartos")


async def test_narrowing__the_twin_taken_out_deletes_the_card_even_when_it_was_down(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], "twins")
    for node in (nyc, rome):
        await eventually(lambda node=node: held_cards(node, london.url), {handle: 1})
    assert await gone(rome) and await gone(nyc)
    await rome.stop()
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url]), token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {handle: 2})
    await rome.start()  # catches up from London's feed: the retraction is there for it
    await eventually(lambda: held_cards(rome, london.url), {})
    await eventually(lambda: gone(rome), [])
    assert await versions(rome, "MemberProfile", london.url) == {}
    assert await gone(nyc), "the twin still in the audience keeps the card"
    # A copy of the retracted version pushed late (a stale retry) is refused, not stored again;
    # another card in the same batch, which nothing retracted, is applied.
    other = _old_envelope(london, "0123456789abcdef0123456789abcdef", bio="a card nobody retracted")
    results = await rome.node.inbox.apply(london.url, [other, _old_envelope(london, handle)], via="push")
    assert results[0].status == "applied"
    assert results[1].status == "rejected" and results[1].problem["type"].endswith("/conflict")
    assert await gone(rome) == []
    assert await held_cards(rome, london.url) == {"0123456789abcdef0123456789abcdef": 1}


async def test_narrowing__a_twin_added_back_keeps_the_card_when_another_is_taken_out(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], [nyc.url, rome.url])
    await london.api.ok("PUT", "/api/v1/profile", _card([rome.url]), token=ada["token"])  # NYC out
    await eventually(lambda: held_cards(nyc, london.url), {})
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url, rome.url]), token=ada["token"])  # and back
    await eventually(lambda: held_cards(nyc, london.url), {handle: 3})
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url]), token=ada["token"])  # now Rome is out
    await eventually(lambda: held_cards(rome, london.url), {})
    await nyc.node.federation.link(london.url).pull_feed()  # whatever London still owes NYC
    assert await held_cards(nyc, london.url) == {handle: 4}, "NYC is in the audience: it keeps the card"


async def test_narrowing__a_retraction_older_than_the_card_held_deletes_nothing(nodes):
    london, nyc, _rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], [nyc.url])
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url]) | {"bio": "restorer"}, token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {handle: 2})
    # A retraction of version 1 alone (NYC taken out, then added back in version 2) arriving late.
    late = Retraction(
        origin=london.url,
        id=retraction_id("MemberProfile", handle),
        version=1,
        target=RetractedObject(type="MemberProfile", id=handle),
        up_to_version=1,
        retracted_at=datetime.now(UTC).replace(microsecond=0),
    )
    [result] = await nyc.node.inbox.apply(
        london.url, [seal(late, london.node.keys.current).model_dump(mode="json")], via="push"
    )
    assert result.status == "applied"
    assert await held_cards(nyc, london.url) == {handle: 2}, "version 2 was not retracted: NYC keeps the card"


@pytest.mark.parametrize("pausing", ["london", "rome"])
async def test_narrowing__a_suspended_twin_deletes_the_card_when_the_twinning_resumes(nodes, pausing):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], "twins")
    await eventually(lambda: held_cards(rome, london.url), {handle: 1})
    pauser, other = (london, rome) if pausing == "london" else (rome, london)
    twinning = next(t for t in (await pauser.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == other.url)
    await pauser.api.ok("POST", f"/api/v1/twins/{twinning['id']}/suspend", {"reason": "a pause"})
    await eventually(lambda: _status(other, twinning["id"]), "suspended")
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url]), token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {handle: 2})
    assert await gone(rome), "suspended: nothing reaches Rome yet"
    await pauser.api.ok("POST", f"/api/v1/twins/{twinning['id']}/resume", {})
    await eventually(lambda: held_cards(rome, london.url), {})
    await eventually(lambda: gone(rome), [])
    assert await versions(rome, "MemberProfile", london.url) == {}


async def test_narrowing__widening_again_sends_the_card_back(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], [rome.url])
    await eventually(lambda: held_cards(rome, london.url), {handle: 1})
    await london.api.ok("PUT", "/api/v1/profile", _card([nyc.url]), token=ada["token"])
    await eventually(lambda: held_cards(rome, london.url), {})
    await london.api.ok("PUT", "/api/v1/profile", _card("twins"), token=ada["token"])
    await eventually(lambda: held_cards(rome, london.url), {handle: 3})
    await eventually(lambda: held_cards(nyc, london.url), {handle: 3})


async def test_withdrawal__a_twin_that_was_down_purges_on_catch_up(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], "twins")
    await eventually(lambda: held_cards(rome, london.url), {handle: 1})
    await rome.stop()
    await london.api.ok("DELETE", "/api/v1/profile", token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {})
    await eventually(lambda: gone(nyc), [])
    await rome.start()
    await eventually(lambda: held_cards(rome, london.url), {})
    await eventually(lambda: gone(rome), [])
    assert await gone(london) == []
    status, _ = await london.api.call("GET", "/api/v1/profile", token=ada["token"])
    assert status == 404


async def test_erasure__the_erased_member_s_card_leaves_every_twin(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], "twins")
    for node in (nyc, rome):
        await eventually(lambda node=node: held_cards(node, london.url), {handle: 1})
    await london.api.ok("DELETE", f"/api/v1/members/{ada['id']}")
    for node in (nyc, rome):
        await eventually(lambda node=node: held_cards(node, london.url), {})
        await eventually(lambda node=node: gone(node), [])
    assert await gone(london) == []
    assert await london.node.profiles.get_member_for_handle(handle) is None


def _card(audience: Any) -> dict[str, Any]:
    return {"display_name": "Ottavia B.", "bio": BIO, "shared": ["display_name", "bio"], "audience": audience}


def _old_envelope(london: InProcessNode, handle: str, bio: str = BIO) -> dict[str, Any]:
    """Version 1 of a card, signed by London as it was first sent."""
    card = MemberProfile(
        origin=london.url,
        id=handle,
        member=handle,
        home=london.url,
        version=1,
        display_name="Ottavia B.",
        bio=bio,
        updated_at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1),
    )
    return seal(card, london.node.keys.current).model_dump(mode="json")


async def test_twinning_end__the_ex_twin_deletes_every_card_it_had(nodes):
    london, nyc, rome = await spaces(nodes)
    ada = await member(london, "Ottavia Bianchi")
    handle = await publish(london, ada["token"], "twins")
    for node in (nyc, rome):
        await eventually(lambda node=node: held_cards(node, london.url), {handle: 1})
    twinning = next(t for t in (await nyc.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == london.url)
    await nyc.api.ok("POST", f"/api/v1/twins/{twinning['id']}/end", {"reason": "moving on"})
    assert await held_cards(nyc, london.url) == {}
    assert await versions(nyc, "MemberProfile", london.url) == {}
    await eventually(lambda: gone(nyc), [])
    # London learns of the end too, and Rome keeps its card.
    await eventually(lambda: _status(london, twinning["id"]), "ended")
    assert await held_cards(rome, london.url) == {handle: 1}


async def _status(node: InProcessNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])


async def test_narrowing__a_field_turned_off_leaves_the_twins_files(nodes):
    london, nyc, _ = await spaces(nodes)
    ottavia = await member(london, "Ottavia Bruni")
    handle = await publish(london, ottavia["token"], [nyc.url])
    await eventually(lambda: held_cards(nyc, london.url), {handle: 1})
    assert await gone(nyc)
    body = {"display_name": "Ottavia B.", "bio": BIO, "shared": ["display_name"], "audience": [nyc.url]}
    await london.api.ok("PUT", "/api/v1/profile", body, token=ottavia["token"])
    await eventually(lambda: held_cards(nyc, london.url), {handle: 2})
    await eventually(lambda: gone(nyc), [])
