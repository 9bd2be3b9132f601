"""Dates and text as weapons: far-future and malformed dates from members and from twins, control
characters in a twin's text fields. Each is an answer with a sentence (4xx) or is shown as
harmless text; never a 500, never a broken calendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from .conftest import ArenaFactory
from .test_floods import in_our_week

BAD_DATES = [
    "9999-12-31",
    "9999-12-31T23:59",
    "99999-01-01",
    "0001-01-01",
    "0000-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-01-01T25:00",
    "2026-01-01T00:00:00+99:00",
    "+002026-01-01",
    "1e9",
    "nan",
    "2026-01-01\x00",
    "2026-01-01T00:00:00.999999999999999",
    "x" * 10_000,
]


async def far_future_series(arena: Any) -> None:
    """The twin's events at the very end of what the wire allows, one of them a daily series."""
    start = datetime(8999, 12, 30, 18, tzinfo=UTC)
    late = [
        {"id": "last-day", "starts_at": start, "ends_at": start + timedelta(hours=5)},
        {"id": "last-series", "starts_at": start, "ends_at": start + timedelta(hours=1), "rrule": "FREQ=DAILY"},
    ]
    envelopes = []
    for fields in late:
        event = in_our_week(arena.twin.url, str(fields.pop("id")), 0).model_copy(update=fields)
        envelopes.append(arena.twin.seal(event.model_dump(mode="json", exclude_none=True)))
    answers = await arena.twin.push(arena.home, envelopes)
    assert answers[0][0] == 202, answers


def problem_or_page(status: int, body: bytes, content_type: str) -> str | None:
    """What is wrong with an answer to a bad date (None: nothing)."""
    if status >= 500:
        return f"HTTP {status}"
    if status >= 400 and content_type == "application/problem+json":
        detail = json.loads(body).get("detail")
        return None if isinstance(detail, str) and detail else "a problem without a sentence"
    return None


async def test_dates__far_future_and_malformed_dates_get_a_sentence_never_a_500(arena: ArenaFactory) -> None:
    a = await arena()
    await far_future_series(a)
    urls = []
    for bad in BAD_DATES:
        q = quote(bad)
        urls += [f"/api/v1/events?from={q}", f"/api/v1/events?from=2026-01-01&to={q}", f"/?from={q}"]
        urls += [f"/api/v1/twins/{a.twinning_id}/slots?from={q}"]
    urls += ["/api/v1/events?from=8999-12-01&to=8999-12-31", "/?from=8999-12-28", "/api/v1/reservations.ics"]
    wrong = {}
    async with a.watch() as watch:
        for url in urls:
            async with a.home.api.session.get(a.home.local + url, headers=a.member.headers) as resp:
                what = problem_or_page(resp.status, await resp.read(), resp.content_type)
                if what:
                    wrong[url[:80]] = what
    await a.unharmed_after(watch)
    assert not wrong, wrong


CONTROL = "\x00\x07\x08\x1b\x7f\u0085"  # C0 (not tab or newline), DEL and C1
INJECTION = "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\r\nUID:evil@example"


async def test_control_characters__a_twins_text_is_shown_as_text_and_never_reaches_ics_raw(
    arena: ArenaFactory,
) -> None:
    a = await arena()
    event = in_our_week(a.twin.url, "noisy", 4).model_copy(
        update={
            "title": "Noisy" + CONTROL + "[31m" + INJECTION[:60],
            "summary": "A summary" + CONTROL,
            "description": "Line one" + INJECTION + CONTROL,
            "venue": "Hall" + CONTROL,
        }
    )
    wire = event.model_dump(mode="json", exclude_none=True)
    async with a.watch() as watch:
        status, body = await a.twin.send("POST", a.home.url + "/federation/v1/inbox", {"items": [a.twin.seal(wire)]})
        assert status == 202, body
        copy = await a.home.api.ok("POST", "/api/v1/events/noisy/export", {})  # re-hosted: in our calendar
        async with a.home.api.session.get(a.home.local + "/calendar.ics") as resp:
            ics = await resp.read()
            ics_status = resp.status
    await a.unharmed_after(watch)
    assert ics_status == 200 and copy["exported_from"]["id"] == "noisy"
    text = ics.decode("utf-8")
    lines = text.replace("\r\n ", "").split("\r\n")  # unfolded (RFC 5545 3.1)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1 + len(a.member.own_events)
    assert not [line for line in lines if line.startswith("UID:evil")], "the twin's text wrote its own calendar lines"
    raw_controls = [c for c in CONTROL if c in text]
    assert not raw_controls, f"control characters reached the calendar: {raw_controls!r}"


async def test_markup__a_twins_name_and_text_are_shown_as_text_on_every_page(arena: ArenaFactory) -> None:
    a = await arena(twinned=False)
    a.twin.name = '<img src=x onerror=alert(1)>"Mallory'
    await a.twin.twin_with(a.home)  # the node reads the twin's name from its document
    event = in_our_week(a.twin.url, "markup", 1).model_copy(
        update={"title": "<script>alert(2)</script>", "venue": "<b>bold</b>", "summary": "</li></ul><form>"}
    )
    status, _ = await a.twin.send("POST", a.home.url + "/federation/v1/inbox", {"items": [a.twin.seal(event)]})
    assert status == 202
    pages = {"/": a.member.headers, "/reservations": a.member.headers}
    operator = {"Authorization": f"Bearer {a.home.token}"}
    pages |= {"/admin": operator, "/admin/delivery": operator, "/admin/events": operator}
    async with a.watch() as watch:
        for path, headers in pages.items():
            async with a.home.api.session.get(a.home.local + path, headers=headers) as resp:
                page = await resp.text()
            assert resp.status == 200, path
            for markup in ("<img src=x", "<script>alert", "<b>bold", "</li></ul><form>"):
                assert markup not in page, f"{markup!r} reached {path} as markup"
    await a.unharmed_after(watch)
    week = await a.home.api.ok("GET", f"/api/v1/events?{a.member.week_query()}")
    assert any(item["id"] == "markup" for item in week["items"]), "the twin's event is listed, as text"
