"""Consent: for every field and every audience, a twin outside the audience never receives the
field, by push or from the feed; checked in the twin's SQLite files' bytes, not only its API."""

from __future__ import annotations

from typing import Any

from protocol.models.profiles import CONTENT_FIELDS
from tests.support.nodes import eventually, twin

from .support import files_hold, held_cards, member

AUDIENCES = ["space", "twins", "nyc", "rome"]


def markers(index: int) -> dict[str, Any]:
    """A card with every field filled with words found nowhere else (`<field><n>zq`)."""

    def mark(field: str) -> str:
        return f"{field.replace('_', '')[:5]}{index:03d}zq"

    return {
        "display_name": mark("display_name"),
        "headline": mark("headline"),
        "bio": mark("bio"),
        "skills": [mark("skills")],
        "interests": [mark("interests")],
        "languages": [f"en-{mark('lang')}"[:11]],
        "city": mark("city"),
        "links": [f"https://example.org/{mark('links')}"],
        "looking_for": mark("looking_for"),
        "open_to_visitors": True,
    }


def words(card: dict[str, Any], field: str) -> list[str]:
    value = card[field]
    if isinstance(value, bool):
        return []
    return [v.rsplit("/", 1)[-1] for v in value] if isinstance(value, list) else [value]


async def test_consent__no_twin_outside_the_audience_receives_any_field_by_push_or_feed(nodes):
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    rome = await nodes("Talent Garden Roma")
    await twin(london, nyc)
    await twin(london, rome)
    await rome.stop()  # Rome learns everything from London's feed when it comes back; NYC by push
    chosen = {"space": "space", "twins": "twins", "nyc": [nyc.url], "rome": [rome.url]}
    cards: list[tuple[str, str, dict[str, Any], str]] = []  # (audience, shared field, card, handle)
    for a, audience in enumerate(AUDIENCES):
        for f, field in enumerate(CONTENT_FIELDS):
            index = a * len(CONTENT_FIELDS) + f
            person = await member(london, f"Member {index}")
            card = markers(index)
            body = card | {"shared": [field], "audience": chosen[audience]}
            mine = await london.api.ok("PUT", "/api/v1/profile", body, token=person["token"])
            cards.append((audience, field, card, mine["member"]))
    await rome.start()
    for node, name in ((nyc, "nyc"), (rome, "rome")):
        expected = {handle: 1 for audience, _, _, handle in cards if audience in ("twins", name)}
        await eventually(lambda node=node: held_cards(node, london.url), expected)
        for audience, field, card, handle in cards:
            allowed = audience in ("twins", name)
            for other in CONTENT_FIELDS:
                if other == "open_to_visitors":
                    continue  # no words to look for: checked in its column below
                held = await files_hold(node, *words(card, other))
                if allowed and other == field:
                    assert held, f"{name} should hold {field} of a card for {audience}"
                else:
                    assert held == [], f"{name} holds {other} of a card sharing {field} with {audience}"
            row = await node.node.store.db.fetch_one(
                "SELECT open_to_visitors FROM cards WHERE origin = ? AND handle = ?", (london.url, handle)
            )
            visitors = None if row is None else row["open_to_visitors"]
            assert visitors == (1 if allowed and field == "open_to_visitors" else None)
    # What London's feed serves each twin, as text: no field of a card outside that twin's audience.
    for node, name in ((nyc, "nyc"), (rome, "rome")):
        feed = " ".join(
            text for _, text in await london.node.store.objects.list_feed_texts(london.url, node.url, 0, 10_000)
        )
        for audience, field, card, _ in cards:
            for other in CONTENT_FIELDS:
                if other == "open_to_visitors":
                    continue
                shown = any(word in feed for word in words(card, other))
                assert shown == (audience in ("twins", name) and other == field), (name, audience, field, other)
    # The home's own directory shows every card, each with its one shared field and nothing else.
    reader = await member(london, "Reader")
    found = await london.api.ok("GET", "/api/v1/directory?limit=50", token=reader["token"])
    assert len(found["items"]) == len(cards)
    for item in found["items"]:
        _, field, _, _ = next(c for c in cards if c[3] == item["member"])
        assert set(item) - {"labels"} == {"origin", "member", "updated_at", field}
