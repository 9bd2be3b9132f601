"""The bridge at work: compares the public events with what followers were sent, queues
Create/Update/Delete for every follower's (shared) inbox, and delivers the queue with
retries and backoff, signed with draft-cavage-12 and the bridge's RSA key.

It reads `PublicEvents` (node/events/public.py), the list the public pages show, so nothing a
visitor of /events/{id} could not read ever reaches a follower.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import structlog

from node.clock import iso, parse_iso
from node.core import Node
from node.events import PublicEvents
from node.federation.client import Answer, PeerUnreachable
from node.public import load_profile
from node.retry import Backoff
from node.worker import Worker

from . import documents, keys, signatures
from .store import BridgeRepository, Delivery

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

log = structlog.get_logger("node.activitypub")
BATCH = 100


class Bridge:
    def __init__(self, node: Node, public: PublicEvents) -> None:
        self.node = node
        self.public = public
        self.settings = node.settings.activitypub
        self.urls = documents.Urls(node.settings)
        self.store = BridgeRepository(node.store.db)
        self.wake = asyncio.Event()  # set when a follower arrives: it is sent what it follows at once
        self.worker = Worker(
            "activitypub-bridge",
            self._step,
            after_error=self.settings.publish_interval_seconds,
            event=self.wake,
            lease=node.leases.job("activitypub-bridge"),
        )
        self._backoff = Backoff(node.settings.delivery.backoff_base_seconds, node.settings.delivery.backoff_cap_seconds)
        # One comparison and one delivery round at a time: two would queue or send the same activity twice.
        self._publishing, self._delivering = asyncio.Lock(), asyncio.Lock()

    # The RSA key (and `cryptography` with it, ~10 MB) is loaded, or made, when the fediverse first
    # asks for the actor or the bridge first signs: a node nobody follows never holds it.
    @cached_property
    def key(self) -> rsa.RSAPrivateKey:
        return keys.load_or_create(self.node.settings.keys_dir)

    @cached_property
    def public_pem(self) -> str:
        return keys.public_pem(self.key)

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def blocked(self, url: str) -> bool:
        return _host(url) in await self.blocked_hosts()

    async def blocked_hosts(self) -> set[str]:
        """The hosts that get nothing: configured, or blocked by the operator."""
        return set(self.settings.blocked_instances) | await self.store.list_blocked()

    async def event_objects(self) -> dict[str, dict[str, Any]]:
        settings = self.node.settings
        profile = load_profile(settings.directory)
        return {
            e.id: documents.event_object(self.urls, e, settings.node.name, profile, settings.node.location)
            for e in await self.public.list()
        }

    async def publish(self) -> int:
        """Queue an activity for each public event that is new, changed or gone; returns how many."""
        async with self._publishing:
            return await self._publish()

    async def _publish(self) -> int:
        now = iso(self.node.clock.now())
        blocked = await self.blocked_hosts()  # read once: a space may have thousands of followers
        inboxes = sorted({f.inbox for f in await self.store.list_followers() if _host(f.inbox) not in blocked})
        sent, current = await self.store.list_published(), await self.event_objects()
        count = 0
        for event_id, obj in current.items():
            digest = documents.digest(obj)
            if sent.get(event_id) == digest:
                continue
            kind = "Update" if sent.get(event_id) else "Create"
            times = await self.store.get_published_times(event_id)
            first = times[0] if times and sent.get(event_id) else now
            activity = documents.activity(self.urls, kind, obj, first, now)
            await self.store.store_published(event_id, digest, now, [(inbox, activity) for inbox in inboxes])
            count += 1
        for event_id, digest in sent.items():
            if digest and event_id not in current:
                gone = documents.delete(self.urls, event_id, now)
                await self.store.store_published(event_id, "", now, [(inbox, gone) for inbox in inboxes])
                count += 1
        return count

    async def deliver(self) -> int:
        """Send every due activity once; returns how many were taken."""
        async with self._delivering:
            by_inbox: dict[str, list[Delivery]] = {}
            for delivery in await self.store.list_due(iso(self.node.clock.now()), BATCH):
                by_inbox.setdefault(delivery.inbox, []).append(delivery)
            blocked = await self.blocked_hosts()
            results = await asyncio.gather(*(self._send_in_order(queued, blocked) for queued in by_inbox.values()))
            return sum(results)

    async def _send_in_order(self, queued: list[Delivery], blocked: set[str]) -> int:
        """One inbox's activities one after the other, as queued; the rest wait behind one not taken."""
        taken = 0
        for delivery in queued:
            sent = await self._send(delivery, blocked)
            if not sent:
                break
            taken += sent
        return taken

    async def post(self, inbox: str, activity: dict[str, Any]) -> None:
        """POST one activity to an inbox, signed; raises PeerUnreachable when it was not taken."""
        body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()
        headers = signatures.sign("POST", inbox, body, self.key, self.urls.key_id, self.node.clock.now())
        headers |= {"Content-Type": documents.CONTENT_TYPE, "Accept": documents.CONTENT_TYPE}
        answer = await self.node.client.send(
            "POST", inbox, body, kind=Answer.INBOX_ANSWER, signed=False, extra_headers=headers
        )
        if answer.status >= 300:
            raise PeerUnreachable(f"{inbox} answered HTTP {answer.status}")

    async def _send(self, delivery: Delivery, blocked: set[str]) -> int:
        now = self.node.clock.now()
        if _host(delivery.inbox) in blocked:
            await self.store.delete_delivery(delivery.id)
            return 0
        try:
            await self.post(delivery.inbox, delivery.activity)
        except PeerUnreachable as exc:
            oldest = now - timedelta(days=self.settings.give_up_after_days)
            if parse_iso(delivery.created) < oldest:
                # What waited behind it as long goes too: each would be given up at its first try.
                dropped = await self.store.delete_deliveries_before(delivery.inbox, iso(oldest))
                log.warning(
                    "activitypub_given_up", inbox=delivery.inbox, attempts=delivery.attempts + 1, dropped=dropped
                )
            else:
                wait = self._backoff.delay(delivery.attempts)
                await self.store.store_failure(delivery.id, iso(now + timedelta(seconds=wait)), str(exc))
            return 0
        await self.store.delete_delivery(delivery.id)
        return 1

    async def _step(self) -> float:
        await self.publish()
        await self.deliver()
        return self.settings.publish_interval_seconds


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL: on no host anyone blocked
        return ""
