"""The node's core: its settings, store, keys, clock, signed HTTP client, inbox and delivery,
created once in `Node.open`; what every feature is built on. node/assembly.py adds the features.

Writes that must reach twins go through
`Node.write()`, which wakes the delivery loops only after the transaction committed (nothing
is sent before it is stored).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiosqlite import Connection

from protocol.envelope import seal
from protocol.httpsig import NonceCache
from protocol.keys import SigningKey
from protocol.models import Endpoints, FederatedObject, NodeDocument, OldVerifyKeyEntry, VerifyKeyEntry

from .clock import Clock, iso, parse_iso
from .config import Settings
from .federation.client import (
    FEED_PATH,
    INBOX_PATH,
    RESERVATIONS_PATH,
    TWINNING_PATH,
    FederationClient,
    open_session,
)
from .federation.directory import PeerDirectory
from .federation.inbox import InboxService, object_row
from .federation.links import LinkContext
from .federation.manager import Federation
from .federation.quota import Quota
from .federation.replay import ReplayGuard
from .keystore import KeyStore
from .mail.message import Sender
from .mail.outbox import MailOutbox
from .metrics import Metrics
from .ratelimit import Limit
from .store import Store
from .store.leases import Leases
from .store.profiles import ProfileRepository

MAX_OLD_KEYS = 64  # NodeDocument.old_verify_keys holds at most this many


@dataclass
class UnitOfWork:
    """One write transaction and the peers to wake once it is committed."""

    tx: Connection
    wake: set[str] = field(default_factory=set)  # peers whose delivery loop should look again
    pull: set[str] = field(default_factory=set)  # peers whose feed we should read again
    after_commit: list[Callable[[], None]] = field(default_factory=list)  # e.g. wake the mail sender


class Node:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.id = settings.node_id
        self.clock = clock or Clock()
        self.metrics = Metrics()
        self.store = Store(settings.database_url)
        # Which worker runs each background job when several share one database (node/store/leases.py).
        self.leases = Leases(self.store.db, settings.storage.lease_seconds)
        # Members' cards and the directory (node/profiles): read by introductions and the trip view.
        self.profiles = ProfileRepository(self.store.db)
        self.keys = KeyStore.load(settings.keys_dir)
        self.started_at = int(self.clock.now().timestamp())
        window = settings.limits.signature_window_seconds
        # This process's memory of nonces, in front of the database's, which every worker shares
        # (node/federation/replay.py). Until `open` reads the shared floor, nothing is taken.
        self.nonces = NonceCache(window=window, floor=self.started_at + window)
        self.replay = ReplayGuard(self.store.nonces, window, self.started_at)
        # The objects a twin may make us verify: the inbox's pushes and our pulls of its feed take
        # from one budget, so an endless feed costs no more than pushes do. On PostgreSQL several
        # workers serve the node: the buckets are in the database (node/web/app.py's other limits).
        limits, buckets = settings.limits, self.store.buckets if self.store.db.dialect == "postgresql" else None
        self.peer_items = Limit("peer_items", limits.peer_items_per_second, limits.peer_item_burst, buckets)
        self.session: aiohttp.ClientSession | None = None
        self.client: FederationClient
        self.directory: PeerDirectory
        self.inbox: InboxService
        self.federation: Federation
        self.mail = MailOutbox(self.store.db, mail_sender(settings), enabled=settings.mail.smtp_host is not None)

    async def open(self) -> Node:
        await self.store.open()
        self.nonces.floor = await self.replay.floor()
        self.session = open_session(self.settings.federation)
        self.client = FederationClient(
            self.session,
            self.id,
            self.keys.current,
            self.settings.federation,
            self.settings.delivery.request_timeout_seconds,
            self.clock,
        )
        self.directory = PeerDirectory(
            self.store,
            self.client,
            self.clock,
            self.settings.delivery.document_refetch_seconds,
            self.settings.delivery.key_cache_seconds,
        )
        limits = self.settings.limits
        quota = Quota(max_objects=limits.twin_max_objects, max_bytes=limits.twin_max_bytes)
        self.inbox = InboxService(
            self.id,
            self.store,
            self.directory,
            self.clock,
            self.metrics,
            quota,
            verifier_process=self.settings.federation.verifier == "process",
        )
        self.inbox.start()
        links = LinkContext(
            self.store, self.client, self.inbox, self.clock, self.settings, self.metrics, self.leases, self.peer_items
        )
        self.federation = Federation(links)
        return self

    async def close(self) -> None:
        await self.federation.stop()
        await self.inbox.stop()
        if self.session is not None:
            await self.session.close()
        await self.store.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        async with self.store.db.transaction() as tx:
            work = UnitOfWork(tx)
            yield work
        self.federation.wake(work.wake)
        for hook in work.after_commit:
            hook()
        for peer in work.pull:
            self.federation.pull_soon(peer)

    async def publish(
        self,
        work: UnitOfWork,
        obj: FederatedObject,
        audience: list[str] | None,
        *,
        key: SigningKey | None = None,
    ) -> dict[str, Any]:
        """Store a new version of one of our objects and queue it for the twins that may see it.

        `audience` None: every active twin; otherwise those of the listed peers that are active.
        Returns the signed envelope.
        """
        envelope = seal(obj, key or self.keys.current)
        envelope_json = envelope.model_dump_json()
        at = iso(self.clock.now())
        await self.store.objects.store_local(work.tx, object_row(obj, envelope_json), audience, at)
        active = await self.store.twinnings.list_active_peers()
        peers = active if audience is None else [p for p in active if p in audience]
        await self.store.outbox.store(work.tx, peers, "inbox", obj.key, obj.version, envelope_json, at)
        work.wake.update(peers)
        return envelope.model_dump(mode="json")

    def document(self) -> dict[str, Any]:
        """This node's signed document, as served at /.well-known/gemellaggio."""
        doc = NodeDocument(
            origin=self.id,
            version=1 + len(self.keys.old),
            name=self.settings.node.name,
            timezone=self.settings.node.timezone,
            location=self.settings.node.location,
            verify_keys={self.keys.current.kid: VerifyKeyEntry(key=self.keys.current.verify_key.b64url)},
            # The document holds at most 64 old keys (protocol limit): the most recent ones. Twins
            # keep the keys they already learned; only a node meeting us later misses the oldest.
            old_verify_keys={
                k.kid: OldVerifyKeyEntry(key=k.public_key, expired_at=parse_iso(k.expired_at))
                for k in list(self.keys.old.values())[-MAX_OLD_KEYS:]
            },
            endpoints=Endpoints(
                inbox=self.id + INBOX_PATH,
                feed=self.id + FEED_PATH,
                twinning=self.id + TWINNING_PATH,
                reservations=self.id + RESERVATIONS_PATH,
            ),
        )
        return seal(doc, self.keys.current).model_dump(mode="json")

    def fingerprint(self) -> str:
        return self.keys.current.verify_key.fingerprint

    def to_json(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def mail_sender(settings: Settings) -> Sender:
    name, url = settings.node.name, settings.node_id
    return Sender(name, settings.mail.from_address or Sender.default_address(name, url), url)
