"""The issue's browser scenario, in Chromium against two real nodes and a real SMTP sink: a London
member shares two fields of their card with New York only; a New York member who reads Italian
finds them by a skill named in Italian, asks for an introduction; the London member accepts; both
get the mail with the other's address. Then the trip view for 3-7 December.

Every step goes through the pages: "My card" and "People" (node/profiles), then "Introductions"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from node.mail.sink import MailSink
from tests.support.mail import wait_for_mail
from tests.support.nodes import eventually
from tests.trip.support import new_york_in_december

from .support import add_member, file_bytes, people_pair

pytestmark = pytest.mark.browser


async def sign_in(page: Any, base: str, token: str) -> None:
    await page.goto(base + "/")
    await page.fill("#token", token)
    await page.click("button[type=submit]")


async def test_browser__a_skill_in_italian_an_introduction_accepted_and_both_mails(
    nodes: Any, sink: MailSink, person: Any
) -> None:
    pair = await people_pair(nodes, sink)
    ada = await add_member(pair.london, pair, "Ada Lovelace")
    ben = await add_member(pair.nyc, pair, "Ben Carter", language="it")

    # Ada turns on two fields of her card, for New York only.
    london = await person()
    await sign_in(london, pair.london.local, ada["token"])
    await london.get_by_role("link", name="People").first.click()
    await london.get_by_role("link", name="My card").first.click()
    await london.fill("#f-display_name", "Ada L.")
    await london.fill("#f-skills", "Graphic design")
    await london.fill("#f-city", "Shoreditch")  # written, but not shown
    await london.check("input[name=shared][value=display_name]")
    await london.check("input[name=shared][value=skills]")
    await london.check("input[name=audience][value=chosen]")
    await london.check(f'input[name=twin][value="{pair.nyc.url}"]')
    await london.get_by_role("button", name="Save my card").click()

    # Ben, who reads Italian, finds her by the skill's Italian name.
    nyc = await person()
    await sign_in(nyc, pair.nyc.local, ben["token"])
    await nyc.get_by_role("link", name="Persone").first.click()

    async def found() -> int:
        await nyc.fill("#f-skill", "Progettazione grafica")
        await nyc.get_by_role("button", name="Cerca").click()
        return int(await nyc.locator("li.card", has_text="Ada L.").count())

    await eventually(found, 1)
    card = nyc.locator("li.card", has_text="Ada L.")
    text = await card.inner_text()
    assert "Progettazione grafica" in text and "Shoreditch" not in text and ada["email"] not in text
    assert b"Shoreditch" not in file_bytes(pair.nyc)  # the field she did not turn on never left London
    await card.get_by_role("link", name="Chiedi di essere presentato").click()
    assert "Ada L." in await nyc.locator(".lead").first.inner_text()
    await nyc.fill("#f-message", "Ciao Ada! <b>Disegno</b> anch'io.\nCi vediamo a Londra?")
    await nyc.get_by_role("button", name="Invia la richiesta").click()
    assert "La tua richiesta è partita" in await nyc.locator("#flash").inner_text()
    assert "in attesa di risposta" in (await nyc.locator(".introduction").first.inner_text()).lower()

    # Ada sees it on her page, escaped, and accepts.
    await london.get_by_role("link", name="Introductions").first.click()

    async def waiting() -> int:
        await london.reload()
        return int(await london.locator("#waiting-head + ul .introduction").count())

    await eventually(waiting, 1)
    request = london.locator("#waiting-head + ul .introduction").first
    text = await request.inner_text()
    assert "Ben Carter" in text and "<b>Disegno</b> anch'io." in text  # shown as written, escaped
    assert await request.locator("b").count() == 0
    await request.get_by_role("button", name="Accept").click()
    assert "You accepted" in await london.locator("#flash").inner_text()

    # Both get the mail with the other's address, each in their own language.
    [to_ben] = await wait_for_mail(sink, ben["email"])
    assert "Sei stato presentato a Ada Lovelace" in to_ben.message.get("Subject", "")
    assert ada["email"] in to_ben.text()
    to_ada = await wait_for_mail(sink, ada["email"], count=2)
    assert ben["email"] in to_ada[-1].text() and "You are introduced to Ben Carter" in to_ada[-1].message["Subject"]

    await nyc.goto(pair.nyc.local + "/introductions")
    assert ada["email"] in await nyc.locator(".introduction").first.inner_text()


async def test_browser__the_trip_view_for_3_to_7_december(nodes: Any, person: Any) -> None:
    pair = await people_pair(nodes)
    ben = await add_member(pair.london, pair, "Ben Carter")
    december = await new_york_in_december(pair)
    first = december["first"]
    page = await person()
    await sign_in(page, pair.london.local, ben["token"])
    await page.get_by_role("link", name="Plan a trip").first.click()

    async def shown() -> int:
        await page.select_option("#f-origin", pair.nyc.url)
        await page.fill("#f-from", str(first))
        await page.fill("#f-to", str(first + timedelta(days=4)))
        await page.get_by_role("button", name="Show").click()
        shown = [
            await page.locator(f"#trip-{part}").locator("li.card").count() for part in ("slots", "events", "people")
        ]
        return [int(count) for count in shown]

    await eventually(shown, [2, 2, 1])
    slots = [await s.get_attribute("id") for s in await page.locator("#trip-slots .slot").all()]
    assert slots == [f"trip-slot-{s['id']}" for s in december["slots_inside"]]
    assert [await e.inner_text() for e in await page.locator("#trip-events h4").all()] == ["Design night", "Night owls"]
    people = page.locator("#trip-people .person")
    assert [await p.inner_text() for p in await people.locator("h4").all()] == ["Dana Reyes"]
    assert "New York" in await page.locator("#trip-head + p").inner_text()

    await people.first.get_by_role("link", name="Ask for an introduction").click()
    assert "To Dana Reyes of WeCreate NYC." in await page.locator(".lead").inner_text()
    await page.fill("#f-message", "Hello Dana, I will be in New York in December.")
    await page.get_by_role("button", name="Send the request").click()
    assert "Your request is on its way" in await page.locator("#flash").inner_text()
