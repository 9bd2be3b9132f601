"""Helpers for the bridge's tests: a space with a follower, pyld expansion with no network."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bovine.jsonld import activitystreams_context
from pyld import jsonld

from tests.support.nodes import InProcessNode

from .follower import BovineFollower


def expand(document: dict[str, Any]) -> list[Any]:
    """The document expanded by pyld; ActivityStreams' context is bovine's copy, anything else is refused."""

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url.rstrip("/") != "https://www.w3.org/ns/activitystreams":
            raise jsonld.JsonLdError(f"no network in tests: {url}", "loading document failed")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": activitystreams_context}}  # fmt: skip

    expanded: list[Any] = jsonld.expand(document, {"documentLoader": loader})
    return expanded


def event_body(title: str, days: int = 3, **fields: Any) -> dict[str, Any]:
    day = datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=days)
    return {"title": title, "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"} | fields


async def followed(space: InProcessNode) -> BovineFollower:
    """A bovine follower that followed `space` and got its Accept."""
    follower = await BovineFollower().start()
    response = await follower.follow(f"{space.url}/ap/actor", f"{space.url}/ap/inbox")
    assert response.status == 202, await response.text()
    await flush(space)
    assert follower.of_type("Accept"), "the follow was not accepted"
    return follower


async def flush(space: InProcessNode) -> None:
    """Let the bridge compare the public events and deliver what is due, now."""
    bridge = space.node.activitypub
    await bridge.publish()
    await bridge.deliver()
