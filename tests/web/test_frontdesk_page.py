"""The front desk page: guests by name and home on their day, one-click check-in, a problem as
a sentence, and a page that prints without its buttons."""

from __future__ import annotations

import html as html_lib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.web.support import NYC_ZONE, Browserless, reserve_by_api, twinned_pair


async def test_frontdesk_page__shows_guests_by_name_and_checks_one_in(nodes: Any) -> None:
    pair = await twinned_pair(nodes, london_members=("Ben Carter", "Chiara Rossi"))
    for name in ("Ben Carter", "Chiara Rossi"):
        status, _ = await reserve_by_api(pair, pair.member(name))
        assert status == 201
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        status, page = await client.get(f"/admin/guests?date={pair.day}")
        assert status == 200
        assert page.count("TheCube London") >= 2 and "Ben Carter" in page and "Chiara Rossi" in page
        assert "09:00\u201318:00" in page and "Hot desks" in page
        rid = page[page.index('id="guest-') + 10 :].split('"', 1)[0]

        early = await client.post(
            f"/admin/guests/{rid}/check-in",
            {"csrf_token": await client.csrf("/admin/guests"), "date": str(pair.day)},
            follow=True,
        )
        refused = html_lib.unescape(await early.text())
        assert "Could not check the guest in" in refused and "check-in opens that day" in refused

        start = datetime(pair.day.year, pair.day.month, pair.day.day, 9, 30, tzinfo=ZoneInfo(NYC_ZONE))
        for node in (pair.nyc.node, pair.london.node):
            node.clock.offset_seconds = (start - datetime.now(ZoneInfo(NYC_ZONE))).total_seconds()
        done = await client.post(
            f"/admin/guests/{rid}/check-in",
            {"csrf_token": await client.csrf("/admin/guests"), "date": str(pair.day)},
            follow=True,
        )
        text = await done.text()
        assert "is checked in." in text and str(done.url).endswith(f"/admin/guests?date={pair.day}")
        row = text[text.index(f'id="guest-{rid}"') :]
        assert "checked in" in row[: row.index("</tr>")]
        listing = await pair.nyc.api.ok("GET", f"/api/v1/guests?date={pair.day}")
        assert sorted(g["attendance"] for g in listing["items"]) == ["checked_in", "expected"]
    finally:
        await client.close()


async def test_frontdesk_page__a_bad_date_is_a_sentence_and_prints_plainly(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        status, page = await client.get("/admin/guests?date=next-tuesday")
        assert status == 200 and "Could not show the guests" in html_lib.unescape(page)
        assert "No guests from twins." in page
        status, css = await client.get("/static/style.css")
        assert "@media print" in css and ".desk-actions" in css[css.index("@media print") :]
    finally:
        await client.close()


async def test_offers_page__a_schedule_is_offered_from_the_form_and_withdrawn(nodes: Any) -> None:
    from datetime import timedelta

    pair = await twinned_pair(nodes)
    desk = (await pair.nyc.api.ok("GET", "/api/v1/resources"))["items"][0]
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        start = pair.day + timedelta(days=7)
        form = {
            "csrf_token": await client.csrf("/admin/offers"),
            "resource_id": desk["id"],
            "twin": pair.london.url,
            "seats": "2",
            "from_time": "09:00",
            "to_time": "18:00",
            "start_date": str(start),
            "end_date": str(start + timedelta(days=13)),
            "exceptions": str(start + timedelta(days=1)),
        }
        resp = await client.session.post(
            pair.nyc.local + "/admin/offers",
            data=[
                *form.items(),
                ("weekday", "MO"),
                ("weekday", "TU"),
                ("weekday", "WE"),
                ("weekday", "TH"),
                ("weekday", "FR"),
            ],
        )
        page = html_lib.unescape(await resp.text())
        assert "Standing offer made: 9 occurrences are published now" in page
        assert "2 seats of Hot desks for TheCube London" in page and "9 days published" in page
        bad = {**form, "csrf_token": await client.csrf("/admin/offers"), "exceptions": "2001-01-01"}
        resp = await client.session.post(pair.nyc.local + "/admin/offers", data=[*bad.items(), ("weekday", "MO")])
        assert "Could not make the standing offer" in html_lib.unescape(await resp.text())
        [offer] = (await pair.nyc.api.ok("GET", "/api/v1/offers"))["items"]
        done = await client.post(
            f"/admin/offers/{offer['id']}/withdraw",
            {"csrf_token": await client.csrf("/admin/offers"), "from": str(start)},
            follow=True,
        )
        assert "Withdrawn from that date: 9 occurrences" in html_lib.unescape(await done.text())
    finally:
        await client.close()
