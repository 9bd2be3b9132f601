"""Mails about reservations abroad, read from a real SMTP server, with their iTIP parts parsed by icalendar."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar

from node.mail.sink import MailSink
from tests.support.mail import calendars, mail_config, parse, wait_for_mail
from tests.support.nodes import InProcessNode, eventually, twin
from tests.web.support import LONDON_ZONE, NYC_ZONE, TERMS

EMAIL = "ben.carter@example.org"


@pytest.fixture
async def sink() -> Any:
    server = MailSink()
    await server.start()
    yield server
    await server.stop()


async def setup(nodes: Any, sink: MailSink) -> tuple[InProcessNode, InProcessNode, dict[str, Any], dict[str, Any]]:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    london = await nodes("TheCube London", LONDON_ZONE, config=mail_config(sink.port))
    await twin(nyc, london, offer=TERMS, request=TERMS)
    resource = await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 10})
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2)
    slot = await nyc.api.ok(
        "POST",
        "/api/v1/slots",
        {
            "resource_id": resource["id"],
            "twin_id": london.url,
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T18:00",
            "seats": 4,
        },
    )
    member = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ben Carter", "email": EMAIL})
    await eventually(
        lambda: london.node.store.objects.get("Slot", nyc.url, slot["id"]), lambda found: found is not None
    )
    return nyc, london, slot, member


async def reserve(
    nyc: InProcessNode, london: InProcessNode, slot: dict[str, Any], member: dict[str, Any]
) -> tuple[int, Any]:
    body = {"slot_id": slot["id"], "twin_id": nyc.url, "seats": 1}
    return await london.api.call("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=member["token"])


async def feed_event(london: InProcessNode, member: dict[str, Any]) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.get(member["calendar_url"].replace(london.url, london.local)) as r,
    ):
        [event] = Calendar.from_ical(await r.read()).walk("VEVENT")
    return event


async def test_mails__a_confirmed_reservation_mails_an_itip_request_matching_the_calendar_feed(nodes, sink):
    nyc, london, slot, member = await setup(nodes, sink)
    status, reservation = await reserve(nyc, london, slot, member)
    assert status == 201
    [mail] = await wait_for_mail(sink, EMAIL)
    message = parse(mail)
    assert str(message["Subject"]).startswith("Confirmed: Hot desks at WeCreate NYC")
    text = mail.text()
    assert "WeCreate NYC confirmed your reservation: Hot desks, 1 seat" in text
    assert "09:00 to 18:00 (New York time)" in text and "(London time)" in text
    assert f"TheCube London, {london.url}" in text  # the footer names the space
    assert "List-Unsubscribe" not in message  # not an optional mail
    [alternative, attachment] = calendars(mail)
    assert alternative.get("method") == "REQUEST" == attachment.get("method")
    [event] = attachment.walk("VEVENT")
    feed = await feed_event(london, member)
    assert str(event["uid"]) == str(feed["uid"]) == f"{reservation['id']}@gemellaggio"
    assert int(event["sequence"]) == int(feed["sequence"])
    assert str(event["attendee"]) == f"mailto:{EMAIL}" and str(event["organizer"]).startswith("mailto:noreply@")


async def test_mails__a_cancellation_mails_an_itip_cancel_with_a_higher_sequence(nodes, sink):
    nyc, london, slot, member = await setup(nodes, sink)
    _, reservation = await reserve(nyc, london, slot, member)
    [confirmed] = await wait_for_mail(sink, EMAIL)
    await london.api.ok("DELETE", f"/api/v1/reservations/{reservation['id']}", token=member["token"])
    cancelled = (await wait_for_mail(sink, EMAIL, 2))[1]
    assert str(parse(cancelled)["Subject"]) == "Cancelled: Hot desks at WeCreate NYC"
    [cancel, _] = calendars(cancelled)
    assert cancel.get("method") == "CANCEL"
    [event] = cancel.walk("VEVENT")
    [first] = calendars(confirmed)[0].walk("VEVENT")
    feed = await feed_event(london, member)
    assert str(event["uid"]) == str(first["uid"]) == str(feed["uid"])
    assert int(event["sequence"]) == int(feed["sequence"]) > int(first["sequence"])
    assert str(event["status"]) == "CANCELLED"


async def test_mails__a_slot_withdrawn_by_the_host_mails_the_member(nodes, sink):
    nyc, london, slot, member = await setup(nodes, sink)
    await reserve(nyc, london, slot, member)
    await wait_for_mail(sink, EMAIL)
    await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    withdrawn = (await wait_for_mail(sink, EMAIL, 2))[1]
    assert str(parse(withdrawn)["Subject"]) == "Withdrawn by WeCreate NYC: Hot desks"
    assert "WeCreate NYC withdrew what you had reserved" in withdrawn.text()
    assert calendars(withdrawn)[0].get("method") == "CANCEL"


async def test_mails__a_host_that_does_not_answer_gets_one_still_pending_mail(nodes, sink):
    nyc, london, slot, member = await setup(nodes, sink)
    await nyc.stop()
    status, _ = await reserve(nyc, london, slot, member)
    assert status == 202
    [waiting] = await wait_for_mail(sink, EMAIL)
    assert str(parse(waiting)["Subject"]) == "Waiting for WeCreate NYC's answer"
    assert "We keep asking" in waiting.text()
    await london.node.booking.retrier.run_once()
    assert len(sink.to(EMAIL)) == 1


async def test_mails__a_reminder_the_day_before_in_the_hosts_time_with_one_click_unsubscribe(nodes, sink):
    nyc, london, slot, member = await setup(nodes, sink)
    await reserve(nyc, london, slot, member)
    await wait_for_mail(sink, EMAIL)
    mails = london.node.booking.mails
    assert await mails.send_reminders() == 0  # not yet: it is not the day before in New York
    start = datetime.fromisoformat(slot["starts_at"]).astimezone(ZoneInfo(NYC_ZONE))
    moment = datetime.combine(start.date() - timedelta(days=1), datetime.min.time(), ZoneInfo(NYC_ZONE))
    london.clock.offset_seconds = (moment.replace(hour=9) - datetime.now(ZoneInfo(NYC_ZONE))).total_seconds() + 5
    assert await mails.send_reminders() == 1
    assert await mails.send_reminders() == 0  # once per reservation
    reminder = (await wait_for_mail(sink, EMAIL, 2))[1]
    message = parse(reminder)
    assert str(message["Subject"]) == "Tomorrow: Hot desks at WeCreate NYC"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    post_url = str(message["List-Unsubscribe"]).strip("<>").replace(london.url, london.local)
    assert "You can stop these mails with one click" in reminder.text()
    async with aiohttp.ClientSession() as session, session.post(post_url, data="List-Unsubscribe=One-Click") as resp:
        assert resp.status == 200
    found = await london.node.booking.members.get(member["id"])
    assert found.optional_mail is False
