"""Whole journeys in Italian and Spanish in a real browser, and two readers at once who never see
each other's language."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton

from tests.support.nodes import eventually
from tests.web.support import LONDON_ZONE, NYC_ZONE, twinned_pair

pytestmark = pytest.mark.browser
DASH = "\u2013"


def italian_day(day: Any) -> str:
    return str(format_skeleton("MMMEd", day, locale="it_IT"))  # "gio 10 dic"


async def test_browser__an_italian_member_at_london_books_at_new_york_in_italian(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes, london_members=("Giulia Rossi",))
    page = await person()
    page.on("dialog", lambda dialog: asyncio.ensure_future(_accept_italian(dialog)))
    await page.goto(pair.london.local + "/signin")
    assert await page.get_attribute("html", "lang") == "en"  # the browser asks for English
    await page.get_by_role("button", name="Italiano").click()  # the switcher at the foot of every page
    assert await page.get_attribute("html", "lang") == "it"
    assert await page.locator("h1").inner_text() == "Accedi"
    await page.fill("#token", pair.member("Giulia Rossi")["token"])
    await page.get_by_role("button", name="Accedi").click()

    heading = await page.locator("h1").inner_text()
    start = datetime.now(ZoneInfo(LONDON_ZONE)).date()
    assert heading.startswith("Presso i tuoi gemelli, ") and italian_day(start).split(" ")[1] in heading
    entry = page.locator(f"#slot-{pair.slot['id']}")
    text = await entry.inner_text()
    london_start = datetime.combine(pair.day, datetime.min.time().replace(hour=9), ZoneInfo(NYC_ZONE))
    here = london_start.astimezone(ZoneInfo(LONDON_ZONE))
    assert "scrivania" in text.lower() and "WeCreate NYC" in text and "Posti liberi: 4 su 4" in text
    assert f"09:00{DASH}18:00" in text  # New York's time
    assert "Ora tua" in text and f"{here:%H:%M}{DASH}{(here + timedelta(hours=9)):%H:%M}" in text  # London's
    assert italian_day(pair.day) in await page.locator(f"#day-{pair.day}").inner_text()

    await entry.get_by_role("button", name="Prenota").click()
    flash = await page.locator("#flash").inner_text()
    assert flash.startswith("Hai prenotato 1 posto da WeCreate NYC per ")
    assert f"{italian_day(pair.day)}, 09:00{DASH}18:00 (ora di New York)" in flash
    assert "Hai 1 posto" in await page.locator(f"#slot-{pair.slot['id']}").inner_text()

    await page.get_by_role("link", name="Le mie prenotazioni").first.click()
    assert await page.locator("h1").inner_text() == "Le mie prenotazioni"
    card = await page.locator(".reservation").first.inner_text()
    assert "CONFERMATA" in card.upper() and "Hot desks da WeCreate NYC" in card and "1 posto · prenotazione" in card
    assert "Scrivania: in questo periodo al tuo spazio restano lì 19 su 20 giorni." in card

    await page.get_by_role("button", name="Annulla").click()
    flash = await page.locator("#flash").inner_text()
    assert flash == f"Prenotazione da WeCreate NYC per {italian_day(pair.day)}, 09:00{DASH}18:00 annullata. " + (
        "Il posto torna disponibile."
    )
    assert "ANNULLATA" in (await page.locator(".reservation").first.inner_text()).upper()

    # The choice is saved with the member: another browser, asking for English, still reads Italian.
    other = await person()
    await other.goto(pair.london.local + "/signin")
    await other.fill("#token", pair.member("Giulia Rossi")["token"])
    await other.click("button[type=submit]")
    assert await other.get_attribute("html", "lang") == "it"


async def _accept_italian(dialog: Any) -> None:
    assert dialog.message.startswith("Vuoi annullare la prenotazione di Hot desks da WeCreate NYC?")
    await dialog.accept()


async def test_browser__a_spanish_operator_in_new_york_publishes_an_event_in_two_languages(
    nodes: Any, person: Any
) -> None:
    pair = await twinned_pair(nodes, london_members=("Ben Carter", "Giulia Rossi"))
    page = await person()
    await page.context.set_extra_http_headers({"Accept-Language": "es-US,es;q=0.9,en;q=0.5"})
    await page.goto(pair.nyc.local + "/admin")
    assert await page.locator("h1").inner_text() == "Acceso de administración"
    await page.fill("#token", pair.nyc.token)
    await page.get_by_role("button", name="Iniciar sesión").click()
    assert await page.locator("h1").inner_text() == "Hermanamientos"

    await page.get_by_role("link", name="Eventos").first.click()
    day = pair.day
    await page.fill("#f-title", "Noche de fundadores")
    await page.fill("#f-summary", "Charlas cortas y cena")
    await page.fill("#f-starts", f"{day}T18:00")
    await page.fill("#f-ends", f"{day}T20:00")
    await page.fill("#f-language", "es")
    await page.get_by_text("Título y resumen en otros idiomas (opcional)").click()
    await page.fill("#f-title-en", "Founders' night")
    await page.fill("#f-summary-en", "Short talks and dinner")
    await page.get_by_role("button", name="Publicar", exact=True).click()
    assert "«Noche de fundadores» se publicó." in await page.locator("#flash").inner_text()
    row = await page.locator("tbody tr", has_text="Noche de fundadores").first.inner_text()
    assert "En español · también en inglés" in row
    assert f"{format_skeleton('MMMEd', day, locale='es_ES')}, 18:00{DASH}20:00" in row

    event_id = (await page.locator("tbody tr", has_text="Noche de fundadores").first.get_attribute("id") or "")[6:]
    await eventually(lambda: _has_event(pair.london, pair.nyc.url, event_id), True)
    english = await _member_page(person, pair, "Ben Carter", "en-GB,en")
    entry = await english.locator(f"#event-{event_id}").inner_text()
    assert "Founders' night" in entry and "In English" in entry and "Noche" not in entry
    italian = await _member_page(person, pair, "Giulia Rossi", "it-IT,it")
    entry = await italian.locator(f"#event-{event_id}").inner_text()
    assert "Noche de fundadores" in entry and "In spagnolo" in entry  # no Italian text given: the original
    assert await italian.get_attribute(f"#event-{event_id} h3", "lang") == "es"


async def _has_event(node: Any, origin: str, event_id: str) -> bool:
    return await node.node.store.objects.get("Event", origin, event_id) is not None


async def _member_page(person: Any, pair: Any, name: str, languages: str) -> Any:
    page = await person()
    await page.context.set_extra_http_headers({"Accept-Language": languages})
    await page.goto(pair.london.local + "/signin")
    await page.fill("#token", pair.member(name)["token"])
    await page.click("button[type=submit]")
    return page


async def test_browser__two_readers_at_once_never_see_each_others_language(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes, london_members=("Giulia Rossi", "Lucía García"))
    italian = await _member_page(person, pair, "Giulia Rossi", "it-IT,it")
    spanish = await _member_page(person, pair, "Lucía García", "es-ES,es")
    paths = ["/", "/reservations", "/?from=" + str(pair.day), "/no/such/page"] * 5

    async def walk(page: Any) -> list[tuple[str, str]]:
        seen = []
        for path in paths:
            await page.goto(pair.london.local + path)
            nav = await page.locator("nav.nav").first.inner_text() if path != "/no/such/page" else ""
            seen.append((await page.get_attribute("html", "lang") or "", nav))
        return seen

    seen_it, seen_es = await asyncio.gather(walk(italian), walk(spanish))
    assert {lang for lang, _nav in seen_it} == {"it"} and {lang for lang, _nav in seen_es} == {"es"}
    assert all("Questa settimana" in nav and "Esta semana" not in nav for _lang, nav in seen_it if nav)
    assert all("Esta semana" in nav and "Questa settimana" not in nav for _lang, nav in seen_es if nav)
