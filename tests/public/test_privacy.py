"""Nothing private on any public address: a crawler follows every link of the public pages and
every download of the catalogue, on every space, and searches all it read for a private
event, a member's name or address, and a reservation."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from tests.public.support import PRIVATE_TITLE, SECRET_PLACE, city

START = (
    "/",
    "/space",
    "/space.jsonld",
    "/network",
    "/signin",
    "/open-data/",
    "/open-data/catalog.jsonld",
    "/calendar.ics",
)
LINK = re.compile(r'(?:href|src)="([^"]+)"|"@id":\s*"([^"]+)"|"(?:url|downloadURL)":\s*"([^"]+)"')
MAX_PAGES = 200


async def crawl(node: Any) -> dict[str, str]:
    """Every public address of `node` reachable from START without signing in: its text by URL."""
    session, seen, queue = node.api.session, {}, [node.local + path for path in START]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop()
        if url in seen:
            continue
        async with session.get(url, headers={"Accept": "text/html"}) as resp:
            assert resp.status == 200, url
            seen[url] = unescape(await resp.text())
        for match in LINK.finditer(seen[url]):
            target = urljoin(url, next(g for g in match.groups() if g)).split("#")[0]
            if target.startswith(node.url):  # JSON names the node by its id: read it locally
                target = node.local + target[len(node.url) :]
            parts = urlsplit(target)
            if target.startswith(node.local) and not parts.path.startswith(("/admin", "/static/", "/api/")):
                queue.append(target)
    return seen


async def test_privacy__no_private_event_member_or_reservation_on_any_public_address(nodes: Any) -> None:
    town = await city(nodes, config={"public": {"visitors_home": "space"}})
    members = await _member_rows(town)
    forbidden = [PRIVATE_TITLE, SECRET_PLACE, town.private_event["id"], *town.members, *town.reservations]
    forbidden += [m["email"] for m in members] + [m["id"] for m in members if len(m["id"]) > 6]
    for node in (town.milan, town.madrid, town.lisbon):
        pages = await crawl(node)
        assert len(pages) >= len(START) + 6, sorted(pages)  # the datasets were reached through the catalogue
        for url, text in pages.items():
            leaks = [word for word in forbidden if word in text]
            assert not leaks, f"{url} shows {leaks}"
    milan = await crawl(town.milan)
    assert any(url.endswith(f"/events/{town.public_event['id']}") for url in milan)
    assert any("/open-data/receipts-" in url for url in milan) and any(url.endswith("exchanges.csv") for url in milan)


async def test_privacy__a_private_events_page_does_not_exist(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    for node in (town.milan, town.madrid):
        for event in (town.private_event, {"id": "no-such-event"}):
            async with node.api.session.get(f"{node.local}/events/{event['id']}") as resp:
                assert resp.status == 404
    async with town.madrid.api.session.get(f"{town.madrid.local}/events/{town.public_event['id']}") as resp:
        assert resp.status == 404  # Milan's event has its page at Milan, not at its twin


async def test_public__visitors_see_the_space_at_root_with_sign_in_one_click_away(nodes: Any) -> None:
    town = await city(
        nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0, config={"public": {"visitors_home": "space"}}
    )
    async with town.milan.api.session.get(town.milan.local + "/") as resp:
        home = await resp.text()
    assert "<h1>Spazio Milano</h1>" in home and 'href="/signin"' in home and "Via Messina 38" in home
    async with town.milan.api.session.get(town.milan.local + "/signin") as resp:
        assert 'id="token"' in await resp.text()
    async with town.madrid.api.session.get(town.madrid.local + "/") as resp:  # the default: the sign-in form
        assert 'id="token"' in await resp.text()


async def _member_rows(town: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for node in (town.milan, town.madrid, town.lisbon):
        listed = await node.api.ok("GET", "/api/v1/members")
        rows += listed["items"] if isinstance(listed, dict) else listed
    return rows
