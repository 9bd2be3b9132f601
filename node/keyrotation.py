"""Rotating the node's signing key while it runs.

The new key is published in the node document and the old one moves to `old_verify_keys`;
every twin is sent a `KeyRotation` signed with the old key (through the outbox and the feed),
so they trust the new key without refetching anything. Objects signed with the old key stay
valid; requests must be signed with the current key.
"""

from __future__ import annotations

import structlog
from aiosqlite import Connection

from node.http.answers import KeyRotated
from protocol.keys import format_fingerprint
from protocol.models import Envelope, FederatedObject, KeyRotation
from protocol.problems import Problem, ProblemType

from .clock import iso
from .core import Node
from .store import TwinningRepository

log = structlog.get_logger("node.keys")


class KeyService:
    def __init__(self, node: Node, twinnings: TwinningRepository) -> None:
        self.node = node
        self.twinnings = twinnings

    async def rotate(self) -> KeyRotated:
        node = self.node
        now = node.clock.now()
        old = node.keys.rotate(iso(now))
        fresh = node.keys.current
        node.client.key = fresh
        rotation = KeyRotation(
            origin=node.id,
            id=f"rotation-{old.kid.split(':')[-1]}",
            version=1,
            old_kid=old.kid,
            new_kid=fresh.kid,
            new_public_key=fresh.verify_key.b64url,
            effective_at=now,
        )
        async with node.write() as work:
            await node.publish(work, rotation, None, key=old)
        log.info("key_rotated", old_kid=old.kid, new_kid=fresh.kid)
        return KeyRotated(
            old_kid=old.kid,
            kid=fresh.kid,
            fingerprint=format_fingerprint(fresh.verify_key.fingerprint),
            announced_to=sorted(await self.twinnings.list_active_peers()),
        )

    async def accept_rotation(self, tx: Connection, peer_id: str, obj: FederatedObject, _envelope: Envelope) -> None:
        """A twin's rotation, verified with its old key by the inbox (inbox `after_apply` hook)."""
        assert isinstance(obj, KeyRotation)
        # A rotation retires a current key. One signed with a key retired already (objects signed
        # with it stay valid) may only name a key we know (its document, read first, named both);
        # else each new version would add a fresh key, and every lookup of the twin's reads them all.
        peers = self.node.store.peers
        old, new = await peers.get_key(tx, peer_id, obj.old_kid), await peers.get_key(tx, peer_id, obj.new_kid)
        if (old is None or old.expired_at is not None) and new is None:
            raise Problem(ProblemType.CONFLICT, f"key {obj.old_kid} of {peer_id} is not current: it cannot be rotated")
        await self.node.directory.add_rotated_key(
            tx, peer_id, obj.old_kid, obj.new_kid, obj.new_public_key, iso(obj.effective_at)
        )
