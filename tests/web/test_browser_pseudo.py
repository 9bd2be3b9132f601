"""The pseudo-locale run: every page in ⟦Ŵŕááppééd⟧ text finds no untranslated words, and the
lengthened text still fits a 360-pixel screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel.dates import get_day_names, get_month_names

from node.i18n import CLOSE, OPEN, PSEUDO
from tests.support.nodes import eventually
from tests.web.support import reserve_by_api, twinned_pair

pytestmark = pytest.mark.browser

# Every text a reader sees: text nodes and the attributes assistive technology reads or that
# pop up (confirmations), minus what is data, not prose: <code>, the language names of the
# switcher (each in its own language), and what the page marks translate="no".
TEXTS = """() => {
  const skip = el => el.closest('script, style, code, [translate="no"], [lang]:not(html)');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!skip(node.parentElement) && node.textContent.trim()) out.push(node.textContent.trim());
  }
  const names = ['aria-label', 'title', 'placeholder', 'data-confirm', 'data-label', 'alt'];
  for (const el of document.querySelectorAll(names.map(n => `[${n}]`).join(', '))) {
    if (skip(el)) continue;
    for (const name of names) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  out.push(document.title);
  return out;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
WRAPPED = re.compile(re.escape(OPEN) + r".*?" + re.escape(CLOSE), re.S)
WORD = re.compile("[A-Za-z][A-Za-z'\u2019]+")
# Data, not prose: the spaces, people and places the test made, and dates in English style.
DATA = {
    "WeCreate", "NYC", "TheCube", "London", "Ben", "Carter", "Hot", "desks", "New", "York",
    "Gemellaggio", "http", "https", "ics", "Watch", "party", "Hackathon", "finals", "UTC",
    "sec", "secs", "min", "mins", "hr", "hrs",  # Babel's units, in English style as the dates are
    "Creative", "Commons", "Attribution",  # the open data's licence, as configured
} | {str(n) for n in get_day_names("abbreviated", locale="en_GB").values()} | {
    str(n) for n in get_month_names("abbreviated", locale="en_GB").values()
} | {str(n) for n in get_day_names("wide", locale="en_GB").values()} | {
    str(n) for n in get_month_names("wide", locale="en_GB").values()
}  # fmt: skip


def untranslated(texts: list[str]) -> list[str]:
    """What is left of the page's texts once the wrapped (translated) parts and the data are taken out."""
    left = []
    for text in texts:
        rest = WRAPPED.sub(" ", text)
        # Keys, zones, ids and acronyms (CSV, JSON, UTC) are not prose.
        rest = re.sub(r"\b[0-9A-Z]{4}\b|\b[A-Za-z]+/[A-Za-z_/]+\b|\b[0-9a-f]{6,}\b|\b[A-Z]{2,}\b", " ", rest)
        words = [w for w in WORD.findall(rest) if w not in DATA]
        if words:
            left.append(f"{text!r} -> {' '.join(words)}")
    return left


async def visit(page: Any, url: str, found: dict[str, list[str]]) -> None:
    await page.goto(url)
    assert await page.get_attribute("html", "lang") == PSEUDO, url
    left = untranslated(await page.evaluate(TEXTS))
    if left:
        found[url] = left
    assert await page.evaluate(OVERFLOW) <= 0, f"{url} scrolls sideways at 360 px in the pseudo-locale"


async def pseudo_person(person: Any, base: str) -> Any:
    page = await person(width=360, height=740)
    await page.context.add_cookies([{"name": "gemella_lang", "value": PSEUDO, "url": base}])
    return page


async def test_browser__pseudo_locale_finds_no_untranslated_text_on_any_page(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes)
    await reserve_by_api(pair, pair.member("Ben Carter"))
    day = pair.day.isoformat()
    times = {"starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00", "capacity": 30}
    ours = await pair.nyc.api.ok("POST", "/api/v1/events", {"title": "Watch party", **times, "rrule": "FREQ=WEEKLY"})
    await pair.london.api.ok("POST", "/api/v1/events", {"title": "Hackathon finals", **times, "language": "en"})
    await eventually(lambda: _events_at(pair.nyc), 2)
    found: dict[str, list[str]] = {}

    member = await pseudo_person(person, pair.london.local)
    await visit(member, pair.london.local + "/signin", found)  # the sign-in page
    await member.fill("#token", pair.member("Ben Carter")["token"])
    await member.click("button[type=submit]")
    card = {"display_name": "Ben C.", "skills": ["graphic-design"], "open_to_visitors": True, "audience": "space"}
    card["shared"] = ["display_name", "skills", "open_to_visitors"]
    await pair.london.api.ok("PUT", "/api/v1/profile", card, token=pair.member("Ben Carter")["token"])
    for path in ("/", "/reservations", "/account", "/people", "/people/card", "/no/such/page"):
        await visit(member, pair.london.local + path, found)

    operator = await pseudo_person(person, pair.nyc.local)
    await visit(operator, pair.nyc.local + "/admin", found)
    await operator.fill("#token", pair.nyc.token)
    await operator.click("button[type=submit]")
    for path in ("/admin", "/admin/events", f"/admin/events/{ours['id']}", "/admin/space", "/admin/members"):
        await visit(operator, pair.nyc.local + path, found)
    for path in ("/admin/delivery", "/admin/ledger", "/admin/profile", "/admin/mail", "/admin/members/import"):
        await visit(operator, pair.nyc.local + path, found)
    for path in ("/admin/people",):
        await visit(operator, pair.nyc.local + path, found)

    public = await pseudo_person(person, pair.nyc.local)  # anyone, not signed in
    for path in ("/space", f"/events/{ours['id']}", "/network", "/open-data/"):
        await visit(public, pair.nyc.local + path, found)

    assert found == {}, "\n".join(f"{url}:\n  " + "\n  ".join(left) for url, left in found.items())


async def _events_at(node: Any) -> int:
    return len({item["id"] for item in (await node.api.ok("GET", "/api/v1/events"))["items"]})
