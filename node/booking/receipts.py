"""Receipts at the home node: verified before they are kept, whichever way they arrive.

A receipt comes back as the host's answer to our request, or later through our inbox (a
cancellation when the host withdrew a slot; or the answer we missed, from the host's feed).
Either way it must be signed by the host the reservation was made at, name our node as
home, and match the reservation: its id, member, target and seats.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiosqlite import Connection

from node.clock import iso
from node.core import Node, UnitOfWork
from protocol.models import Envelope, FederatedObject, ReservationReceipt
from protocol.problems import Problem, ProblemType

from .mails import ReservationMails
from .periods import month_of
from .reservation_store import HomeRepository, HomeReservation, ReceiptFacts


async def verify_receipt(node: Node, reservation: HomeReservation, raw: Any) -> ReceiptFacts:
    """Check a receipt envelope the host answered with; refuse anything not signed by that host."""
    receipt, check = await node.directory.receive(
        reservation.host, raw, ReservationReceipt, refuse=ProblemType.SIGNATURE_INVALID
    )
    check_matches(node.id, reservation, receipt)
    return facts_of(receipt, check.envelope.model_dump_json())


def check_matches(node_id: str, reservation: HomeReservation, receipt: ReservationReceipt) -> None:
    if receipt.id != reservation.id or receipt.home != node_id:
        raise Problem(ProblemType.CONFLICT, f"the receipt is for reservation {receipt.id} of {receipt.home}")
    asked = (reservation.member_id, reservation.target_kind, reservation.target_id, reservation.seats)
    if (receipt.member_id, receipt.target.kind, receipt.target.id, receipt.seats) != asked:
        raise Problem(ProblemType.CONFLICT, f"the receipt for {receipt.id} does not match what was asked")
    if receipt.status == "rejected" or receipt.starts_at is None or receipt.ends_at is None or not receipt.timezone:
        raise Problem(ProblemType.VALIDATION_ERROR, "a receipt for a reservation says when it is")


def facts_of(receipt: ReservationReceipt, envelope_json: str) -> ReceiptFacts:
    assert receipt.starts_at is not None and receipt.ends_at is not None and receipt.timezone is not None
    return ReceiptFacts(
        status=receipt.status,
        kind=receipt.kind or receipt.target.kind,
        unit=receipt.unit,
        units=receipt.units,
        month=month_of(receipt.starts_at, receipt.timezone),
        starts_at=iso(receipt.starts_at),
        ends_at=iso(receipt.ends_at),
        timezone=receipt.timezone,
        version=receipt.version,
        envelope_json=envelope_json,
        attendance=receipt.attendance,
    )


class ReceiptInbox:
    """The inbox acceptor for ReservationReceipt: receipts pushed by hosts, or pulled from their feeds."""

    def __init__(self, node: Node, repo: HomeRepository, mails: ReservationMails | None = None) -> None:
        self.node = node
        self.repo = repo
        self.mails = mails

    async def check(self, peer_id: str, obj: FederatedObject) -> None:
        assert isinstance(obj, ReservationReceipt)
        if obj.home != self.node.id:
            raise Problem(ProblemType.FORBIDDEN, f"receipt {obj.id} is for {obj.home}'s member, not ours")
        reservation = await self.repo.get(obj.id)
        if reservation is None:
            raise Problem(ProblemType.NOT_FOUND, f"we asked for no reservation {obj.id}")
        if reservation.host != peer_id:
            raise Problem(ProblemType.FORBIDDEN, f"reservation {obj.id} was made at {reservation.host}, not {peer_id}")
        check_matches(self.node.id, reservation, obj)

    async def after_apply(self, tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, ReservationReceipt)
        facts = facts_of(obj, envelope.model_dump_json())
        stored = await self.repo.store_receipt(tx, obj.id, facts, iso(self.node.clock.now()))
        if stored and self.mails is not None:
            # The inbox commits this transaction; the mail worker looks again just after.
            await self.mails.receipt_stored(UnitOfWork(tx), obj.id)
            asyncio.get_running_loop().call_later(0.2, self.node.mail.wake.set)
