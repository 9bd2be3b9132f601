"""The introductions' pages over plain HTTP (forms with their CSRF tokens): escaped messages, the
daily limit in a sentence, the community manager's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.support.nodes import eventually
from tests.web.support import Browserless

from .support import card_at
from .test_flow import asked, received


async def test_introduction_pages__a_message_is_shown_escaped_with_its_line_breaks(nodes: Any) -> None:
    pair, _ = await asked(nodes)
    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    body = {"to": {"origin": pair.london.url, "member": card["member"]}, "message": "<script>alert(1)</script>\nBye"}
    await pair.nyc.api.ok("POST", "/api/v1/introductions", body, token=pair.token("Ben Carter"))
    await eventually(lambda: received(pair), lambda items: len(items) == 2)
    ada = Browserless(pair.london.local)
    try:
        await ada.sign_in(pair.token("Ada Lovelace"))
        status, html = await ada.get("/introductions")
    finally:
        await ada.close()
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nBye" in html and "<script>alert" not in html


async def test_introduction_pages__past_the_daily_limit_the_form_says_so_plainly(nodes: Any) -> None:
    pair, _ = await asked(nodes, nyc={"people": {"introductions_per_day": 2}})
    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    ben = Browserless(pair.nyc.local)
    try:
        await ben.sign_in(pair.token("Ben Carter"))
        form = f"/introductions/new?origin={quote(pair.london.url)}&member={card['member']}"
        fields = {"origin": pair.london.url, "member": card["member"], "message": "Hello once more"}
        second = await ben.post("/introductions", {"csrf_token": await ben.csrf(form), **fields})
        assert second.status == 303
        third = await ben.post("/introductions", {"csrf_token": await ben.csrf(form), **fields})
        text = await third.text()
    finally:
        await ben.close()
    assert third.status == 429
    assert "You have asked for 2 introductions in the last 24 hours, as many as your space allows." in text


async def test_introduction_pages__the_community_manager_forwards_from_the_admin_page(nodes: Any) -> None:
    pair, id_ = await asked(nodes, london={"people": {"introductions": "via_operator"}})
    await eventually(lambda: pair.london.api.ok("GET", "/api/v1/introduction-queue"), lambda q: len(q["items"]) == 1)
    operator = Browserless(pair.london.local)
    try:
        await operator.sign_in(pair.london.token, "/admin")
        status, html = await operator.get("/admin/introductions")
        assert status == 200 and "Ben Carter" in html and "Hi Ada, I design too." in html
        done = await operator.post(
            f"/admin/introductions/{id_}/forward", {"csrf_token": await operator.csrf("/admin/introductions")}
        )
        assert done.status == 303
    finally:
        await operator.close()
    [item] = await received(pair)
    assert item["id"] == id_ and item["status"] == "requested"
