"""The space's page lists what is coming: a series that began weeks ago is still upcoming, at
its next occurrence, and its own page says when that is."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any


async def test_space_page__lists_a_series_that_began_earlier_at_its_next_occurrence(nodes: Any) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    weekly = await milan.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Weekly breakfast", "starts_at": "2027-03-16T08:00", "ends_at": "2027-03-16T09:00",
         "rrule": "FREQ=WEEKLY", "exdates": ["2027-04-06T08:00"]},
    )  # fmt: skip
    once = await milan.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Spring talk", "starts_at": "2027-04-20T18:00", "ends_at": "2027-04-20T19:00"},
    )
    # Thursday 1 April 2027, noon in Milan: the breakfast met twice, the next one (6 April) is left out.
    milan.clock.offset_seconds = (datetime(2027, 4, 1, 10, tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    async with milan.api.session.get(milan.local + "/space") as resp:
        page = await resp.text()
    listed = re.findall(r'<li id="public-event-([^"]+)">(.*?)</li>', page, re.S)
    assert [event_id for event_id, _ in listed] == [weekly["id"], once["id"]], "the series is still upcoming"
    breakfast = listed[0][1]
    assert "Tue 13 Apr" in breakfast and "08:00" in breakfast, breakfast
    assert '"startDate": "2027-04-13T08:00:00+02:00"' in page
    async with milan.api.session.get(f"{milan.local}/events/{weekly['id']}") as resp:
        page = await resp.text()
    assert "Tue 13 Apr" in page and '"startDate": "2027-04-13T08:00:00+02:00"' in page, (
        "its page says when it meets next"
    )
