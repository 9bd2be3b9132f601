"""Applying twins' signed objects, pushed to our inbox or pulled from their feed.

Each item is checked on its own (envelope shape, signer is the sending twin, object
signature, type accepted, domain rules), then every item that passed is applied in one
transaction: an item whose version is not newer than what we hold changes nothing. An item
whose hook fails while it is applied is refused alone (a savepoint per item), and the rest of
its batch is applied. The same
batch delivered twice, batches reordered, an old version after a new one: the state is that
of the latest versions.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import structlog
from aiosqlite import Connection

from node.clock import Clock, iso
from node.metrics import Metrics
from node.store import Store
from node.store.objects import ObjectKey, ObjectRow
from protocol.envelope import SignatureCheck, finish_open
from protocol.models import Envelope, FederatedObject, ItemResult
from protocol.problems import Problem, ProblemType

from .directory import PeerDirectory
from .quota import Quota, Tally, over_quota
from .verifier import VERIFY_THREADS, BatchVerification, VerifierProcess

log = structlog.get_logger("node.inbox")

Check = Callable[[str, FederatedObject], Awaitable[None]]
# Refusals for a batch of one type at once, by position in the list: one query, not one per item.
CheckBatch = Callable[[str, list[FederatedObject]], Awaitable[dict[int, Problem]]]
AfterApply = Callable[[Connection, str, FederatedObject, Envelope], Awaitable[None]]
AfterApplyBatch = Callable[[Connection, str, list[FederatedObject]], Awaitable[None]]
OnRetract = Callable[[Connection, str, str], Awaitable[None]]  # (tx, origin, object id)


@dataclass
class Acceptor:
    """What the inbox does with one object type."""

    check: Check | None = None  # raise Problem to refuse the item (before any write)
    after_apply: AfterApply | None = None  # inside the transaction, for items that were newer
    # Or, for the whole batch at once: set-based SQL instead of a round trip per item.
    after_apply_batch: AfterApplyBatch | None = None
    # When the origin retracts one of its objects from us (node/retraction.py): delete what the
    # feature keeps beside the stored object, inside the transaction.
    on_retract: OnRetract | None = None
    check_batch: CheckBatch | None = None  # after `check`, for the items of this type that passed it


@dataclass(slots=True)
class _Verified:
    index: int
    obj: FederatedObject
    envelope: Envelope
    raw_json: str = field(repr=False)
    size: int  # of raw_json in UTF-8: what the twin's quota counts


class InboxService:
    def __init__(
        self,
        node_id: str,
        store: Store,
        directory: PeerDirectory,
        clock: Clock,
        metrics: Metrics,
        quota: Quota | None = None,
        *,
        verifier_process: bool = True,
    ) -> None:
        self._node_id = node_id
        self._quota = quota or Quota(max_objects=20_000, max_bytes=64 * 1024 * 1024)
        self._store = store
        self._directory = directory
        self._clock = clock
        self._metrics = metrics
        self._acceptors: dict[str, Acceptor] = {}
        self._pool: ThreadPoolExecutor | None = None
        # Verification in a process of its own (node/federation/verifier.py), started at the
        # first large batch; None: on threads here (`federation.verifier: threads`).
        self.verifier = VerifierProcess() if verifier_process else None

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=VERIFY_THREADS, thread_name_prefix="verify")

    async def stop(self) -> None:
        if self.verifier is not None:
            await self.verifier.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def accept(self, type_name: str, acceptor: Acceptor) -> None:
        self._acceptors[type_name] = acceptor

    def acceptor_for(self, type_name: str) -> Acceptor | None:
        return self._acceptors.get(type_name)

    def accepted(self) -> set[str]:
        """The object types this inbox takes (any other is refused, whoever sends it)."""
        return set(self._acceptors)

    async def apply(self, peer_id: str, items: Sequence[Any], via: str) -> list[ItemResult]:
        results = await self._already_held(peer_id, items)
        prepared: list[tuple[int, SignatureCheck, Any]] = []
        # Verified while the rest is prepared: one Ed25519 verification per object is the floor of
        # the inbox's cost, so it runs beside the loop's work, not after it (verifier.py).
        verification = BatchVerification(self.verifier, self._pool, len(items) - len(results))
        for index, raw in enumerate(items):
            if index in results:
                continue
            try:
                check = await self._prepare(peer_id, raw)
            except Problem as problem:
                results[index] = _rejected(index, problem)
                continue
            prepared.append((index, check, raw))
            await verification.add(check)
        verified: list[_Verified] = []
        valid = await verification.verdicts()
        for (index, check, raw), ok in zip(prepared, valid, strict=True):
            try:
                if not ok:
                    raise Problem(ProblemType.SIGNATURE_INVALID, "the object signature does not verify")
                verified.append(await self._finish(index, peer_id, check, raw))
            except Problem as problem:
                results[index] = _rejected(index, problem)
        verified = await self._check_batches(peer_id, verified, results)
        if verified:
            for item in await self._store_batch(peer_id, verified):
                results[item.index] = item
        ordered = [results[i] for i in range(len(items))]
        for status, count in Counter(result.status for result in ordered).items():
            self._metrics.inbox_items.labels(via=via, result=status).inc(count)
        return ordered

    async def _already_held(self, peer_id: str, items: Sequence[Any]) -> dict[int, ItemResult]:
        """Items of the peer's own objects at a version we already hold: stale, without any crypto.

        Push and pull both deliver everything, so after an outage most of one of them is
        duplicates; answering those from the store halves the verification work. Nothing is
        applied on this path, so nothing unverified can change state.
        """
        claimed: dict[int, tuple[ObjectKey, int]] = {}
        for index, raw in enumerate(items):
            obj = raw.get("object") if isinstance(raw, dict) else None
            if not isinstance(obj, dict) or obj.get("origin") != peer_id:
                continue
            key, version = (obj.get("type"), obj.get("origin"), obj.get("id")), obj.get("version")
            if all(isinstance(part, str) for part in key) and type(version) is int:
                claimed[index] = (key, version)  # type: ignore[assignment]
        if not claimed:
            return {}
        held = await self._store.objects.list_held_versions([key for key, _ in claimed.values()])
        return {
            index: ItemResult(index=index, status="stale", type=key[0], id=key[2], version=version)
            for index, (key, version) in claimed.items()
            if version <= held.get(key, 0)
        }

    async def _prepare(self, peer_id: str, raw: Any) -> SignatureCheck:
        return await self._directory.prepare(peer_id, raw)

    async def _finish(self, index: int, peer_id: str, check: SignatureCheck, raw: Any) -> _Verified:
        obj = finish_open(check, signer=peer_id)
        acceptor = self._acceptors.get(obj.type)
        if acceptor is None:
            raise Problem(ProblemType.VALIDATION_ERROR, f"objects of type {obj.type} are not accepted here")
        if acceptor.check is not None:
            await acceptor.check(peer_id, obj)
        stored = _stored_form(check)
        return _Verified(index, obj, check.envelope, stored.decode("utf-8"), len(stored))

    async def _check_batches(
        self, peer_id: str, verified: list[_Verified], results: dict[int, ItemResult]
    ) -> list[_Verified]:
        """The items no acceptor's `check_batch` refused (the refused ones go to `results`)."""
        refused: dict[int, Problem] = {}
        for type_name, items in _by_type(verified).items():
            check_batch = self._acceptors[type_name].check_batch
            if check_batch is not None:
                for position, problem in (await check_batch(peer_id, [item.obj for item in items])).items():
                    refused[items[position].index] = problem
        for index, problem in refused.items():
            results[index] = _rejected(index, problem)
        return [item for item in verified if item.index not in refused] if refused else verified

    async def _after_apply(self, tx: Connection, peer_id: str, applied: list[_Verified]) -> None:
        for type_name, items in _by_type(applied).items():
            acceptor = self._acceptors[type_name]
            if acceptor.after_apply_batch is not None:
                await acceptor.after_apply_batch(tx, peer_id, [item.obj for item in items])
            elif acceptor.after_apply is not None:
                for item in items:
                    await acceptor.after_apply(tx, peer_id, item.obj, item.envelope)

    async def _store_batch(self, peer_id: str, verified: list[_Verified]) -> list[ItemResult]:
        at = iso(self._clock.now())
        async with self._store.db.transaction() as tx:
            stored = await self._store.objects.list_versions_and_sizes(tx, [v.obj.key for v in verified])
            held = {key: version for key, (version, _) in stored.items()}
            sizes = {key: size for key, (_, size) in stored.items()}
            newer, refused = await self._within_quota(tx, peer_id, _newer(verified, held), sizes)
            try:
                async with self._store.db.savepoint(tx, "batch"):
                    await self._write(tx, peer_id, newer, at)
            except Exception:
                # One item made a hook fail (a twin's odd object, or our bug): apply the items one
                # by one, each in its own savepoint, so that only the failing ones are refused.
                refused |= await self._write_each(tx, peer_id, newer, at)
            applied = [item for item in newer if item.index not in refused]
            await self._count_usage(tx, peer_id, Tally(0, 0, sizes), applied, refused, at)
        newer_indexes = {item.index for item in newer}
        results = []
        debugging = log.is_enabled_for(logging.DEBUG)  # asked once a batch: a log call costs even when filtered
        for item in verified:
            if item.index in refused:
                results.append(_rejected(item.index, refused[item.index]))
                continue
            status: Literal["applied", "stale"] = "applied" if item.index in newer_indexes else "stale"
            obj = item.obj
            results.append(ItemResult(index=item.index, status=status, type=obj.type, id=obj.id, version=obj.version))
            if debugging and status == "applied":
                log.debug("applied", origin=obj.origin, type=obj.type, id=obj.id, version=obj.version)
        return results

    async def _within_quota(
        self, tx: Connection, peer_id: str, newer: list[_Verified], sizes: dict[ObjectKey, int]
    ) -> tuple[list[_Verified], dict[int, Problem]]:
        """The items that fit the twin's quota, in order; the others refused with quota-exceeded.
        `sizes` are the stored sizes of the objects the batch names, as they were before it."""
        usage = await self._store.usage.get(peer_id, tx=tx)
        tally, admitted, refused = Tally(usage.objects, usage.bytes, dict(sizes)), [], {}
        for item in newer:
            if tally.fits(item.obj.key, item.size, self._quota):
                tally.take(item.obj.key, item.size)
                admitted.append(item)
            else:
                refused[item.index] = over_quota(peer_id, item.obj.type, item.obj.id, tally, self._quota)
        if refused:
            log.warning("quota_exceeded", peer=peer_id, refused=len(refused), objects=tally.objects, bytes=tally.bytes)
        return admitted, refused

    async def _count_usage(
        self,
        tx: Connection,
        peer_id: str,
        change: Tally,
        applied: list[_Verified],
        refused: dict[int, Problem],
        at: str,
    ) -> None:
        """Add what the applied items changed (`change` starts at zero) and the quota refusals."""
        for item in applied:
            change.take(item.obj.key, item.size)
        over = sum(1 for problem in refused.values() if problem.kind is ProblemType.QUOTA_EXCEEDED)
        if change.objects or change.bytes or over:
            await self._store.usage.add(tx, peer_id, change.objects, change.bytes, over, at)

    async def _write(self, tx: Connection, peer_id: str, items: list[_Verified], at: str) -> None:
        if items:
            await self._store.objects.store_replicas(tx, [_row(item) for item in items], at)
            await self._after_apply(tx, peer_id, items)

    async def _write_each(self, tx: Connection, peer_id: str, items: list[_Verified], at: str) -> dict[int, Problem]:
        refused: dict[int, Problem] = {}
        for item in items:
            try:
                async with self._store.db.savepoint(tx, "item"):
                    await self._write(tx, peer_id, [item], at)
            except Problem as problem:
                refused[item.index] = problem
            except Exception:
                obj = item.obj
                log.exception("item refused: applying it failed", origin=obj.origin, type=obj.type, id=obj.id)
                refused[item.index] = Problem(
                    ProblemType.VALIDATION_ERROR, f"{obj.type} {obj.id} version {obj.version} could not be applied here"
                )
        return refused


def _newer(verified: list[_Verified], held: dict[ObjectKey, int]) -> list[_Verified]:
    """The items newer than what we hold, in batch order (a batch may carry v1 then v2 of one object)."""
    newer = []
    for item in verified:
        key: ObjectKey = item.obj.key
        if item.obj.version > held.get(key, 0):
            held[key] = item.obj.version
            newer.append(item)
    return newer


def _by_type(items: list[_Verified]) -> dict[str, list[_Verified]]:
    by_type: dict[str, list[_Verified]] = {}
    for item in items:
        by_type.setdefault(item.obj.type, []).append(item)
    return by_type


def _rejected(index: int, problem: Problem) -> ItemResult:
    return ItemResult(index=index, status="rejected", problem=problem.to_document())


def _stored_form(check: SignatureCheck) -> bytes:
    """The envelope as stored: its object in the canonical form that was just verified (already
    computed, and as good a JSON text as any), beside its signature."""
    signature = check.envelope.signature
    kid = orjson.dumps(signature.kid)  # any string: quoted and escaped as JSON
    return b'{"object":' + check.message + b',"signature":{"kid":' + kid + b',"sig":"' + signature.sig.encode() + b'"}}'


def _row(item: _Verified) -> ObjectRow:
    return object_row(item.obj, item.raw_json)


def object_row(obj: FederatedObject, envelope_json: str) -> ObjectRow:
    """The store row of any object, ours or a twin's."""
    starts, ends = getattr(obj, "starts_at", None), getattr(obj, "ends_at", None)
    return ObjectRow(
        type=obj.type,
        origin=obj.origin,
        id=obj.id,
        version=obj.version,
        status=getattr(obj, "status", None),
        starts_at=iso(starts) if starts else None,
        ends_at=iso(ends) if ends else None,
        envelope_json=envelope_json,
    )
