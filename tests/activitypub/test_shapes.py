"""The bridge's documents against the shapes Mobilizon and Mastodon document (fixtures/README.md
names the sources): every key they have is there, with a value of the same JSON kind."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from node.public.profile import SpaceProfile, save_profile
from tests.activitypub.support import event_body, expand

Nodes = Any
FIXTURES = Path(__file__).parent / "fixtures"
OFFSET = re.compile(r"T\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z)$")


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _missing(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where `actual` lacks a key of `expected` or holds another kind of value."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: not an object"]
        problems = []
        for key, value in expected.items():
            if key == "@context":
                continue
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += _missing(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: not a list"]
        return _missing(expected[0], actual[0], f"{path}[0]") if expected and actual else []
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if isinstance(expected, bool) == isinstance(actual, bool) else [f"{path}: not a boolean"]
    return [] if type(expected) is type(actual) else [f"{path}: {type(actual).__name__}"]


async def _get(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, url
        return await response.json(content_type=None)


async def _space(nodes: Nodes) -> Any:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    save_profile(
        milan.directory,
        SpaceProfile(description="Tram depot.", street_address="Via Messina 38", postal_code="20154",
                     locality="Milano", country="IT"),
    )  # fmt: skip
    return milan


async def test_event__has_the_shape_mobilizon_documents(nodes: Nodes) -> None:
    milan = await _space(nodes)
    await milan.api.ok("POST", "/api/v1/events", event_body("Open day", summary="Come.", tags=["open"]))
    [create] = (await _get(f"{milan.url}/ap/outbox"))["orderedItems"]
    assert _missing(_fixture("mobilizon_create_event.json"), create) == []
    event = create["object"]
    assert OFFSET.search(event["startTime"]) and OFFSET.search(event["endTime"])
    assert event["ical:status"] in ("CONFIRMED", "TENTATIVE", "CANCELLED")
    assert event["joinMode"] in ("free", "restricted", "invite", "external")
    assert event["location"]["address"]["streetAddress"] == "Via Messina 38"
    assert event["location"]["address"]["addressLocality"] == "Milano"
    assert event["url"] == f"{milan.url}/events/{event['id'].rsplit('/', 1)[-1]}"
    assert expand(create)


async def test_event__has_the_shape_mastodon_converts(nodes: Nodes) -> None:
    milan = await _space(nodes)
    await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
    [create] = (await _get(f"{milan.url}/ap/outbox"))["orderedItems"]
    event = create["object"]
    assert _missing(_fixture("mastodon_event.json"), event) == []
    assert event["attributedTo"] == create["actor"]  # Mastodon drops an object attributed to someone else
    assert "https://www.w3.org/ns/activitystreams#Public" in event["to"]


async def test_actor_and_webfinger__have_the_shapes_mastodon_documents(nodes: Nodes) -> None:
    milan = await _space(nodes)
    actor = await _get(f"{milan.url}/ap/actor")
    assert _missing(_fixture("mastodon_actor.json"), actor) == []
    host = urlsplit(milan.url).netloc
    jrd = await _get(f"{milan.url}/.well-known/webfinger?resource=acct:space@{host}")
    assert _missing(_fixture("webfinger.json"), jrd) == []


async def test_event__translations_become_name_and_content_maps(nodes: Nodes) -> None:
    milan = await _space(nodes)
    body = event_body(
        "Giornata aperta", summary="Venite a vedere.", language="it",
        translations={"en": {"title": "Open day", "summary": "Come and see."}, "es": {"title": "Puertas abiertas"}},
    )  # fmt: skip
    await milan.api.ok("POST", "/api/v1/events", body)
    [create] = (await _get(f"{milan.url}/ap/outbox"))["orderedItems"]
    event = create["object"]
    assert event["nameMap"] == {"it": "Giornata aperta", "en": "Open day", "es": "Puertas abiertas"}
    assert event["contentMap"] == {"it": "<p>Venite a vedere.</p>", "en": "<p>Come and see.</p>"}
    expanded = json.dumps(expand(create))
    assert '"@language": "en"' in expanded and '"@language": "es"' in expanded
