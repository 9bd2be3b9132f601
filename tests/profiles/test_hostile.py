"""A hostile twin may not put words in other spaces' members' mouths."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from protocol.models import MemberProfile
from tests.hostile.twin import HostileTwin
from tests.support.nodes import eventually, twin

from .support import files_hold, held_cards, member


@pytest.fixture
async def mallory() -> AsyncIterator[HostileTwin]:
    peer = HostileTwin()
    await peer.start()
    yield peer
    await peer.stop()


def card(origin: str, handle: str, name: str) -> MemberProfile:
    return MemberProfile(
        origin=origin,
        id=handle,
        member=handle,
        home=origin,
        version=7,
        display_name=name,
        updated_at=datetime.now(UTC).replace(microsecond=0),
    )


async def test_hostile__cards_for_members_of_other_origins_are_refused(nodes, mallory: HostileTwin):
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    await twin(london, nyc)
    await mallory.twin_with(london)
    grace = await member(nyc, "Grace Hopper")
    body = {"display_name": "Grace H.", "shared": ["display_name"], "audience": "twins"}
    theirs = (await nyc.api.ok("PUT", "/api/v1/profile", body, token=grace["token"]))["member"]
    await eventually(lambda: held_cards(london, nyc.url), {theirs: 1})
    ada = await member(london, "Ada Lovelace")
    ours = (await london.api.ok("PUT", "/api/v1/profile", {"shared": []}, token=ada["token"]))["member"]
    attempts: list[dict[str, Any]] = [
        mallory.seal(card(nyc.url, theirs, "Forged Grace")),  # NYC's card, signed by Mallory
        mallory.seal(card(mallory.url, theirs, "Forged Grace")),  # NYC's member's handle, as Mallory's
        mallory.seal(card(mallory.url, ours, "Forged Ada")),  # London's own member's handle
    ]
    answers = await mallory.push(london, attempts)
    status, result = answers[0]
    assert status == 202, result
    assert [item["status"] for item in result["results"]] == ["rejected"] * 3
    assert {item["problem"]["type"].rsplit("/", 1)[-1] for item in result["results"]} == {"forbidden"}
    assert await held_cards(london, mallory.url) == {}
    assert (await london.node.profiles.get_remote(nyc.url, theirs)).display_name == "Grace H."  # type: ignore[union-attr]
    assert await files_hold(london, "Forged") == []
