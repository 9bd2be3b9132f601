"""The waitlist's part of the host's reservation decision, run inside the one deciding
transaction (`Database.decide`) so that the line has one strict order under any concurrency:
which seats are free to a request, joining the line, and taking seats offered from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from node.clock import iso, parse_iso
from node.core import Node
from protocol.envelope import seal, wire_form
from protocol.keys import SigningKey
from protocol.models import FederatedObject, MemberPass, ReservationReceipt, ReservationRequest
from protocol.problems import Problem, ProblemType

from .hosted_store import HostedInTransaction, Situation
from .waitlist import first_place
from .waitlist_store import StateChange, WaitEntry, WaitlistInTransaction

MAX_WAITING = 200  # requests in the line of one slot or event; past it a request is refused as full

# What the home is answered: an HTTP status and the JSON body. A receipt (or a place in line) is
# serialised once, inside the decision, as the text it is stored as.
Answer = tuple[int, bytes]


def sealed_json(obj: FederatedObject, key: SigningKey) -> tuple[dict[str, Any], bytes]:
    """A new signed envelope of one of our objects, and its JSON: both the stored text and the answer."""
    envelope = wire_form(seal(obj, key))
    return envelope, orjson.dumps(envelope)


def as_json(value: dict[str, Any]) -> bytes:
    """A stored envelope, answered again (a repeat)."""
    return orjson.dumps(value)


@dataclass(frozen=True)
class Asked:
    """A reservation request that opened and verified: what a decision works from."""

    peer: str
    request: ReservationRequest
    member_pass: MemberPass
    request_hash: str
    content_key: str  # the idempotency check: same uuid, same content

    def receipt(self, origin: str, now: datetime, **specific: Any) -> ReservationReceipt:
        """A confirmed receipt for this request; `specific` adds what the target decides."""
        return ReservationReceipt(
            origin=origin,
            id=self.request.id,
            version=1,
            home=self.peer,
            member_id=self.member_pass.member_id,
            target=self.request.target,
            seats=self.request.seats,
            status="confirmed",
            request_hash=self.request_hash,
            issued_at=now,
            **specific,
        )


def free_seats(seen: Situation, seats: int, holder: WaitEntry | None) -> int:
    """Seats nobody holds: not confirmed, not offered to someone else in line. While anyone waits,
    none are free to a newcomer: freed seats go to the line first, in its order."""
    if holder is None and seen.waiting:
        return 0
    return seats - seen.taken - seen.held


def join_or_refuse(
    tx: HostedInTransaction, asked: Asked, free: int, total: int, holder: WaitEntry | None, node: Node
) -> Answer:
    """No seats for this request: it joins the line if it asked to (202 and its signed place), else
    slot-full. A request for more seats than the target ever has would block the line: refused."""
    if holder is not None or not asked.request.waitlist or asked.request.seats > total:
        left = max(free, 0)
        raise Problem(ProblemType.SLOT_FULL, f"{left} seats left, {asked.request.seats} asked", remaining=left)
    line = WaitlistInTransaction(tx.conn)
    target = asked.request.target
    waiting = line.waiting_count(target.kind, target.id)
    if waiting >= MAX_WAITING:
        # A twin mints its members' ids: without a bound, its requests would make the line (and
        # the count each newcomer's position costs) grow for as long as it sends them.
        raise Problem(ProblemType.SLOT_FULL, f"no seats left, and {waiting} already wait for one", remaining=0)
    now = node.clock.now()
    entry = WaitEntry(
        id=asked.request.id,
        seq=line.next_seq(),
        home=asked.peer,
        member_id=asked.member_pass.member_id,
        target_kind=target.kind,
        target_id=target.id,
        seats=asked.request.seats,
        status="waiting",
        position=waiting + 1,
        offer_expires_at=None,
        content_key=asked.content_key,
        request_hash=asked.request_hash,
        version=1,
        place={},
        created_at=iso(now),
        updated_at=iso(now),
    )
    _, body = sealed_json(first_place(entry, node.id, now), node.keys.current)
    line.insert(entry, body.decode())
    return 202, body


async def push_receipt(node: Node, home: str, body: bytes) -> None:
    """A confirmation's receipt goes to the home's inbox too: should the answer be lost, the home
    never asks again once the offer's time is over, and its member would not know of the seat.
    Signed again, it is the same envelope (Ed25519 signatures are deterministic)."""
    receipt = ReservationReceipt.model_validate(orjson.loads(body)["object"])
    async with node.write() as work:
        await node.publish(work, receipt, [home])


def offered_entry(tx: HostedInTransaction, asked: Asked, now: datetime) -> WaitEntry:
    """The line entry a confirmation takes: this home's, same content, offered, not expired."""
    entry = WaitlistInTransaction(tx.conn).get(asked.request.id)
    if entry is None or entry.home != asked.peer:
        raise Problem(ProblemType.NOT_FOUND, f"no waitlist entry {asked.request.id} from {asked.peer}")
    if entry.content_key != asked.content_key:
        raise Problem(ProblemType.CONFLICT, f"reservation {asked.request.id} exists with other content")
    if entry.status != "offered" or entry.offer_expires_at is None:
        raise Problem(ProblemType.CONFLICT, f"no seats are offered to reservation {entry.id} ({entry.status})")
    if now >= parse_iso(entry.offer_expires_at):
        raise Problem(
            ProblemType.OFFER_EXPIRED,
            f"the seats offered to reservation {entry.id} were held until {entry.offer_expires_at}",
            deadline=entry.offer_expires_at,
        )
    return entry


def mark_confirmed(tx: HostedInTransaction, entry: WaitEntry, node: Node) -> None:
    """The entry left the line as a reservation (its receipt is the word from now on)."""
    at = iso(node.clock.now())
    change = StateChange("confirmed", None, None, entry.version, node.to_json(entry.place), at)
    WaitlistInTransaction(tx.conn).set_state(entry.id, change)
