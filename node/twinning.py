"""The twinning agreement's life cycle, on both sides.

proposer: propose -> `proposed` -> (acceptance arrives) -> `active`
acceptor: (proposal arrives) -> `pending` -> accept -> `active` | decline -> `declined`
either side: `active` <-> `suspended` (suspend / resume), -> `ended` (end)

Proposals and acceptances are explicit operator actions after each operator has seen the
other's key fingerprint. Suspend, resume, end and decline are signed `TwinningChange`
messages that travel through the outbox, so they reach the peer even if it is down now.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import structlog

from protocol.envelope import object_hash, seal
from protocol.models import FederatedObject, Terms, TwinningAcceptance, TwinningChange, TwinningProposal
from protocol.problems import Problem, ProblemType

from .clock import iso
from .core import Node, UnitOfWork
from .federation.client import PeerUnreachable
from .federation.refusals import refusal
from .introductions import IntroductionRepository
from .store import OutboxRepository, Twinning, TwinningRepository

log = structlog.get_logger("node.twinning")

# What a twin's refusal of a proposal or acceptance may tell our operator as it is; any other
# answer is "the twin could not take it" (peer-unreachable).
PEER_REFUSALS = {
    ProblemType.VALIDATION_ERROR,
    ProblemType.CONFLICT,
    ProblemType.NOT_TWINNED,
    ProblemType.FORBIDDEN,
    ProblemType.RATE_LIMITED,
}
CHANGE_STATUS = {"suspend": "suspended", "resume": "active", "end": "ended", "decline": "declined"}
ALLOWED_FROM = {
    "accept": {"pending"},
    "decline": {"pending"},
    "suspend": {"active"},
    "resume": {"suspended"},
    "end": {"proposed", "pending", "active", "suspended"},
}
# What a peer's TwinningChange may move our record from. Never pending -> active: only our
# operator's explicit acceptance activates a twinning (after seeing the peer's fingerprint).
RECEIVED_FROM = {
    "decline": {"proposed"},
    "suspend": {"active"},
    "resume": {"suspended"},
    "end": {"proposed", "pending", "active", "suspended"},
}


class TwinningService:
    def __init__(self, node: Node, twinnings: TwinningRepository, outbox: OutboxRepository) -> None:
        self.node = node
        self.twinnings = twinnings
        self.outbox = outbox

    # -- operator actions -------------------------------------------------------------------

    async def propose(self, url: str, offer: Terms | None, request: Terms | None, message: str | None) -> Twinning:
        node = self.node
        peer_id = url.rstrip("/")
        if peer_id == node.id:
            raise Problem(ProblemType.VALIDATION_ERROR, "a node cannot twin with itself", errors=[_url_error()])
        if await self.twinnings.get_live(peer_id) is not None:
            raise Problem(ProblemType.CONFLICT, f"there is already a live twinning with {peer_id}")
        doc, doc_json = await node.directory.fetch_document(peer_id)
        if doc.origin != peer_id:
            raise Problem(ProblemType.VALIDATION_ERROR, f"{url} says it is {doc.origin}", errors=[_url_error()])
        await node.directory.remember(doc, doc_json)
        now = node.clock.now()
        proposal = TwinningProposal(
            origin=node.id,
            id=str(uuid.uuid4()),
            version=1,
            proposer=node.id,
            acceptor=peer_id,
            offer=offer or node.settings.defaults.offer,
            request=request or node.settings.defaults.request,
            valid_from=now,
            message=message,
        )
        envelope = seal(proposal, node.keys.current)
        resp = await self._send(peer_id, envelope.model_dump(mode="json"))
        if resp.status >= 300:
            raise refusal(resp, peer_id, "the proposal", PEER_REFUSALS)
        twinning = Twinning(
            id=proposal.id,
            peer_id=peer_id,
            role="proposer",
            status="proposed",
            proposal=envelope.model_dump_json(),
            acceptance=None,
            reason=None,
            created_at=iso(now),
            updated_at=iso(now),
        )
        async with node.store.db.transaction() as tx:
            await self.twinnings.store(tx, twinning)
        log.info("twinning_proposed", peer=peer_id, agreement=proposal.id)
        return twinning

    async def accept(self, twinning_id: str) -> Twinning:
        node = self.node
        twinning = await self._get(twinning_id, "accept")
        proposal = json.loads(twinning.proposal)
        acceptance = TwinningAcceptance(
            origin=node.id,
            id=twinning.id,
            version=1,
            agreement_id=twinning.id,
            proposer=twinning.peer_id,
            acceptor=node.id,
            proposal_hash=object_hash(proposal["object"]),
            accepted_at=node.clock.now(),
        )
        envelope = seal(acceptance, node.keys.current)
        # Active (committed) before the acceptance leaves: the proposer reads our feed the moment
        # it has it, and a read refused as not-twinned would wait twice the pull interval.
        async with node.store.db.transaction() as tx:
            await self.twinnings.store_status(
                tx, twinning.id, "active", iso(node.clock.now()), acceptance=envelope.model_dump_json()
            )
        try:
            resp = await self._send(twinning.peer_id, envelope.model_dump(mode="json"))
            if resp.status >= 300:
                raise refusal(resp, twinning.peer_id, "the acceptance", PEER_REFUSALS)
        except BaseException:
            async with node.store.db.transaction() as tx:
                await self.twinnings.store_acceptance_withdrawn(tx, twinning.id, iso(node.clock.now()))
            raise
        # Only now that the proposer is active too: our first read of its feed is not refused either.
        node.federation.pull_soon(twinning.peer_id)
        node.federation.wake([twinning.peer_id])
        log.info("twinning_accepted", peer=twinning.peer_id, agreement=twinning.id)
        return await self._reload(twinning.id)

    async def change(self, twinning_id: str, action: str, reason: str | None) -> Twinning:
        """decline, suspend, resume or end: applied here at once, told to the peer through the outbox."""
        node = self.node
        twinning = await self._get(twinning_id, action)
        if action == "resume" and twinning.suspended_by == "peer":
            raise Problem(ProblemType.CONFLICT, f"{twinning.peer_id} suspended this twinning: only they can resume it")
        change = TwinningChange(
            origin=node.id,
            id=str(uuid.uuid4()),
            version=1,
            agreement_id=twinning.id,
            action=action,  # type: ignore[arg-type]
            reason=reason,
            at=node.clock.now(),
        )
        envelope = seal(change, node.keys.current)
        async with node.write() as work:
            await self.outbox.store(
                work.tx,
                [twinning.peer_id],
                "twinning",
                change.key,
                1,
                envelope.model_dump_json(),
                iso(node.clock.now()),
            )
            await self._apply_status(work, twinning, CHANGE_STATUS[action], reason, by="us")
            work.wake.add(twinning.peer_id)
        log.info("twinning_changed", peer=twinning.peer_id, agreement=twinning.id, action=action)
        return await self._reload(twinning.id)

    # -- messages from peers ----------------------------------------------------------------

    async def receive(self, peer_id: str, raw: Any) -> dict[str, Any]:
        """A signed proposal, acceptance or change sent to /federation/v1/twinning by `peer_id`."""
        obj, check = await self.node.directory.receive(
            peer_id, raw, FederatedObject, refuse=ProblemType.SIGNATURE_INVALID
        )
        envelope_json = check.envelope.model_dump_json()
        if isinstance(obj, TwinningProposal):
            return await self._receive_proposal(obj, envelope_json)
        if isinstance(obj, TwinningAcceptance):
            return await self._receive_acceptance(obj, envelope_json)
        if isinstance(obj, TwinningChange):
            return await self._receive_change(peer_id, obj)
        raise Problem(ProblemType.VALIDATION_ERROR, f"{obj.type} is not a twinning message")

    async def _receive_proposal(self, proposal: TwinningProposal, envelope_json: str) -> dict[str, Any]:
        node = self.node
        if proposal.acceptor != node.id:
            raise Problem(ProblemType.VALIDATION_ERROR, f"this proposal is for {proposal.acceptor}, not {node.id}")
        existing = await self.twinnings.get(proposal.id)
        if existing is not None:
            if existing.proposal != envelope_json:
                raise Problem(ProblemType.CONFLICT, "another proposal already has this id")
            return {"id": existing.id, "status": existing.status}
        if await self.twinnings.get_live(proposal.proposer) is not None:
            raise Problem(ProblemType.CONFLICT, f"there is already a live twinning with {proposal.proposer}")
        now = iso(node.clock.now())
        twinning = Twinning(
            id=proposal.id,
            peer_id=proposal.proposer,
            role="acceptor",
            status="pending",
            proposal=envelope_json,
            acceptance=None,
            reason=None,
            created_at=now,
            updated_at=now,
        )
        async with node.store.db.transaction() as tx:
            await self.twinnings.store(tx, twinning)
        log.info("twinning_proposal_received", peer=proposal.proposer, agreement=proposal.id)
        return {"id": proposal.id, "status": "pending"}

    async def _receive_acceptance(self, acceptance: TwinningAcceptance, envelope_json: str) -> dict[str, Any]:
        twinning = await self.twinnings.get(acceptance.agreement_id)
        if twinning is None or twinning.role != "proposer" or twinning.peer_id != acceptance.acceptor:
            raise Problem(ProblemType.NOT_FOUND, "no proposal of ours matches this acceptance")
        if acceptance.proposal_hash != object_hash(json.loads(twinning.proposal)["object"]):
            raise Problem(ProblemType.CONFLICT, "the acceptance is for a different proposal")
        if twinning.status == "active":
            return {"id": twinning.id, "status": "active"}
        if twinning.status != "proposed":
            raise Problem(ProblemType.CONFLICT, f"the twinning is {twinning.status}")
        await self._set_status(twinning, "active", acceptance=envelope_json)
        log.info("twinning_active", peer=twinning.peer_id, agreement=twinning.id)
        return {"id": twinning.id, "status": "active"}

    async def _receive_change(self, peer_id: str, change: TwinningChange) -> dict[str, Any]:
        twinning = await self.twinnings.get(change.agreement_id)
        if twinning is None or twinning.peer_id != peer_id:
            raise Problem(ProblemType.NOT_FOUND, "no twinning with this id")
        status = CHANGE_STATUS[change.action]
        if twinning.status in ("ended", "declined") or twinning.status == status:
            return {"id": twinning.id, "status": twinning.status}  # over, or a repeat: nothing to do
        if twinning.status not in RECEIVED_FROM[change.action]:
            raise Problem(ProblemType.CONFLICT, f"cannot {change.action} a twinning that is {twinning.status}")
        if change.action == "resume" and twinning.suspended_by != "peer":
            # We suspended it: a twin cannot lift our operator's decision.
            raise Problem(ProblemType.CONFLICT, "the other side suspended this twinning: only it can resume it")
        async with self.node.write() as work:
            await self._apply_status(work, twinning, status, change.reason, by="peer")
        log.info("twinning_changed_by_peer", peer=peer_id, agreement=twinning.id, action=change.action)
        return {"id": twinning.id, "status": status}

    # -- helpers ----------------------------------------------------------------------------

    async def _apply_status(
        self, work: UnitOfWork, twinning: Twinning, status: str, reason: str | None, *, by: str
    ) -> None:
        at = iso(self.node.clock.now())
        await self.twinnings.store_status(work.tx, twinning.id, status, at, reason=reason, suspended_by=by)
        if status in ("ended", "declined"):
            # The agreement is over: nothing more is shared, so undelivered objects are dropped.
            await self.outbox.delete_peer(work.tx, twinning.peer_id)
            # Its members chose to show their cards to twins: no longer one, it keeps none of them.
            await forget_cards(self.node, work, twinning.peer_id)
        if status == "active":
            # Resumed: read what changed while sharing was suspended.
            work.pull.add(twinning.peer_id)

    async def _set_status(self, twinning: Twinning, status: str, *, acceptance: str | None = None) -> None:
        node = self.node
        async with node.write() as work:
            await self.twinnings.store_status(
                work.tx, twinning.id, status, iso(node.clock.now()), acceptance=acceptance
            )
            if status == "active":
                # A new twin learns what already exists by reading our feed from the start.
                work.pull.add(twinning.peer_id)
                work.wake.add(twinning.peer_id)

    async def _get(self, twinning_id: str, action: str) -> Twinning:
        twinning = await self.twinnings.get(twinning_id)
        if twinning is None:
            raise Problem(ProblemType.NOT_FOUND, f"no twinning {twinning_id}")
        if twinning.status not in ALLOWED_FROM[action]:
            raise Problem(ProblemType.CONFLICT, f"cannot {action} a twinning that is {twinning.status}")
        return twinning

    async def _reload(self, twinning_id: str) -> Twinning:
        twinning = await self.twinnings.get(twinning_id)
        assert twinning is not None
        return twinning

    async def _send(self, peer_id: str, payload: Any) -> Any:
        try:
            return await self.node.client.post_twinning(peer_id, payload)
        except PeerUnreachable as exc:
            raise Problem(ProblemType.PEER_UNREACHABLE, str(exc)) from exc


def _url_error() -> dict[str, str]:
    return {"field": "url", "message": "not the address of another node"}


async def forget_cards(node: Node, work: UnitOfWork, peer_id: str) -> None:
    """Delete an ex-twin's profile cards: from the directory, and the envelopes that carried them."""
    count, size = await node.store.objects.delete_replicas_of(work.tx, "MemberProfile", peer_id)
    if count:
        await node.store.usage.add(work.tx, peer_id, -count, -size, 0, iso(node.clock.now()))
    if await node.profiles.forget_origin(work.tx, peer_id) or count:
        work.after_commit.append(node.profiles.purge.soon)
    # The names our members' introduction requests read on those cards go with them.
    await IntroductionRepository(node.store.db).forget_card_names(work.tx, peer_id, None)
