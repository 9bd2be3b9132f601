"""Pages in the reader's language: how it is chosen, the switcher, and no mixing between requests."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import yaml

from tests.support.nodes import read_config
from tests.web.support import Browserless, add_member, reserve_by_api, twinned_pair

SIGN_IN = {"en": "<h1>Sign in</h1>", "it": "<h1>Accedi</h1>", "es": "<h1>Iniciar sesión</h1>"}
LANG = re.compile(r'<html lang="([^"]+)">')


def language_of(html: str) -> str:
    found = LANG.search(html)
    assert found, "the page has no <html lang>"
    return found.group(1)


async def get(session: aiohttp.ClientSession, url: str, **headers: str) -> tuple[str, str]:
    async with session.get(url, headers=headers) as resp:
        return resp.headers.get("Content-Language", ""), await resp.text()


async def test_language__accept_language_then_the_space_default(nodes: Any) -> None:
    node = await nodes("Cubo Milano", "Europe/Rome")
    await node.stop()
    config = read_config(node.directory)
    config["node"]["language"] = "it"
    (node.directory / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    await node.start()
    async with aiohttp.ClientSession() as session:
        header, html = await get(session, node.local + "/signin", **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
        assert header == "es" and language_of(html) == "es" and SIGN_IN["es"] in html
        header, html = await get(session, node.local + "/signin", **{"Accept-Language": "de-DE,fr;q=0.8"})
        assert header == "it" and language_of(html) == "it" and SIGN_IN["it"] in html  # the space's default
        header, html = await get(session, node.local + "/no/such/page", Accept="text/html")
        assert header == "it" and "Pagina non trovata" in html


async def test_language__the_switcher_cookie_wins_over_accept_language(nodes: Any) -> None:
    node = await nodes("WeCreate NYC", "America/New_York")
    browser = Browserless(node.local)
    try:
        browser.session.headers["Accept-Language"] = "es"
        _status, html = await browser.get("/signin")
        assert language_of(html) == "es"
        form = {"csrf_token": await browser.csrf("/signin"), "language": "it", "back": "/signin"}
        resp = await browser.post("/language", form)
        assert resp.status == 303 and resp.headers["Location"] == "/signin"
        _status, html = await browser.get("/signin")
        assert language_of(html) == "it" and SIGN_IN["it"] in html
        assert 'value="it" lang="it" aria-current="true"' in html  # the switcher shows where you are
    finally:
        await browser.close()


async def test_language__a_members_saved_choice_wins_everywhere(nodes: Any) -> None:
    node = await nodes("TheCube London", "Europe/London")
    member = await add_member(node, "Giulia Rossi")
    first, second = Browserless(node.local), Browserless(node.local)
    try:
        await first.sign_in(member["token"])
        await first.post("/language", {"csrf_token": await first.csrf("/"), "language": "it", "back": "/"})
        # Another browser, another cookie and another Accept-Language: the member's choice still wins.
        second.session.headers["Accept-Language"] = "es"
        await second.sign_in(member["token"])
        second.session.cookie_jar.update_cookies({"gemella_lang": "en"})
        _status, html = await second.get("/")
        assert language_of(html) == "it" and "Le mie prenotazioni" in html
        await second.post("/signout", {"csrf_token": await second.csrf("/")})
        _status, html = await second.get("/")
        assert language_of(html) == "en"  # signed out: the cookie again
    finally:
        await first.close()
        await second.close()


async def test_language__a_form_without_its_token_cannot_switch(nodes: Any) -> None:
    node = await nodes("WeCreate NYC", "America/New_York")
    async with (
        aiohttp.ClientSession() as session,
        session.post(node.local + "/language", data={"language": "it"}, allow_redirects=False) as resp,
    ):
        assert resp.status == 403
        assert "gemella_lang" not in resp.cookies


async def test_language__concurrent_requests_in_three_languages_never_mix(nodes: Any) -> None:
    """Many requests at once, on shared keep-alive connections, each in its own language."""
    node = await nodes("WeCreate NYC", "America/New_York")
    order = ["it", "es", "en"] * 40
    connector = aiohttp.TCPConnector(limit=4)  # few connections: each serves requests in several languages
    async with aiohttp.ClientSession(connector=connector) as session:
        results = await asyncio.gather(
            *(get(session, node.local + "/signin", **{"Accept-Language": lang}) for lang in order)
        )
    for lang, (header, html) in zip(order, results, strict=True):
        assert header == lang and language_of(html) == lang
        assert SIGN_IN[lang] in html
        assert not [other for other, h1 in SIGN_IN.items() if other != lang and h1 in html]


async def test_language__a_members_calendar_speaks_their_saved_language(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    member = pair.member("Ben Carter")
    status, _receipt = await reserve_by_api(pair, member)
    assert status == 201
    browser = Browserless(pair.london.local)
    try:
        await browser.sign_in(member["token"])
        await browser.post("/language", {"csrf_token": await browser.csrf("/"), "language": "it", "back": "/"})
    finally:
        await browser.close()
    headers = {"Authorization": f"Bearer {member['token']}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(pair.london.local + "/api/v1/reservations.ics", headers=headers) as resp,
    ):
        calendar = (await resp.text()).replace("\r\n ", "")
    assert "NAME:Ben Carter: prenotazioni all'estero (TheCube London)" in calendar
    assert "SUMMARY:Hot desks da WeCreate NYC" in calendar
    assert "1 posto\\, prenotato tramite TheCube London" in calendar


async def test_language__a_choice_made_before_signing_in_is_kept_by_the_member(nodes: Any) -> None:
    node = await nodes("TheCube London", "Europe/London")
    member = await add_member(node, "Lucía García")
    first, second = Browserless(node.local), Browserless(node.local)
    try:
        await first.post("/language", {"csrf_token": await first.csrf("/"), "language": "es", "back": "/"})
        await first.sign_in(member["token"])
        await second.sign_in(member["token"])  # no cookie, no Accept-Language: the saved choice
        _status, html = await second.get("/")
        assert language_of(html) == "es" and "Mis reservas" in html
    finally:
        await first.close()
        await second.close()


async def test_language__a_back_address_with_a_control_character_goes_home(nodes: Any) -> None:
    """Browsers drop tabs and line breaks from a Location: '/<tab>/evil.example' led to another site,
    and a line break in it broke the answer."""
    node = await nodes("WeCreate NYC")
    browser = Browserless(node.local)
    try:
        for back in ("/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x7f/x"):
            form = {"csrf_token": await browser.csrf("/"), "language": "it", "back": back}
            resp = await browser.post("/language", form)
            assert resp.status == 303 and resp.headers["Location"] == "/", repr(back)
    finally:
        await browser.close()
