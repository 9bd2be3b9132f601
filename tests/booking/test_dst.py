"""DST: a night at a London room across the clock changes counts real hours; a desk-day is a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.booking.support import add_member, add_resource, new_id, offer, reserve, terms, today_in, twin_for_booking

LONDON = "Europe/London"


def last_sunday(year: int, month: int) -> date:
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def next_change(month: int) -> date:
    """The next last Sunday of `month` that is still ahead."""
    today = today_in(LONDON)
    found = last_sunday(today.year, month)
    return found if found > today + timedelta(days=1) else last_sunday(today.year + 1, month)


async def test_dst__room_nights_count_7_and_5_real_hours_desk_days_count_one_day(nodes):
    london = await nodes("London", LONDON)
    nyc = await nodes("NYC", "America/New_York")
    gives = terms(("meeting_room", "hour", 100, "month"), ("desk", "day", 10, "month"), book_ahead_days=730)
    await twin_for_booking(london, nyc, gives)
    room = await add_resource(london, "meeting_room", 2, name="Thames")
    desk = await add_resource(london, "desk", 2, name="Hot desks")
    ada = await add_member(nyc, "Ada")
    expected = {}
    for month, hours in ((10, 7), (3, 5)):
        day = next_change(month)
        start, end = f"{day.isoformat()}T00:00", f"{day.isoformat()}T06:00"
        room_slot = await offer(london, room["id"], nyc.url, start, end, 2)
        desk_slot = await offer(london, desk["id"], nyc.url, start, end, 2)
        status, made = await reserve(nyc, ada, new_id(), slot_id=room_slot["id"], twin_id=london.url, seats=1)
        assert status == 201, made
        assert (made["units"], made["unit"]) == (hours, "hour")
        starts = datetime.fromisoformat(made["receipt"]["object"]["starts_at"])
        assert starts.astimezone(ZoneInfo(LONDON)).replace(tzinfo=None) == datetime(day.year, day.month, day.day)
        status, made = await reserve(nyc, ada, new_id(), slot_id=desk_slot["id"], twin_id=london.url, seats=2)
        assert status == 201 and (made["units"], made["unit"]) == (2, "day")  # 2 seats x 1 day
        expected[day.strftime("%Y-%m")] = hours

    for period, hours in expected.items():
        for node, side in ((london, "given"), (nyc, "taken")):
            lines = (await node.api.ok("GET", f"/api/v1/ledger?period={period}"))["twins"][0][side]
            by_kind = {line["kind"]: line for line in lines}
            assert (by_kind["meeting_room"]["units"], by_kind["meeting_room"]["unit"]) == (hours, "hour")
            assert by_kind["meeting_room"]["allowance"]["remaining"] == 100 - hours
            assert (by_kind["desk"]["units"], by_kind["desk"]["unit"]) == (2, "day")
