"""Pages as HTTP answers: headers, errors as pages, the operator's forms reaching the services."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.support.nodes import eventually
from tests.web.support import Browserless, twinned_pair


async def test_pages__are_html_with_safe_headers(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        async with client.session.get(pair.london.local + "/") as resp:
            html = await resp.text()
            assert resp.status == 200 and resp.content_type == "text/html"
            assert '<html lang="en">' in html and 'name="viewport"' in html
            assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["Cache-Control"] == "no-store"
            assert resp.headers["X-Frame-Options"] == "DENY"
        browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        async with client.session.get(pair.london.local + "/admin/nowhere", headers=browser) as resp:
            assert resp.status == 404 and resp.content_type == "text/html"
            assert "Page not found" in await resp.text()
        async with client.session.get(pair.london.local + "/admin/nowhere") as resp:
            assert resp.status == 404 and resp.content_type == "application/problem+json"
        async with client.session.get(pair.london.local + "/static/style.css") as resp:
            assert resp.status == 200 and "max-age" in resp.headers["Cache-Control"]
        async with client.session.get(pair.london.local + "/api/v1/nowhere") as resp:
            assert resp.content_type == "application/problem+json"  # the API stays JSON
    finally:
        await client.close()


async def test_pages__member_week_shows_the_twins_slot_in_both_zones(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        status, html = await client.get("/")
        assert status == 200
        entry = html[html.index(f'id="slot-{pair.slot["id"]}"') :]
        entry = entry[: entry.index("</li>")]
        assert "New York" in entry and "Your time" in entry and "4 of 4 seats left" in entry
        assert "09:00\u201318:00" in entry
    finally:
        await client.close()


async def test_pages__operator_forms_reach_the_services(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        csrf = await client.csrf("/admin")
        resp = await client.post(
            "/admin/events",
            {
                "csrf_token": csrf,
                "title": "Pitch practice",
                "starts_at": f"{pair.day}T18:00",
                "ends_at": f"{pair.day}T19:30",
                "timezone": "America/New_York",
                "capacity": "12",
                "audience": "all",
            },
            follow=True,
        )
        assert "Published \u201cPitch practice\u201d" in await resp.text()
        events = await pair.nyc.api.ok("GET", "/api/v1/events?origin=local")
        event = next(e for e in events["items"] if e["title"] == "Pitch practice")
        assert event["capacity"] == 12 and event["starts_at"].startswith(f"{pair.day}T18:00")
        await eventually(lambda: _has_event(pair, event["id"]), True)

        resp = await client.post(
            "/admin/members", {"csrf_token": csrf, "display_name": "Ada Lopez", "email": "ada@example.org"}
        )
        html = await resp.text()
        token = re.search(r'<code id="new-token">([^<]+)</code>', html)
        assert token and "shown <strong>only now</strong>" in html
        assert await pair.nyc.node.store.tokens.get(token.group(1)) is not None
        _, later = await client.get("/admin/members")
        assert "Ada Lopez" in later and token.group(1) not in later

        resp = await client.post(
            "/admin/slots",
            {
                "csrf_token": csrf,
                "resource_id": pair.slot["resource"]["id"],
                "twin_id": pair.london.url,
                "starts_at": f"{pair.day}T09:00",
                "ends_at": f"{pair.day}T18:00",
                "seats": "99",
            },
            follow=True,
        )
        text = await resp.text()
        assert "Could not offer the slot" in text and 'value="99"' in text  # the form keeps what was typed
    finally:
        await client.close()


async def _has_event(pair: Any, event_id: str) -> bool:
    return await pair.london.node.store.objects.get("Event", pair.nyc.url, event_id) is not None


async def test_pages__operator_edits_and_cancels_an_event(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    event = await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Breakfast", "starts_at": f"{pair.day}T08:30", "ends_at": f"{pair.day}T10:00", "room": "Loft"},
    )
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        _, page = await client.get(f"/admin/events/{event['id']}")
        assert f'value="{pair.day}T08:30"' in page and 'value="Loft"' in page
        form = dict(
            re.findall(
                r'<input id="f-\w+" name="(\w+)" type="(?:text|datetime-local|number|url)" value="([^"]*)"', page
            )
        )
        form.update(csrf_token=await client.csrf("/admin"), status="scheduled", audience="all")
        resp = await client.post(f"/admin/events/{event['id']}", form, follow=True)
        assert "Nothing changed in \u201cBreakfast\u201d" in await resp.text()  # no new version
        form.update(title="Founders' breakfast", capacity="25", room="")
        resp = await client.post(f"/admin/events/{event['id']}", form, follow=True)
        assert "Published, then updated once." in await resp.text()
        saved = await pair.nyc.api.ok("GET", f"/api/v1/events/{event['id']}")
        assert (saved["title"], saved["capacity"], saved.get("room")) == ("Founders' breakfast", 25, None)
        resp = await client.post(f"/admin/events/{event['id']}/cancel", {"csrf_token": form["csrf_token"]}, follow=True)
        assert "Cancelled \u201cFounders' breakfast\u201d" in html.unescape(await resp.text())
        assert (await pair.nyc.api.ok("GET", f"/api/v1/events/{event['id']}"))["status"] == "cancelled"
    finally:
        await client.close()


async def test_pages__editing_an_event_keeps_its_translations_the_form_does_not_show(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    translations = {"de": {"title": "Frühstück", "summary": ""}, "es-419": {"title": "Desayuno", "summary": ""}}
    translations["es"] = {"title": "Desayuno de fundadores", "summary": ""}
    event = await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Breakfast", "starts_at": f"{pair.day}T08:30", "ends_at": f"{pair.day}T10:00",
         "language": "en", "translations": translations},
    )  # fmt: skip
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        _, page = await client.get(f"/admin/events/{event['id']}")
        kinds = "text|datetime-local|number|url"
        pattern = rf'<input id="f-[\w-]+" name="(\w+)" type="(?:{kinds})"(?: lang="\w+")? value="([^"]*)"'
        form = {name: html.unescape(value) for name, value in re.findall(pattern, page)}
        assert form["title_es"] == "Desayuno de fundadores", "the form shows the languages the pages speak"
        form.update(csrf_token=await client.csrf("/admin"), status="scheduled", audience="all", capacity="25")
        form["title_es"] = "Desayuno"
        resp = await client.post(f"/admin/events/{event['id']}", form, follow=True)
        assert "Published, then updated once." in await resp.text()
        saved = await pair.nyc.api.ok("GET", f"/api/v1/events/{event['id']}")
        assert saved["capacity"] == 25
        assert saved["translations"] == {
            "de": {"title": "Frühstück", "summary": ""},
            "es-419": {"title": "Desayuno", "summary": ""},
            "es": {"title": "Desayuno", "summary": ""},
        }, "German and Latin American Spanish, set through the API, stay"
    finally:
        await client.close()


def _repeat_fields(page: str) -> dict[str, str]:
    """What a browser posts of the form's repeat fieldset as the page shows it."""
    select = page[page.index('<select id="f-repeat"') : page.index("</select>", page.index('<select id="f-repeat"'))]
    fields = {"repeat": re.findall(r'<option value="(\w*)" selected>', select)[0]}
    fields["repeat_until"] = re.findall(r'name="repeat_until" type="date" value="([^"]*)"', page)[0]
    days = re.findall(r'name="repeat_day" value="(\w+)" checked', page)
    if days:
        fields["repeat_day"] = days[0]
    fields |= dict(re.findall(r'<input type="hidden" name="(rrule)" value="([^"]*)"', page))
    return fields


async def test_pages__editing_an_event_keeps_a_series_end_the_form_cannot_show(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    # Wednesdays at 18:00 in New York until 30 June 17:00 UTC: the last one is 23 June.
    rule = "FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630T170000Z"
    event = await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Demo night", "starts_at": "2027-06-02T18:00", "ends_at": "2027-06-02T20:00", "rrule": rule},
    )
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        _, page = await client.get(f"/admin/events/{event['id']}")
        pattern = r'<input id="f-\w+" name="(\w+)" type="(?:text|datetime-local|number|url)" value="([^"]*)"'
        form = {name: html.unescape(value) for name, value in re.findall(pattern, page)} | _repeat_fields(page)
        form.update(csrf_token=await client.csrf("/admin"), status="scheduled", audience="all", capacity="25")
        await client.post(f"/admin/events/{event['id']}", form, follow=True)
        saved = await pair.nyc.api.ok("GET", f"/api/v1/events/{event['id']}")
        assert (saved["capacity"], saved["rrule"]) == (25, rule), "an edit of the capacity leaves the series as it was"
        listed = await pair.nyc.api.ok("GET", "/api/v1/events?origin=local&from=2027-06-01&to=2027-07-08")
        assert [i["starts_at"][:10] for i in listed["items"]] == [
            "2027-06-02",
            "2027-06-09",
            "2027-06-16",
            "2027-06-23",
        ]
    finally:
        await client.close()


async def test_pages__a_space_in_a_zone_the_picker_does_not_list_publishes_and_edits_its_events(nodes: Any) -> None:
    space = await nodes("Harbour Desk", "Etc/UTC")  # a valid IANA name, though not a place
    client = Browserless(space.local)
    try:
        await client.sign_in(space.token, "/admin")
        _, page = await client.get("/admin/events")
        assert 'name="timezone" type="text" list="zone-list" value="Etc/UTC"' in page, "the space's own zone"
        form = {"csrf_token": await client.csrf("/admin"), "title": "Harbour talk", "timezone": "Etc/UTC"}
        form |= {"starts_at": "2027-05-04T18:00", "ends_at": "2027-05-04T19:00", "audience": "all"}
        resp = await client.post("/admin/events", form, follow=True)
        text = html.unescape(await resp.text())
        assert "Published \u201cHarbour talk\u201d" in text, text[text.find("flash") : text.find("flash") + 400]
        [event] = (await space.api.ok("GET", "/api/v1/events?origin=local&from=2027-05-01&to=2027-05-30"))["items"]
        form |= {"room": "Deck", "status": "scheduled"}
        resp = await client.post(f"/admin/events/{event['id']}", form, follow=True)
        assert (await space.api.ok("GET", f"/api/v1/events/{event['id']}"))["room"] == "Deck"
    finally:
        await client.close()


async def test_pages__editing_an_event_in_the_repeated_hour_keeps_its_instant(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    # The second 01:30 of New York's fall-back night (EST), to the second, as set through the API.
    event = await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Night shift", "starts_at": "2027-11-07T01:30:20-05:00", "ends_at": "2027-11-07T03:00"},
    )
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        _, page = await client.get(f"/admin/events/{event['id']}")
        pattern = r'<input id="f-\w+" name="(\w+)" type="(?:text|datetime-local|number|url)" value="([^"]*)"'
        form = {name: html.unescape(value) for name, value in re.findall(pattern, page)}
        assert form["starts_at"] == "2027-11-07T01:30", "what a datetime-local input can hold"
        form.update(csrf_token=await client.csrf("/admin"), status="scheduled", audience="all", room="Loft")
        resp = await client.post(f"/admin/events/{event['id']}", form, follow=True)
        assert "Published, then updated once." in await resp.text()
        saved = await pair.nyc.api.ok("GET", f"/api/v1/events/{event['id']}")
        assert (saved["room"], saved["starts_at"]) == ("Loft", "2027-11-07T01:30:20-05:00"), "the time left as it was"
    finally:
        await client.close()
