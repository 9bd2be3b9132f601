"""Taking a twin out of an object's audience: the origin sends it a signed `Retraction`, the
twin deletes its copy (not hides it) and refuses the retracted versions if they come back.

Used by profile cards (narrowing the audience) and events (a twin removed from an event's
audience). One retraction object per retracted object, its audience the twins that were
taken out and not added back: it stays in their feed, so a twin that was down when the
audience narrowed still deletes its copy when it catches up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace

import structlog
from aiosqlite import Connection

from node.clock import iso
from node.core import Node, UnitOfWork
from node.federation.inbox import Acceptor
from node.store import Store
from protocol.envelope import Envelope
from protocol.models import FederatedObject, RetractedObject, Retraction, retraction_id
from protocol.problems import Problem, ProblemType

log = structlog.get_logger("node.retraction")

CHECKPOINT_DELAY_SECONDS = 0.2


async def retract(
    node: Node,
    work: UnitOfWork,
    key: tuple[str, str, str],
    up_to_version: int,
    removed: Iterable[str],
    *,
    kept: Iterable[str] = (),
) -> None:
    """Tell `removed` twins to delete our object `key` (type, origin, id), every version up to
    `up_to_version`; nothing more of it is sent to them.

    `kept`: the twins the object's audience holds now. One taken out earlier and added back
    since leaves the retraction's audience: this new version must not delete the copy it holds.
    """
    removed = set(removed)
    if not removed:
        return
    type_name, _, object_id = key
    rid = retraction_id(type_name, object_id)
    held = await node.store.objects.get("Retraction", node.id, rid, tx=work.tx)
    owed = set(removed)
    if held is not None:
        owed |= set(await node.store.objects.get_audience("Retraction", node.id, rid) or [])
    owed -= set(kept) - removed
    await node.store.outbox.delete_object(work.tx, sorted(removed), key)
    notice = Retraction(
        origin=node.id,
        id=rid,
        version=held.version + 1 if held is not None else 1,
        target=RetractedObject(type=type_name, id=object_id),  # type: ignore[arg-type]
        up_to_version=up_to_version,
        retracted_at=node.clock.now(),
    )
    await node.publish(work, notice, sorted(owed))


def retraction_acceptor(node: Node) -> Acceptor:
    """The inbox's rule for `Retraction`: delete our copy of the target (and whatever the
    target type's acceptor keeps beside it, through its `on_retract`), then empty the WAL."""

    async def apply(tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, Retraction)
        key = (obj.target.type, obj.origin, obj.target.id)
        size = await node.store.objects.delete_replica(tx, key, obj.up_to_version)
        if size is not None:
            await node.store.usage.add(tx, peer_id, -1, -size, 0, iso(node.clock.now()))
        elif await node.store.objects.get(*key, tx=tx) is not None:
            return  # older than the version we hold (we were added back since): nothing to forget
        target = node.inbox.acceptor_for(obj.target.type)
        if target is not None and target.on_retract is not None:
            await target.on_retract(tx, obj.origin, obj.target.id)
        checkpoint_soon(node)

    return Acceptor(after_apply=apply)


def guard(store: Store, acceptor: Acceptor) -> Acceptor:
    """`acceptor`, refusing a version its origin retracted from us (an old push arriving late).
    The whole batch is looked up in one query: a catch-up of thousands of objects costs one
    read, not one per object."""

    async def check_batch(peer_id: str, objects: list[FederatedObject]) -> dict[int, Problem]:
        bounds = await store.objects.list_held_envelopes([_retraction_key(obj) for obj in objects])
        refused = {}
        for position, obj in enumerate(objects):
            held = bounds.get(_retraction_key(obj))
            if held is not None and int(held["object"]["up_to_version"]) >= obj.version:
                refused[position] = Problem(
                    ProblemType.CONFLICT, f"{obj.type} {obj.id} version {obj.version} was retracted"
                )
        return refused

    return replace(acceptor, check_batch=check_batch)


def _retraction_key(obj: FederatedObject) -> tuple[str, str, str]:
    """The key of the retraction that would name `obj`, if its origin sent one."""
    return ("Retraction", obj.origin, retraction_id(obj.type, obj.id))


def checkpoint_soon(node: Node) -> None:
    """Once the inbox's transaction committed, empty the write-ahead log, so that deleted content
    leaves the -wal file too (the database file's freed pages are zeroed by secure_delete)."""
    asyncio.get_running_loop().call_later(CHECKPOINT_DELAY_SECONDS, _checkpoint, node)


def _checkpoint(node: Node) -> None:
    task = asyncio.ensure_future(node.store.db.checkpoint())
    task.add_done_callback(lambda t: t.exception() and log.warning("checkpoint_failed", error=str(t.exception())))
