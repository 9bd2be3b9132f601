"""Starts and stops one PeerLink per peer that has a live twinning or undelivered messages."""

from __future__ import annotations

from collections.abc import Iterable

from .links import LinkContext
from .sync import PeerLink


class Federation:
    def __init__(self, links: LinkContext) -> None:
        self._context = links
        self._links: dict[str, PeerLink] = {}
        self._running = False

    async def start(self) -> None:
        self._running = True
        peers = {t.peer_id for t in await self._context.store.twinnings.list() if t.status in ("active", "suspended")}
        peers |= set(await self._context.store.outbox.list_peers_with_pending())
        for peer in sorted(peers):
            self.link(peer)

    async def stop(self) -> None:
        self._running = False
        links, self._links = list(self._links.values()), {}
        for link in links:
            await link.stop()

    def link(self, peer_id: str) -> PeerLink:
        link = self._links.get(peer_id)
        if link is None:
            link = PeerLink(self._context, peer_id)
            self._links[peer_id] = link
            if self._running:
                link.start()
        return link

    def wake(self, peer_ids: Iterable[str]) -> None:
        if not self._running:
            return
        for peer in peer_ids:
            self.link(peer).wake()

    def pull_soon(self, peer_id: str) -> None:
        if self._running:
            self.link(peer_id).pull_soon()

    def links(self) -> dict[str, PeerLink]:
        return dict(self._links)
