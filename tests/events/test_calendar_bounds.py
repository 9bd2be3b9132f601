"""The public calendar under strangers and twins: built once per version, no control characters
from a twin, and time zone data bounded whatever dates it holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from protocol.envelope import seal
from protocol.models import Event

from .support import nyc_london, publish

CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")


async def get(node, etag: str | None = None) -> tuple[int, bytes, str]:
    headers = {"If-None-Match": etag} if etag else {}
    async with node.api.session.get(node.local + "/calendar.ics", headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers["ETag"]


async def test_calendar__built_once_per_version_with_etag_and_304(nodes):
    nyc = await nodes("NYC", "America/New_York")
    await publish(nyc, title="First")
    builds = nyc.node.events.public_calendar
    status, body, etag = await get(nyc)
    assert status == 200 and b"SUMMARY:First" in body
    for _ in range(20):
        again = await get(nyc)
        assert again[1:] == (body, etag)
    assert (await get(nyc, etag))[0] == 304
    assert builds.builds == 1, "twenty anonymous requests, one build"

    await publish(nyc, title="Second")
    status, changed, new_etag = await get(nyc, etag)
    assert status == 200 and b"SUMMARY:Second" in changed and new_etag != etag
    assert builds.builds == 2


async def test_calendar__twins_control_characters_never_reach_the_ics(nodes):
    nyc, london = await nyc_london(nodes)
    start = datetime(2027, 3, 16, 18, tzinfo=UTC)
    raw = "Talk\x00\x07\x1b[2J\rBEGIN:VEVENT\r\nX-EVIL:1\x7f\x85\u2028end"
    talk = Event(
        origin=london.url,
        id="ev-hostile",
        version=1,
        title=raw,
        summary=raw,
        description=raw,
        room=raw,
        venue=raw,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        online_url="https://meet.example/\x00\x1b",
        tags=["a\x01b"],
    )
    envelope = seal(talk, london.node.keys.current).model_dump(mode="json")
    resp = await london.node.client.send("POST", nyc.url + "/federation/v1/inbox", {"items": [envelope]})
    assert resp.json()["results"][0]["status"] == "applied"
    await nyc.api.ok("POST", f"/api/v1/events/{talk.id}/export", {"origin": london.url})  # NYC re-hosts it

    status, body, _ = await get(nyc)
    assert status == 200 and b"Talk[2J" in body
    assert CONTROL_BYTES.search(body) is None
    assert re.search(rb"[^\r]\n|\r[^\n]", body) is None, "every line ends in CRLF, and nothing else breaks a line"
    assert b"\r\nX-EVIL" not in body and b"\r\nBEGIN:VEVENT\r\nX-EVIL" not in body


async def test_calendar__time_zone_data_is_bounded_whatever_the_dates(nodes):
    nyc = await nodes("NYC", "America/New_York")
    await publish(
        nyc, title="Since 1971", starts_at="1971-03-16T18:00", ends_at="1971-03-16T20:00", rrule="FREQ=YEARLY"
    )
    await publish(nyc, title="Far off", starts_at="8990-03-16T18:00", ends_at="8990-03-16T20:00")
    status, body, _ = await get(nyc)
    assert status == 200 and b"SUMMARY:Far off" in body and b"SUMMARY:Since 1971" in body
    assert body.count(b"BEGIN:DAYLIGHT") <= 30, "about a dozen years of New York's clock changes, not seven thousand"
    assert len(body) < 20_000
