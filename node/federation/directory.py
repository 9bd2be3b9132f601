"""What this node knows of other nodes: their documents and keys.

First contact is trust on first use: the document fetched from the peer's own URL, checked
to be signed by a key it lists. After that, a key id we do not know makes us refetch the
document, at most once per `refetch_seconds` for each peer, so a stream of requests with
made-up key ids cannot turn us into a fetching machine.

Every signed object a peer hands us is received one way (`receive`, or `prepare` where the
inbox verifies many signatures on threads): read the envelope, name its signer, refuse it
unless the signer is the peer it came from, get the signer's key, verify, parse. The inbox,
the host desk (reservation requests and member passes), receipts and twinning all use it,
as Synapse's `Keyring.verify_json_for_server` serves every servlet.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from aiosqlite import Connection

from node.clock import Clock, iso
from node.store import Store
from node.store.peers import PeerKey
from protocol.envelope import (
    Envelope,
    SignatureCheck,
    finish_open,
    open_envelope,
    prepare_check,
    read_envelope,
    signer_of,
)
from protocol.keys import VerifyKey
from protocol.models import FederatedObject, NodeDocument
from protocol.problems import Problem, ProblemType

from .client import FederationClient, PeerUnreachable

WELL_KNOWN = "/.well-known/gemellaggio"
MAX_RETIRED_KEYS = 64  # NodeDocument.old_verify_keys holds at most this many
T = TypeVar("T", bound=FederatedObject)


@dataclass(frozen=True)
class KnownKey:
    node_id: str
    key: VerifyKey
    expired_at: str | None  # None while current


class PeerDirectory:
    def __init__(
        self, store: Store, client: FederationClient, clock: Clock, refetch_seconds: float, key_cache_seconds: float
    ) -> None:
        self._store = store
        self._client = client
        self._clock = clock
        self._refetch_seconds = refetch_seconds
        self._last_fetch: dict[str, float] = {}
        # Keys as read, with when they were read: kept at most `key_cache_seconds`, since another
        # worker of the node may apply a twin's rotation, which this one's `_forget` never hears of.
        self._keys: dict[tuple[str, str], tuple[KnownKey, float]] = {}
        self._key_cache_seconds = key_cache_seconds
        # Bumped each time a node's keys are forgotten: a lookup that was under way then read
        # what they were before, and is not kept.
        self._generation: dict[str, int] = {}
        self._after_writes: set[asyncio.Task[None]] = set()

    async def fetch_document(self, node_id: str) -> tuple[NodeDocument, str]:
        """Fetch and check a node's self-signed document; returns it and its envelope JSON."""
        self._last_fetch[node_id] = time.monotonic()
        try:
            resp = await self._client.get_document(node_id)
        except PeerUnreachable as exc:
            raise Problem(ProblemType.PEER_UNREACHABLE, str(exc)) from exc
        if resp.status != 200:
            raise Problem(ProblemType.PEER_UNREACHABLE, f"{node_id}{WELL_KNOWN} answered HTTP {resp.status}")
        try:
            envelope = read_envelope(resp.json())
        except ValueError as exc:
            raise Problem(ProblemType.VALIDATION_ERROR, f"{node_id}{WELL_KNOWN} is not JSON") from exc
        entry = envelope.object.get("verify_keys", {}).get(envelope.signature.kid)
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise Problem(ProblemType.UNKNOWN_KEY, f"{node_id}'s document is not signed by a key it lists")
        doc = open_envelope(envelope, VerifyKey.from_b64url(entry["key"]), signer=node_id)
        if not isinstance(doc, NodeDocument):
            raise Problem(ProblemType.VALIDATION_ERROR, f"{node_id}{WELL_KNOWN} is not a node document")
        return doc, envelope.model_dump_json()

    async def remember(self, doc: NodeDocument, envelope_json: str) -> None:
        keys = [PeerKey(kid, e.key, None) for kid, e in doc.verify_keys.items()]
        keys += [PeerKey(kid, e.key, iso(e.expired_at)) for kid, e in doc.old_verify_keys.items()]
        async with self._store.db.transaction() as tx:
            await self._store.peers.store_document(
                tx, doc.origin, doc.name, doc.timezone, envelope_json, iso(self._clock.now()), keys
            )
        self._forget(doc.origin)

    async def add_rotated_key(
        self, tx: Connection, node_id: str, old_kid: str, new_kid: str, new_key: str, at: str
    ) -> None:
        """A twin's KeyRotation, already verified with its old key (inside the caller's transaction)."""
        await self._store.peers.store_keys(tx, node_id, [PeerKey(new_kid, new_key, None)])
        await self._store.peers.store_key_expiry(tx, node_id, old_kid, at)
        # As many retired keys as a node document lists: a twin rotating again and again (one
        # request each) would otherwise grow the keys every lookup of its own reads.
        await self._store.peers.delete_retired_keys(tx, node_id, MAX_RETIRED_KEYS)
        self._forget(node_id)
        # Until the transaction commits, a lookup (a request of that twin) reads the old key as
        # current, and would keep it so: forget again once the transaction has ended.
        task = asyncio.create_task(self._forget_after_writes(node_id))
        self._after_writes.add(task)
        task.add_done_callback(self._after_writes.discard)

    async def prepare(self, peer: str, raw: Any, *, refuse: ProblemType = ProblemType.FORBIDDEN) -> SignatureCheck:
        """A signed object from `peer`, ready for its signature check: its envelope read, its
        signer named and refused (as `refuse`) unless it is `peer`, the signer's key found."""
        envelope = read_envelope(raw)
        origin, kid = signer_of(envelope)
        if origin != peer:
            raise Problem(refuse, f"{peer} may only send objects it signs, not {origin}'s")
        known = await self.key(origin, kid)
        return prepare_check(envelope, known.key)

    def check_with_document(self, doc: NodeDocument, envelope: Envelope) -> None:
        """A stranger's signed object checked against the document it has just served, before
        that document is remembered (a stranger is kept only once what it sent verifies)."""
        entry = doc.verify_keys.get(envelope.signature.kid)
        if entry is None:
            raise Problem(
                ProblemType.UNKNOWN_KEY, f"{doc.origin}'s document does not list key {envelope.signature.kid!r}"
            )
        open_envelope(envelope, VerifyKey.from_b64url(entry.key), signer=doc.origin)

    async def receive(
        self, peer: str, raw: Any, expected: type[T], *, refuse: ProblemType = ProblemType.FORBIDDEN
    ) -> tuple[T, SignatureCheck]:
        """A signed object of type `expected` from `peer`, verified; with the check, whose
        canonical bytes name the object (`object_hash`)."""
        check = await self.prepare(peer, raw, refuse=refuse)
        if not check.signature_valid():
            raise Problem(ProblemType.SIGNATURE_INVALID, "the object signature does not verify")
        obj = finish_open(check, signer=peer)
        if not isinstance(obj, expected):
            raise Problem(ProblemType.VALIDATION_ERROR, f"expected a {expected.__name__}, got a {obj.type}")
        return obj, check

    def kept_key(self, node_id: str, kid: str) -> KnownKey | None:
        """The key `kid` of `node_id` if it was looked up lately (no I/O): only a known node's keys
        are kept, and a node, once known, stays known (peers are never deleted)."""
        kept = self._keys.get((node_id, kid))
        if kept is None or time.monotonic() - kept[1] >= self._key_cache_seconds:
            return None
        return kept[0]

    async def key(self, node_id: str, kid: str, *, refetch: bool = True) -> KnownKey:
        """The key `kid` of `node_id`; refetches the document once if the kid is new to us."""
        cached = self.kept_key(node_id, kid)
        if cached is not None:
            return cached
        generation, read_at = self._generation.get(node_id, 0), time.monotonic()
        known = await self._lookup(node_id, kid)
        if known is None and refetch and await self._may_refetch(node_id):
            doc, envelope_json = await self.fetch_document(node_id)
            await self.remember(doc, envelope_json)
            generation, read_at = self._generation.get(node_id, 0), time.monotonic()
            known = await self._lookup(node_id, kid)
        if known is None:
            raise Problem(ProblemType.UNKNOWN_KEY, f"key {kid!r} of {node_id} is not known")
        if self._generation.get(node_id, 0) == generation:  # nothing forgot the node's keys meanwhile
            self._keys[(node_id, kid)] = (known, read_at)
        return known

    async def _lookup(self, node_id: str, kid: str) -> KnownKey | None:
        found = (await self._store.peers.get_keys(node_id)).get(kid)
        if found is None:
            return None
        return KnownKey(node_id, VerifyKey.from_b64url(found.public_key), found.expired_at)

    async def _may_refetch(self, node_id: str) -> bool:
        if await self._store.peers.get(node_id) is None:
            return False  # strangers are fetched only by the twinning handshake
        last = self._last_fetch.get(node_id)
        return last is None or time.monotonic() - last >= self._refetch_seconds

    def _forget(self, node_id: str) -> None:
        self._generation[node_id] = self._generation.get(node_id, 0) + 1
        for cache_key in [k for k in self._keys if k[0] == node_id]:
            del self._keys[cache_key]

    async def _forget_after_writes(self, node_id: str) -> None:
        try:
            async with self._store.db.transaction():  # its turn comes once the current write has ended
                pass
        finally:  # the database closing meanwhile included: forgetting is all that is left to do
            self._forget(node_id)

    async def document_json(self, node_id: str) -> dict[str, object] | None:
        row = await self._store.peers.get(node_id)
        return json.loads(row.document) if row else None
