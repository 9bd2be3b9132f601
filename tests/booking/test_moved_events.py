"""An event that moves after twins' members took places at it: their receipts follow it.

The receipt says when the reservation is: the home's calendar feed, its reminders and views,
the host's front desk and its cancellation deadline all read it. A moved event that left its
receipts at the old time put the member's calendar at the wrong hour (or day) and the guest
on the wrong day's list at the front desk."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.booking.support import add_member, days_ahead, eventually, new_id, reserve, terms, twin_for_booking, wall
from tests.booking.test_mails import EMAIL
from tests.booking.test_mails import sink as sink  # the fixture, a real SMTP server
from tests.support.mail import mail_config, wait_for_mail

NY = "America/New_York"


async def test_moved_event__the_places_taken_follow_it_to_its_new_time(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    day, later = days_ahead(NY, 14), days_ahead(NY, 15)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 4}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    ada = await add_member(london, "Ada")
    rid = new_id()
    status, made = await reserve(london, ada, rid, event_id=talk["id"], twin_id=nyc.url, seats=2)
    assert status == 201 and made["starts_at"] == f"{day}T18:00:00-05:00"

    await nyc.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": wall(later, 19)})

    def moved(r: dict) -> bool:
        return r["status"] == "confirmed" and r["starts_at"] == f"{later}T19:00:00-05:00"

    mine = await eventually(lambda: london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"]), moved)
    assert mine["ends_at"] == f"{later}T22:00:00-05:00"  # the duration is kept
    assert (mine["receipt"]["object"]["version"], mine["seats"], mine["units"]) == (2, 2, 2)
    # The member's calendar shows the new time, as a new SEQUENCE of the same event.
    body = await london.api.call("GET", "/api/v1/reservations.ics", token=ada["token"])
    entry = next(iter(Calendar.from_ical(body[1]).walk("VEVENT")))
    assert (int(entry["SEQUENCE"]), entry["DTSTART"].dt.date(), entry["DTSTART"].dt.hour) == (1, later, 19)
    # The host's front desk expects the guest on the new day, not on the old one.
    assert [g["reservation"] for g in (await nyc.api.ok("GET", f"/api/v1/guests?date={later}"))["items"]] == [rid]
    assert (await nyc.api.ok("GET", f"/api/v1/guests?date={day}"))["items"] == []
    # A change that does not move it (its title) issues no new receipt.
    await nyc.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"title": "Demo night, again"})
    row = await nyc.node.store.db.fetch_one("SELECT version FROM hosted_reservations WHERE id = ?", (rid,))
    assert row["version"] == 2


async def test_moved_event__the_reminder_comes_the_day_before_the_new_date_too(nodes, sink):
    nyc = await nodes("WeCreate NYC", NY)
    london = await nodes("TheCube London", "Europe/London", config=mail_config(sink.port))
    await twin_for_booking(nyc, london, terms())
    day, later = days_ahead(NY, 3), days_ahead(NY, 8)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 4}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    ben = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ben Carter", "email": EMAIL})
    rid = new_id()
    assert (await reserve(london, ben, rid, event_id=talk["id"], twin_id=nyc.url))[0] == 201
    await wait_for_mail(sink, EMAIL)
    mails = london.node.booking.mails

    def the_morning_before(date_: date) -> float:
        moment = datetime.combine(date_ - timedelta(days=1), time(9, 0, 5), ZoneInfo(NY))
        return (moment - datetime.now(ZoneInfo(NY))).total_seconds()

    london.clock.offset_seconds = the_morning_before(day)
    assert await mails.send_reminders() == 1
    london.clock.offset_seconds = 0  # back to now, so that the two nodes' signatures agree
    await nyc.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": wall(later, 18)})
    await eventually(
        lambda: london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ben["token"]),
        lambda r: r["starts_at"].startswith(str(later)),
    )
    london.clock.offset_seconds = the_morning_before(later)
    assert await mails.send_reminders() == 1  # the new date has its own reminder
    assert await mails.send_reminders() == 0
