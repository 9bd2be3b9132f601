"""Members: added by the operator, introduced abroad by a pass with an opaque id, removable."""

from __future__ import annotations

import dataclasses

from protocol.envelope import open_envelope, read_envelope
from protocol.models import MemberPass
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    kind_of,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)


async def test_members__the_operator_adds_and_lists_them_and_each_gets_a_token(nodes):
    london = await nodes("London", "Europe/London")
    ada = await add_member(london, "Ada Lovelace")
    assert set(ada) >= {"id", "token", "calendar_url", "display_name", "email"}
    assert ada["calendar_url"].startswith(f"{london.url}/api/v1/reservations.ics?secret=")
    listed = (await london.api.ok("GET", "/api/v1/members"))["items"]
    assert [(m["id"], m["display_name"], m["email"]) for m in listed] == [
        (ada["id"], "Ada Lovelace", "ada.lovelace@example.org")
    ]
    assert "token" not in listed[0]
    assert (await london.api.ok("GET", "/api/v1/reservations", token=ada["token"]))["items"] == []
    status, problem = await london.api.call("GET", "/api/v1/members", token=ada["token"])
    assert status == 403 and kind_of(problem) == "forbidden"
    status, problem = await london.api.call("POST", "/api/v1/members", {"display_name": "", "email": "nope"})
    assert status == 422 and {e["field"] for e in problem["errors"]} == {"display_name", "email"}


async def test_members__member_since_is_a_written_day_not_a_number(nodes):
    london = await nodes("London", "Europe/London")
    body = {"display_name": "Ada Lovelace", "email": "ada@example.org"}
    for number in (0, 0.0, 86400):  # pydantic's lax date read these as seconds since 1970
        status, problem = await london.api.call("POST", "/api/v1/members", {**body, "member_since": number})
        assert status == 422 and kind_of(problem) == "validation-error"
        assert "YYYY-MM-DD" in problem["detail"]
    assert (await london.api.ok("GET", "/api/v1/members"))["items"] == []
    added = await london.api.ok("POST", "/api/v1/members", {**body, "member_since": "2024-02-15"})
    assert added["member_since"] == "2024-02-15"


async def test_member_pass__is_signed_short_lived_and_carries_only_an_opaque_id_and_a_name(nodes):
    london = await nodes("London", "Europe/London")
    ada = await add_member(london, "Ada")
    members = london.node.booking.members
    envelope = members.issue_pass(await members.get(ada["id"]))
    member_pass = open_envelope(read_envelope(envelope), london.node.keys.current.verify_key, signer=london.url)
    assert isinstance(member_pass, MemberPass)
    assert set(envelope["object"]) == {
        "type",
        "origin",
        "id",
        "version",
        "member_id",
        "display_name",
        "home",
        "issued_at",
        "expires_at",
    }
    assert (member_pass.member_id, member_pass.display_name) == (ada["id"], "Ada")
    assert len(member_pass.member_id) == 24 and int(member_pass.member_id, 16) >= 0  # random, opaque
    assert (member_pass.expires_at - member_pass.issued_at).total_seconds() <= 600


async def test_members__removing_one_deletes_personal_data_and_tokens_receipts_keep_the_opaque_id(nodes):
    nyc = await nodes("NYC", "America/New_York")
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    desk = await add_resource(nyc, "desk", 4)
    day = days_ahead("America/New_York", 8)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 2)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, 2)
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=slot["id"]))[0] == 201

    assert (await london.api.ok("DELETE", f"/api/v1/members/{ada['id']}"))["deleted"] is True
    assert (await london.api.ok("GET", "/api/v1/members"))["items"] == []
    status, _ = await london.api.call("GET", "/api/v1/reservations", token=ada["token"])
    assert status == 401
    status, _ = await london.api.call("GET", ada["calendar_url"].removeprefix(london.url))
    assert status == 401  # the calendar secret went with the member
    status, problem = await london.api.call("DELETE", f"/api/v1/members/{ada['id']}")
    assert status == 404 and kind_of(problem) == "not-found"
    # What stays: the reservation with the opaque id and the signed receipt; no name, no email.
    rows = await london.node.store.db.fetch_all("SELECT * FROM home_reservations")
    assert [(r["id"], r["member_id"]) for r in rows] == [(rid, ada["id"])]
    dump = " ".join(str(tuple(r)) for r in rows)
    assert "Ada" not in dump and "example.org" not in dump
    assert await london.node.store.db.fetch_all("SELECT * FROM tokens WHERE member_id = ?", (ada["id"],)) == []


async def test_member_pass__one_pass_serves_its_first_half_life_then_a_new_one_is_signed(nodes):
    london = await nodes("London", "Europe/London")
    ada = await add_member(london, "Ada")
    members = london.node.booking.members
    member = await members.get(ada["id"])
    first = members.issue_pass(member)
    assert members.issue_pass(member) is first  # a signed pass never changes: no second signature
    renamed = members.issue_pass(dataclasses.replace(member, display_name="Ada L."))
    assert renamed["object"]["display_name"] == "Ada L." and renamed["object"]["id"] != first["object"]["id"]
    london.node.clock.offset_seconds += 301  # past half of the ten-minute lifetime
    later = members.issue_pass(member)
    assert later["object"]["id"] != first["object"]["id"]
    assert later["object"]["issued_at"] > first["object"]["issued_at"]
