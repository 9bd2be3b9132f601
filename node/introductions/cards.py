"""What introductions and the trip view need of the profile cards (node/profiles), as a Protocol:
the cards feature owns the data; this package only reads it through these calls."""

from __future__ import annotations

from typing import Any, Protocol


class CardView(Protocol):
    origin: str
    member: str
    display_name: str | None

    def view(self) -> dict[str, Any]: ...


class OwnCard(Protocol):
    audience: str | list[str]
    published: bool


class CardLookup(Protocol):
    async def get_member_for_handle(self, handle: str) -> str | None: ...

    async def get_remote(self, origin: str, handle: str) -> Any: ...

    async def list_open_to_visitors(self, origin: str) -> list[Any]: ...

    async def get_own(self, member_id: str) -> Any: ...


def visible_to(card: OwnCard | None, peer: str) -> bool:
    """Is our member's published card in `peer`'s audience (so the peer may ask to meet them)?"""
    if card is None or not card.published:
        return False
    audience = card.audience
    return audience == "twins" or (isinstance(audience, list) and peer in audience)
