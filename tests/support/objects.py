"""Building wire objects for tests, and publishing them through a live node's own code path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from protocol.models import Event

from .nodes import InProcessNode


def make_event(origin: str, id_: str, version: int = 1, title: str = "Meetup", days: int = 7, **fields: Any) -> Event:
    start = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return Event(
        origin=origin,
        id=id_,
        version=version,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="UTC",
        **fields,
    )


async def publish(node: InProcessNode, obj: Any, audience: list[str] | None = None) -> dict[str, Any]:
    """Store and queue one of `node`'s own objects exactly as its services do."""
    async with node.node.write() as work:
        return await node.node.publish(work, obj, audience)


async def versions(node: InProcessNode, type_: str, origin: str) -> dict[str, int]:
    """The versions `node` holds of `origin`'s objects of one type."""
    return {o.id: o.version for o in await node.node.store.objects.list(type_, origin=origin, limit=100_000)}
