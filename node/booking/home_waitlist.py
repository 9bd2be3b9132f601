"""Waitlists at the home node: our member's place in a host's line, seats offered to them,
their confirmation, and leaving the line.

The host is the authority on its line. Its word comes as a signed WaitlistPlace: the answer to
a request that joined the line, then each change pushed to our inbox (offered, lapsed, a new
place, withdrawn). We keep it only if it is signed by the host the reservation was made at and
matches the reservation, and never once a receipt came (a receipt is the host's last word).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiosqlite import Connection

from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.federation.client import PeerUnreachable
from node.federation.refusals import refusal
from protocol.envelope import seal, wire_form
from protocol.models import Envelope, FederatedObject, ReservationRequest, Slot, Target, WaitlistPlace
from protocol.problems import Problem, ProblemType

from .agreement import terms_of
from .home_places_store import HomePlacesRepository, PlaceFacts
from .mails import ReservationMails
from .members import MemberService
from .periods import month_of, units_for
from .receipts import verify_receipt
from .reservation_store import HomeRepository, HomeReservation
from .store import Member

# The host's word, in our member's terms: leaving the line or losing the target ends the request.
HOME_STATUS = {"waiting": "waiting", "offered": "offered", "lapsed": "lapsed", "left": "cancelled"}
CONFIRM_REFUSALS = {
    ProblemType.OFFER_EXPIRED,
    ProblemType.ALLOWANCE_EXHAUSTED,
    ProblemType.OUTSIDE_BOOKING_WINDOW,
    ProblemType.SLOT_FULL,
    ProblemType.NOT_FOUND,
    ProblemType.CONFLICT,
    ProblemType.NOT_TWINNED,
    ProblemType.VALIDATION_ERROR,
}


def is_place(raw: Any) -> bool:
    """Whether a host's answer holds a WaitlistPlace (rather than a receipt)."""
    obj = raw.get("object") if isinstance(raw, dict) else None
    return isinstance(obj, dict) and obj.get("type") == "WaitlistPlace"


def check_place(node_id: str, reservation: HomeReservation, place: WaitlistPlace) -> None:
    if place.id != reservation.id or place.home != node_id:
        raise Problem(ProblemType.CONFLICT, f"the waitlist place is for reservation {place.id} of {place.home}")
    asked = (reservation.member_id, reservation.target_kind, reservation.target_id, reservation.seats)
    if (place.member_id, place.target.kind, place.target.id, place.seats) != asked:
        raise Problem(ProblemType.CONFLICT, f"the waitlist place for {place.id} does not match what was asked")


def place_facts(place: WaitlistPlace) -> PlaceFacts:
    gone = place.status == "withdrawn"
    return PlaceFacts(
        status="cancelled" if gone else HOME_STATUS[place.status],
        problem=ProblemType.NOT_FOUND.value if gone else None,
        position=place.position,
        offer_expires_at=iso(place.offer_expires_at) if place.offer_expires_at else None,
        version=place.version,
    )


def signed_request(node: Node, members: MemberService, reservation: HomeReservation, member: Member) -> dict[str, Any]:
    """The request for a reservation, freshly signed with a fresh member pass (same id, same content)."""
    request = ReservationRequest(
        origin=node.id,
        id=reservation.id,
        version=1,
        host=reservation.host,
        target=Target(kind=reservation.target_kind, id=reservation.target_id),  # type: ignore[arg-type]
        seats=reservation.seats,
        member_pass=members.issue_pass(member),
        requested_at=node.clock.now(),
        waitlist=True if reservation.waitlist else None,
    )
    return wire_form(seal(request, node.keys.current))


class HomeWaitlist:
    def __init__(self, node: Node, repo: HomeRepository, members: MemberService) -> None:
        self.node = node
        self.repo = repo
        self.places = HomePlacesRepository(node.store.db)
        self.members = members
        self.mails: ReservationMails | None = None  # set by Booking
        self.timeout = node.settings.booking.host_timeout_seconds  # as long as a reservation waits

    async def keep_place(self, reservation: HomeReservation, raw: Any) -> None:
        """A WaitlistPlace the host answered with: verified, then kept (an older version changes nothing)."""
        place, _ = await self.node.directory.receive(
            reservation.host, raw, WaitlistPlace, refuse=ProblemType.SIGNATURE_INVALID
        )
        check_place(self.node.id, reservation, place)
        async with self.node.write() as work:
            await self.store(work, reservation.id, place)

    async def store(self, work: UnitOfWork, reservation_id: str, place: WaitlistPlace) -> None:
        stored = await self.places.store_place(work.tx, reservation_id, place_facts(place), iso(self.node.clock.now()))
        if stored and place.status == "offered" and self.mails is not None:
            await self.mails.seats_offered(work, reservation_id)

    async def confirm(self, reservation: HomeReservation) -> HomeReservation:
        """Take the seats offered: checked here (the offer's time, our monthly allowance), then at the host."""
        if reservation.status == "confirmed":
            return reservation  # confirmed already (a repeated click)
        if reservation.status != "offered" or reservation.offer_expires_at is None:
            raise Problem(
                ProblemType.CONFLICT,
                f"reservation {reservation.id} has no seats offered to it (it is {reservation.status})",
            )
        if self.node.clock.now() >= parse_iso(reservation.offer_expires_at):
            raise Problem(
                ProblemType.OFFER_EXPIRED,
                f"the seats were held for you until {reservation.offer_expires_at}; they go to the next in line",
                deadline=reservation.offer_expires_at,
            )
        await self._check_allowance(reservation)
        member = await self.members.get(reservation.member_id)
        body = signed_request(self.node, self.members, reservation, member)
        try:
            send = self.node.client.confirm_reservation(reservation.host, reservation.id, body)
            resp = await asyncio.wait_for(send, self.timeout)
        except (PeerUnreachable, TimeoutError) as exc:
            raise Problem(
                ProblemType.PEER_UNREACHABLE, f"{reservation.host} did not answer; the seats are still offered to you"
            ) from exc
        if resp.status not in (200, 201):
            raise refusal(resp, reservation.host, "the confirmation", CONFIRM_REFUSALS)
        try:
            facts = await verify_receipt(self.node, reservation, resp.json())
        except (Problem, ValueError) as exc:
            raise Problem(ProblemType.PEER_UNREACHABLE, f"{reservation.host} gave no usable answer; try again") from exc
        async with self.node.write() as work:
            stored = await self.repo.store_receipt(work.tx, reservation.id, facts, iso(self.node.clock.now()))
            if stored and self.mails is not None:
                await self.mails.receipt_stored(work, reservation.id)
        found = await self.repo.get(reservation.id)
        assert found is not None
        return found

    async def _check_allowance(self, reservation: HomeReservation) -> None:
        """Our view of a monthly allowance for a slot (from the receipts we hold): a member told
        at once rather than by the host. The host checks every allowance again."""
        twinning = await self.node.store.twinnings.get_live(reservation.host)
        stored = await self.node.store.objects.get("Slot", reservation.host, reservation.target_id)
        if twinning is None or stored is None or reservation.target_kind != "slot":
            return
        slot = Slot.model_validate(stored.object)
        allowance = terms_of(twinning)[1].allowance_for(slot.resource.kind)
        if allowance is None or allowance.period != "month":
            return
        needed = units_for(allowance.unit, reservation.seats, slot.starts_at, slot.ends_at, slot.timezone)
        used = await self.places.count_units_taken(
            reservation.host, slot.resource.kind, month_of(slot.starts_at, slot.timezone)
        )
        if used + needed > allowance.amount:
            raise Problem(
                ProblemType.ALLOWANCE_EXHAUSTED,
                f"{used} of {allowance.amount} {allowance.kind} {allowance.unit}s at {reservation.host} are used "
                f"this month; these seats need {needed}",
                amount=allowance.amount,
                used=used,
                needed=needed,
            )

    async def leave(self, reservation: HomeReservation) -> HomeReservation:
        """Leave the host's line (waiting, or declining seats offered)."""
        try:
            resp = await asyncio.wait_for(
                self.node.client.delete_reservation(reservation.host, reservation.id), self.timeout
            )
        except (PeerUnreachable, TimeoutError) as exc:
            raise Problem(
                ProblemType.PEER_UNREACHABLE, f"{reservation.host} did not answer; you are still in line"
            ) from exc
        if resp.status >= 300:
            raise refusal(resp, reservation.host, "leaving the waitlist", CONFIRM_REFUSALS)
        try:
            await self.keep_place(reservation, resp.json())
        except (Problem, ValueError) as exc:
            raise Problem(ProblemType.PEER_UNREACHABLE, f"{reservation.host} gave no usable answer; try again") from exc
        found = await self.repo.get(reservation.id)
        assert found is not None
        return found


class PlaceInbox:
    """The inbox acceptor for WaitlistPlace: the host's changes to our members' places in line."""

    def __init__(self, node: Node, repo: HomeRepository, waitlist: HomeWaitlist) -> None:
        self.node = node
        self.repo = repo
        self.waitlist = waitlist

    async def check(self, peer_id: str, obj: FederatedObject) -> None:
        assert isinstance(obj, WaitlistPlace)
        if obj.home != self.node.id:
            raise Problem(ProblemType.FORBIDDEN, f"waitlist place {obj.id} is for {obj.home}'s member, not ours")
        reservation = await self.repo.get(obj.id)
        if reservation is None:
            raise Problem(ProblemType.NOT_FOUND, f"we asked for no reservation {obj.id}")
        if reservation.host != peer_id:
            raise Problem(ProblemType.FORBIDDEN, f"reservation {obj.id} was made at {reservation.host}, not {peer_id}")
        check_place(self.node.id, reservation, obj)

    async def after_apply(self, tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, WaitlistPlace)
        await self.waitlist.store(UnitOfWork(tx), obj.id, obj)
        # The inbox commits this transaction; the mail worker looks again just after.
        asyncio.get_running_loop().call_later(0.2, self.node.mail.wake.set)
