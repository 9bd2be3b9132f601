"""The home side of a reservation: our member asks, we ask the host on their behalf.

The reservation is written here (pending) before the host is asked, then the host is asked
with a bounded timeout. The member always gets an answer at once:

- 201 and the verified receipt when the host confirmed;
- the host's problem (slot-full, allowance-exhausted, ...) when it refused;
- 202 `pending` when the host could not be reached or gave no usable answer in time: the
  retrier asks again (same id, so the host never books twice) until the host answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.federation.client import PeerUnreachable, Response
from node.federation.refusals import refusal
from node.retry import Backoff, worth_retrying
from node.store import Twinning
from node.times import in_zone, invalid
from protocol.models import Target
from protocol.models.common import Ident
from protocol.problems import Problem, ProblemType

from .agreement import active_twin, terms_of
from .home_waitlist import HomeWaitlist, is_place, signed_request
from .mails import ReservationMails
from .members import MemberService
from .receipts import verify_receipt
from .reservation_store import HomeInTransaction, HomeRepository, HomeReservation, ReceiptFacts
from .store import Member

# What a host's refusal may tell our member as it is; any other answer is "the host could not
# take it" (peer-unreachable): a host answering `unauthorized` speaks of our node, not of them.
HOST_REFUSALS = {
    ProblemType.SLOT_FULL,
    ProblemType.ALLOWANCE_EXHAUSTED,
    ProblemType.OUTSIDE_BOOKING_WINDOW,
    ProblemType.CANCELLATION_WINDOW_CLOSED,
    ProblemType.NOT_FOUND,
    ProblemType.CONFLICT,
    ProblemType.FORBIDDEN,
    ProblemType.NOT_TWINNED,
    ProblemType.VALIDATION_ERROR,
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ReserveBody(BaseModel):
    """PUT /api/v1/reservations/{uuid}: a slot or an event, at which twin, how many seats."""

    model_config = ConfigDict(extra="forbid")
    slot_id: Ident | None = None
    event_id: Ident | None = None
    twin_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    host: Annotated[str, Field(min_length=8, max_length=200, pattern=r"^https?://")] | None = None
    seats: Annotated[int, Field(ge=1, le=1000)] = 1
    waitlist: bool = False  # when the target is full, join its waitlist (202 waiting) instead of a refusal

    @model_validator(mode="after")
    def _one_target(self) -> ReserveBody:
        if (self.slot_id is None) == (self.event_id is None):
            raise ValueError("give slot_id or event_id (one of them)")
        return self

    @property
    def target(self) -> Target:
        if self.slot_id is not None:
            return Target(kind="slot", id=self.slot_id)
        assert self.event_id is not None
        return Target(kind="event", id=self.event_id)


class HomeDesk:
    def __init__(self, node: Node, repo: HomeRepository, members: MemberService) -> None:
        self.node = node
        self.repo = repo
        self.members = members
        self.timeout = node.settings.booking.host_timeout_seconds
        self.wake_retrier: asyncio.Event = asyncio.Event()
        self.mails: ReservationMails | None = None  # set by Booking: mail members about their reservations
        settings = node.settings.delivery
        self._backoff = Backoff(settings.backoff_base_seconds, settings.backoff_cap_seconds)
        self.waitlist = HomeWaitlist(node, repo, members)

    async def reserve(self, member_id: str, reservation_id: str, body: ReserveBody) -> tuple[int, dict[str, Any]]:
        """(201, confirmed), (200, cancelled earlier), (202, pending); a refusal raises the host's problem."""
        if not _is_uuid(reservation_id):
            raise invalid("id", "a reservation id is a lowercase UUID chosen by the client")
        member = await self.members.get(member_id)
        host, twinning = await self._host_of(body)
        at = iso(self.node.clock.now())
        fresh = HomeReservation.pending(
            reservation_id, member_id, host, body.target.kind, body.target.id, body.seats, at, body.waitlist
        )
        # One trip to the database for the common case; a repeated id takes the longer way.
        inserted = await self.node.store.db.decide_on_loop(lambda conn: HomeInTransaction(conn).insert(fresh))
        if not inserted:
            async with self.node.write() as work:
                await self._check_repeat(reservation_id, fresh)
                # A refused one: ask again, for a place in line too if the member now asks for one.
                await self.repo.store_pending(work.tx, reservation_id, fresh.created_at, body.waitlist)
        reservation = fresh if inserted else await self._get(reservation_id)
        if reservation.status not in ("pending", "rejected"):  # decided, or in line: as it is
            return self._answer(reservation)
        beyond = await self._beyond_offered_rules(twinning or host, body.seats)
        if beyond is not None:  # refused as the host would, in our words, without asking it
            async with self.node.write() as work:
                await self.repo.store_rejected(work.tx, reservation.id, beyond.kind.value, iso(self.node.clock.now()))
            raise beyond
        return await self.ask_host(reservation, member)

    async def _beyond_offered_rules(self, host: Twinning | str, seats: int) -> Problem | None:
        """The host's signed terms tell us its seat rule, so our member hears it from us (the host
        still decides, and checks it again). `host` is the twinning already read, or the host's id."""
        twinning = await self.node.store.twinnings.get_live(host) if isinstance(host, str) else host
        most = terms_of(twinning)[1].rules.max_seats_per_reservation if twinning is not None else seats
        return invalid("seats", f"at most {most} seats per reservation") if seats > most else None

    async def _check_repeat(self, reservation_id: str, fresh: HomeReservation) -> None:
        existing = await self._get(reservation_id)
        # Another member's id gets the same answer as other content: nothing about it is told.
        if not existing.same_request(fresh.member_id, fresh.host, fresh.target_kind, fresh.target_id, fresh.seats):
            raise Problem(ProblemType.CONFLICT, f"reservation {reservation_id} exists with other content")

    async def ask_host(self, reservation: HomeReservation, member: Member) -> tuple[int, dict[str, Any]]:
        """Send the request (fresh pass, fresh signature) and record what the host said."""
        body = signed_request(self.node, self.members, reservation, member)
        try:
            async with asyncio.timeout(self.timeout):  # no task of its own, as `wait_for` would make
                resp = await self.node.client.put_reservation(reservation.host, reservation.id, body)
        except (PeerUnreachable, TimeoutError) as exc:
            return await self._unanswered(reservation, f"{type(exc).__name__}: {exc}".rstrip(": "))
        if resp.status in (200, 202) and reservation.waitlist and _is_place(resp):  # in the host's line
            try:
                await self.waitlist.keep_place(reservation, resp.json())
            except (Problem, ValueError) as exc:
                return await self._unanswered(reservation, f"the host's waitlist place was refused: {exc}")
            return self._answer(await self._get(reservation.id))
        if resp.status in (200, 201):
            try:
                receipt = resp.json()
                facts = await verify_receipt(self.node, reservation, receipt)
            except (Problem, ValueError) as exc:
                return await self._unanswered(reservation, f"the host's receipt was refused: {exc}")
            if self.mails is None or not self.node.mail.enabled:  # no mail to write: one decision
                at = iso(self.node.clock.now())
                stored = await self.node.store.db.decide_on_loop(
                    lambda conn: HomeInTransaction(conn).store_receipt(reservation, facts, at, receipt)
                )
                return self._answer(stored)
            async with self.node.write() as work:  # the member's mail is written with the receipt
                await self._store_receipt(work, reservation.id, facts)
            return self._answer(await self._get(reservation.id))
        return await self._refused(reservation, resp)

    def _answer(self, reservation: HomeReservation) -> tuple[int, dict[str, Any]]:
        """201 confirmed, 200 cancelled or lapsed (an id asked again after its end), else 202 (pending,
        waiting in line, or seats offered from it)."""
        status = {"confirmed": 201, "cancelled": 200, "lapsed": 200}.get(reservation.status, 202)
        return status, view(reservation, self.zone)

    async def _refused(self, reservation: HomeReservation, resp: Response) -> tuple[int, dict[str, Any]]:
        problem = resp.problem()
        if worth_retrying(resp.status, problem.kind):  # the reservation stays pending, asked again later
            return await self._unanswered(reservation, f"HTTP {resp.status} {problem}")
        problem = refusal(resp, reservation.host, "the reservation", HOST_REFUSALS)
        async with self.node.write() as work:
            await self.repo.store_rejected(work.tx, reservation.id, problem.kind.value, iso(self.node.clock.now()))
        raise problem

    async def _unanswered(self, reservation: HomeReservation, error: str) -> tuple[int, dict[str, Any]]:
        delay = self._backoff.delay(reservation.tries)
        now = self.node.clock.now()
        next_try = now + timedelta(seconds=max(1, math.ceil(delay)))
        async with self.node.write() as work:
            await self.repo.store_unanswered(work.tx, reservation.id, error, iso(next_try), iso(now))
            if reservation.tries == 0 and self.mails is not None:
                await self.mails.still_pending(work, reservation)
        self.wake_retrier.set()
        # The receipt may have arrived meanwhile (another attempt's answer, or our inbox).
        return self._answer(await self._get(reservation.id))

    async def retry(self, reservation: HomeReservation) -> None:
        """One background attempt for a pending reservation."""
        member = await self.members.repo.get(reservation.member_id)
        if member is None:  # the member left before the host answered: nothing to ask for
            async with self.node.write() as work:
                await self.repo.store_rejected(work.tx, reservation.id, "member-left", iso(self.node.clock.now()))
            return
        with contextlib.suppress(Problem):  # a refusal is recorded on the reservation
            await self.ask_host(reservation, member)

    async def cancel(self, member_id: str, reservation_id: str) -> dict[str, Any]:
        """Cancel at the host (within its rules), keep its cancelled receipt."""
        reservation = await self.get_for(member_id, reservation_id)
        if reservation.status in ("cancelled", "rejected", "lapsed"):
            return view(reservation, self.zone)
        if reservation.status in ("waiting", "offered"):
            return view(await self.waitlist.leave(reservation), self.zone)
        if reservation.status == "pending":
            raise Problem(
                ProblemType.CONFLICT, "the host has not answered yet; cancel once the reservation is confirmed"
            )
        try:
            sending = self.node.client.delete_reservation(reservation.host, reservation.id)
            resp = await asyncio.wait_for(sending, self.timeout)
        except (PeerUnreachable, TimeoutError) as exc:
            raise Problem(
                ProblemType.PEER_UNREACHABLE, f"{reservation.host} did not answer; the reservation still stands"
            ) from exc
        if resp.status >= 300:
            raise refusal(resp, reservation.host, "the cancellation", HOST_REFUSALS)
        try:
            facts = await verify_receipt(self.node, reservation, resp.json())
        except (Problem, ValueError) as exc:  # not JSON, not an envelope, not a receipt of the host's
            raise Problem(
                ProblemType.PEER_UNREACHABLE, f"{reservation.host} gave no usable answer; the reservation still stands"
            ) from exc
        if facts.status != "cancelled":
            raise Problem(ProblemType.PEER_UNREACHABLE, "the host answered the cancellation with a live receipt")
        async with self.node.write() as work:
            await self._store_receipt(work, reservation.id, facts)
        return view(await self._get(reservation.id), self.zone)

    async def confirm(self, member_id: str, reservation_id: str) -> tuple[int, dict[str, Any]]:
        """Take seats a host offers from its waitlist: 201 with the receipt (200 if confirmed already)."""
        reservation = await self.get_for(member_id, reservation_id)
        before = reservation.status
        confirmed = await self.waitlist.confirm(reservation)
        return (200 if before == "confirmed" else 201), view(confirmed, self.zone)

    async def _store_receipt(self, work: UnitOfWork, reservation_id: str, facts: ReceiptFacts) -> None:
        stored = await self.repo.store_receipt(work.tx, reservation_id, facts, iso(self.node.clock.now()))
        if stored and self.mails is not None:
            await self.mails.receipt_stored(work, reservation_id)

    async def get_for(self, member_id: str, reservation_id: str) -> HomeReservation:
        """A member's own reservation; another member's is not found (never told apart)."""
        reservation = await self.repo.get(reservation_id)
        if reservation is None or reservation.member_id != member_id:
            raise Problem(ProblemType.NOT_FOUND, f"no reservation {reservation_id}")
        return reservation

    async def list_for(self, member_id: str) -> list[dict[str, Any]]:
        return [view(r, self.zone) for r in await self.repo.list_for_member(member_id)]

    @property
    def zone(self) -> str:
        return self.node.settings.node.timezone

    async def _get(self, reservation_id: str) -> HomeReservation:
        reservation = await self.repo.get(reservation_id)
        assert reservation is not None
        return reservation

    async def _host_of(self, body: ReserveBody) -> tuple[str, Twinning | None]:
        """The host: named by `host` or `twin_id`, else the one twin whose replica has this id; with
        its twinning when that was read on the way (its terms never change: no second read)."""
        for named, field in ((body.host, "host"), (body.twin_id, "twin_id")):
            if named is not None:
                twinning = await active_twin(self.node, named, field)
                return twinning.peer_id, twinning
        type_ = "Slot" if body.target.kind == "slot" else "Event"
        peers = await self.node.store.twinnings.list_active_peers()
        found = [p for p in peers if await self.node.store.objects.get(type_, p, body.target.id) is not None]
        field = f"{body.target.kind}_id"
        if not found:
            raise Problem(
                ProblemType.NOT_FOUND,
                f"{field}: no twin offers {body.target.id} here; say twin_id or host",
                errors=[{"field": field, "message": "not found"}],
            )
        if len(found) > 1:
            raise invalid("twin_id", f"{len(found)} twins have a {body.target.kind} {body.target.id}; say which")
        return found[0], None


def view(reservation: HomeReservation, zone: str) -> dict[str, Any]:
    """A reservation as its member sees it (times in the host's zone and ours)."""
    result: dict[str, Any] = {
        "id": reservation.id,
        "status": reservation.status,
        "host": reservation.host,
        "target": {"kind": reservation.target_kind, "id": reservation.target_id},
        "seats": reservation.seats,
        "created_at": reservation.created_at,
        "updated_at": reservation.updated_at,
    }
    if reservation.status == "rejected":
        result["problem"] = reservation.problem
    if reservation.status == "cancelled" and reservation.problem:  # a line whose target is gone
        result.update(cancelled_by="host", reason=reservation.problem)
    if reservation.status == "pending":
        result.update(last_error=reservation.last_error, tries=reservation.tries, next_try=reservation.next_try)
    if reservation.waitlist:
        result["waitlist"] = True
    if reservation.status == "waiting":
        result["position"] = reservation.position
    if reservation.status == "offered":
        result["offer_expires_at"] = reservation.offer_expires_at
    receipt = reservation.receipt
    if receipt is not None:
        obj = receipt["object"]
        result.update(
            kind=reservation.kind,
            unit=reservation.unit,
            units=reservation.units,
            allowance=obj.get("allowance"),
            starts_at=obj["starts_at"],
            ends_at=obj["ends_at"],
            timezone=obj["timezone"],
            host_time=_times(obj, obj["timezone"]),
            our_time=_times(obj, zone),
            receipt=receipt,
        )
        if reservation.attendance:  # the host's front desk: checked_in or no_show
            result["attendance"] = reservation.attendance
        if obj.get("problem"):  # cancelled by the host (a withdrawn slot): why, as a problem type
            result.update(cancelled_by="host", reason=obj["problem"])
    return result


def _times(obj: dict[str, Any], zone: str) -> dict[str, str]:
    return {
        "starts_at": in_zone(parse_iso(obj["starts_at"]), zone),
        "ends_at": in_zone(parse_iso(obj["ends_at"]), zone),
        "timezone": zone,
    }


def _is_place(resp: Response) -> bool:
    try:
        return is_place(resp.json())
    except ValueError:
        return False


def _is_uuid(value: str) -> bool:
    return _UUID.match(value) is not None
