"""The twins' public profiles, read from their `/space.jsonld`, for the network page and
the statistics per country.

A twin's profile is public, so it is read without a signature, with the size limit of a node
document, and kept for an hour (a twin that did not answer: five minutes), so a visitor's
page view never makes a node call its twins more than that.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from node.federation.client import Answer, PeerUnreachable

if TYPE_CHECKING:
    from node.core import Node

KEEP_SECONDS, KEEP_FAILED_SECONDS = 3600.0, 300.0


@dataclass(frozen=True)
class TwinProfile:
    id: str
    name: str
    url: str  # its public page
    description: str
    locality: str
    country: str  # ISO 3166-1 alpha-2, or "" when its profile names none
    reachable: bool


class TwinProfiles:
    def __init__(self, node: Node) -> None:
        self.node = node
        self._kept: dict[str, tuple[float, TwinProfile]] = {}

    async def all(self) -> list[TwinProfile]:
        """The active twins' profiles, read together."""
        peers = await self.node.store.twinnings.list_active_peers()
        return list(await asyncio.gather(*(self.get(peer) for peer in peers)))

    async def get(self, peer: str) -> TwinProfile:
        kept = self._kept.get(peer)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        row = await self.node.store.peers.get(peer)
        name = row.name if row is not None else peer
        try:
            answer = await self.node.client.get(f"{peer}/space.jsonld", kind=Answer.DOCUMENT, signed=False)
            document = answer.json() if answer.status == 200 else None
        except (PeerUnreachable, ValueError):
            document = None
        profile = _read(peer, name, document)
        self._kept[peer] = (time.monotonic() + (KEEP_SECONDS if profile.reachable else KEEP_FAILED_SECONDS), profile)
        return profile


def _read(peer: str, name: str, document: Any) -> TwinProfile:
    """What we show of a twin's JSON-LD: plain strings only, whatever it sent."""
    if not isinstance(document, dict):
        return TwinProfile(peer, name, f"{peer}/space", "", "", "", False)
    found = document.get("address")
    address: dict[str, Any] = found if isinstance(found, dict) else {}
    country = _text(address.get("addressCountry"), 2)
    return TwinProfile(
        id=peer,
        name=_text(document.get("name"), 200) or name,
        url=f"{peer}/space",
        description=_text(document.get("description"), 600),
        locality=_text(address.get("addressLocality"), 200),
        country=country if country.isalpha() and country.isupper() else "",
        reachable=True,
    )


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""
