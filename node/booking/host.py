"""The host side of a reservation: verify the home's request and its member pass, decide in
ONE transaction (seats, allowance, rules), answer with a signed receipt.

The host is the only authority on its capacity and allowances. Every check that reads
state (remaining seats, allowance used in the period, an existing reservation with this id)
happens inside the write transaction that records the decision, so no interleaving of
requests can overbook. A refused request changes nothing. The same id asked again returns
the stored receipt; the same id with other content is a conflict.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.times import invalid
from protocol.envelope import object_hash
from protocol.models import (
    Allowance,
    AllowanceUse,
    BookingRules,
    Event,
    FederatedObject,
    MemberPass,
    ReservationReceipt,
    ReservationRequest,
    Slot,
    Terms,
)
from protocol.problems import Problem, ProblemType

from .agreement import terms_from, terms_we_give
from .hosted_store import Hosted, HostedInTransaction, HostedRepository, Situation
from .periods import default_unit, month_of, period_start, units_for
from .refresh import SlotRefresher
from .waitlist import HostWaitlist
from .waitlist_decide import (
    Answer,
    Asked,
    as_json,
    free_seats,
    join_or_refuse,
    mark_confirmed,
    offered_entry,
    push_receipt,
    sealed_json,
)
from .waitlist_store import WaitEntry, WaitlistInTransaction

T = TypeVar("T", bound=FederatedObject)
PASSES_KEPT = 4096
UNCAPPED_EVENT_SEATS = 1000  # the places twins may take at an event without a capacity


class HostDesk:
    def __init__(self, node: Node, hosted: HostedRepository, refresher: SlotRefresher, waitlist: HostWaitlist) -> None:
        self.node = node
        self.hosted = hosted
        self.refresher = refresher
        self.waitlist = waitlist
        self._passes: dict[tuple[str, str], tuple[Any, MemberPass]] = {}  # see _open_pass

    # -- reserve ----------------------------------------------------------------------------

    async def reserve(self, peer: str, reservation_id: str, raw: Any) -> Answer:
        """PUT /federation/v1/reservations/{id}: (201, receipt) when decided now, (200, receipt) on a
        repeat; the receipt as the JSON it is stored as."""
        try:
            status, receipt = await self._reserve(peer, reservation_id, raw)
        except Problem as problem:
            self.node.metrics.reservations.labels(result=problem.kind.value).inc()
            raise
        self.node.metrics.reservations.labels(result="confirmed" if status == 201 else "repeat").inc()
        return status, receipt

    async def _reserve(self, peer: str, reservation_id: str, raw: Any) -> Answer:
        asked = await self._asked(peer, reservation_id, raw)
        # On the loop's thread: the trip to the writer's thread cost more than it (docs/ARCHITECTURE.md).
        decision = self.node.store.db.decide_on_loop(lambda conn: self._decide(HostedInTransaction(conn), asked))
        status, answer = await decision
        if status == 201 and asked.request.target.kind == "slot":
            self.refresher.mark(asked.request.target.id)  # the twin hears of the seats left just after this commits
        return status, answer

    async def confirm(self, peer: str, reservation_id: str, raw: Any) -> Answer:
        """POST /federation/v1/reservations/{id}/confirm: the member takes the seats offered to them
        from the waitlist. (201, receipt), (200, receipt) on a repeat, or a problem (nothing changed)."""
        asked = await self._asked(peer, reservation_id, raw)
        status, receipt = await self.node.store.db.decide(
            lambda conn: self._decide_confirm(HostedInTransaction(conn), asked)
        )
        if status == 201:
            await push_receipt(self.node, asked.peer, receipt)
            if asked.request.target.kind == "slot":
                self.refresher.mark(asked.request.target.id)
        return status, receipt

    async def _asked(self, peer: str, reservation_id: str, raw: Any) -> Asked:
        request, request_hash = await self._open(peer, raw, ReservationRequest)
        if request.id != reservation_id:
            raise invalid("id", f"the request's id {request.id} is not the id in the URL")
        if request.host != self.node.id:
            raise invalid("host", f"this request is for {request.host}, not {self.node.id}")
        member_pass = await self._open_pass(peer, request.member_pass)
        key = object_hash(
            {"home": peer, "member": member_pass.member_id, "target": request.target.to_wire(), "seats": request.seats}
        )
        return Asked(peer, request, member_pass, request_hash, key)

    def _decide(self, tx: HostedInTransaction, asked: Asked) -> Answer:
        """The whole decision inside one transaction, on the event loop's thread unless SQLite is busy
        (`Database.decide_on_loop`); what it reads is one statement (`Situation`), a repeat's row one more."""
        seen, terms = self._situation(tx, asked)
        existing = tx.get(asked.request.id) if seen.decided else None
        if existing is not None:
            if existing.home != asked.peer or existing.content_key != asked.content_key:
                raise Problem(ProblemType.CONFLICT, f"reservation {asked.request.id} exists with other content")
            return 200, as_json(existing.receipt)
        waiting = WaitlistInTransaction(tx.conn).get(asked.request.id) if seen.queued else None
        if waiting is not None:  # in line already: its place as it now is
            if waiting.home != asked.peer or waiting.content_key != asked.content_key:
                raise Problem(ProblemType.CONFLICT, f"reservation {asked.request.id} exists with other content")
            return 200, as_json(waiting.place)
        decide = self._decide_slot if asked.request.target.kind == "slot" else self._decide_event
        return decide(tx, asked, seen, terms, None)

    def _situation(self, tx: HostedInTransaction, asked: Asked) -> tuple[Situation, Terms]:
        """What the decision reads, and the terms we give the peer (refused unless the twinning is active)."""
        target = Slot if asked.request.target.kind == "slot" else Event
        seen = tx.situation(asked.peer, asked.request.id, target, self.node.id, asked.request.target.id)
        if seen.agreement is None or seen.twinning_status != "active":
            raise Problem(ProblemType.NOT_TWINNED, f"{asked.peer} is not an active twin of {self.node.id}")
        return seen, terms_from(*seen.agreement)[0]

    def _decide_confirm(self, tx: HostedInTransaction, asked: Asked) -> Answer:
        """Seats offered from the line become a reservation, checked as any other (rules, allowance)."""
        seen, terms = self._situation(tx, asked)
        existing = tx.get(asked.request.id) if seen.decided else None
        if existing is not None and existing.home == asked.peer and existing.content_key == asked.content_key:
            return 200, as_json(existing.receipt)  # confirmed already: the same receipt again
        entry = offered_entry(tx, asked, self.node.clock.now())
        decide = self._decide_slot if entry.target_kind == "slot" else self._decide_event
        status, receipt = decide(tx, asked, seen, terms, entry)
        mark_confirmed(tx, entry, self.node)
        return status, receipt

    def _decide_slot(
        self, tx: HostedInTransaction, asked: Asked, seen: Situation, terms: Terms, holder: WaitEntry | None
    ) -> Answer:
        peer, request, slot = asked.peer, asked.request, seen.target
        if not isinstance(slot, Slot) or slot.twin != peer:
            raise Problem(ProblemType.NOT_FOUND, f"no slot {request.target.id} is offered to {peer}")
        if slot.status != "open":
            raise Problem(ProblemType.CONFLICT, f"slot {slot.id} was withdrawn")
        now = self.node.clock.now()
        check_rules(terms.rules, request.seats, slot.starts_at, now)
        remaining = free_seats(seen, slot.seats, holder)
        if request.seats > remaining:
            return join_or_refuse(tx, asked, remaining, slot.seats, holder, self.node)
        kind = slot.resource.kind
        allowance = terms.allowance_for(kind)
        unit = allowance.unit if allowance else default_unit(kind)
        units = units_for(unit, request.seats, slot.starts_at, slot.ends_at, slot.timezone)
        use = _draw(tx, peer, allowance, units, slot.starts_at, slot.timezone)
        receipt = asked.receipt(
            self.node.id,
            now,
            kind=kind,
            units=units,
            unit=unit,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            timezone=slot.timezone,
            allowance=use,
        )
        return 201, self._record(tx, receipt, asked.member_pass, kind, use, asked.content_key)

    def _decide_event(
        self, tx: HostedInTransaction, asked: Asked, seen: Situation, terms: Terms, holder: WaitEntry | None
    ) -> Answer:
        """A place at one of our events: no allowance (the event's capacity is the limit)."""
        peer, request, event = asked.peer, asked.request, seen.target
        if not isinstance(event, Event) or not event.visible_to(peer):
            raise Problem(ProblemType.NOT_FOUND, f"no event {request.target.id} is shared with {peer}")
        if event.status == "cancelled":
            raise Problem(ProblemType.CONFLICT, f"event {event.id} is cancelled")
        now = self.node.clock.now()
        if request.seats > terms.rules.max_seats_per_reservation:
            raise invalid("seats", f"at most {terms.rules.max_seats_per_reservation} seats per reservation")
        if now >= event.starts_at:
            raise Problem(ProblemType.OUTSIDE_BOOKING_WINDOW, f"event {event.id} has started")
        capacity = UNCAPPED_EVENT_SEATS if event.capacity is None else event.capacity  # each place is a row we keep
        remaining = free_seats(seen, capacity, holder)
        if request.seats > remaining:
            return join_or_refuse(tx, asked, remaining, capacity, holder, self.node)
        receipt = asked.receipt(
            self.node.id,
            now,
            units=request.seats,
            unit="seat",
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
        )
        return 201, self._record(tx, receipt, asked.member_pass, "event", None, asked.content_key)

    def _record(
        self,
        tx: HostedInTransaction,
        receipt: ReservationReceipt,
        member_pass: MemberPass,
        kind: str,
        use: AllowanceUse | None,
        key: str,
    ) -> bytes:
        """Store the decision; the receipt goes back as the answer (a repeat gets it again)."""
        envelope, body = sealed_json(receipt, self.node.keys.current)
        assert receipt.starts_at is not None and receipt.ends_at is not None and receipt.timezone is not None
        at = iso(self.node.clock.now())
        hosted = Hosted(
            id=receipt.id,
            home=receipt.home,
            member_id=receipt.member_id,
            display_name=member_pass.display_name,
            target_kind=receipt.target.kind,
            target_id=receipt.target.id,
            seats=receipt.seats,
            status="confirmed",
            kind=kind,
            unit=receipt.unit,
            units=receipt.units,
            period_start=use.period_start if use else None,
            month=month_of(receipt.starts_at, receipt.timezone),
            starts_at=iso(receipt.starts_at),
            ends_at=iso(receipt.ends_at),
            content_key=key,
            version=receipt.version,
            receipt=envelope,
            created_at=at,
            updated_at=at,
        )
        tx.insert(hosted, body.decode())
        return body

    # -- cancel -----------------------------------------------------------------------------

    async def cancel(self, peer: str, reservation_id: str) -> dict[str, Any]:
        """DELETE /federation/v1/reservations/{id}: the cancelled receipt, or a problem."""
        terms = await terms_we_give(self.node, peer)
        async with self.node.write() as work:
            hosted = await self.hosted.get(work.tx, reservation_id)
            if hosted is None:  # perhaps in a waitlist: leaving it
                entry = await self.waitlist.repo.get(work.tx, reservation_id)
                if entry is not None and entry.home == peer:
                    return await self.waitlist.leave(work, entry)
            if hosted is None or hosted.home != peer:
                raise Problem(ProblemType.NOT_FOUND, f"no reservation {reservation_id} from {peer}")
            if hosted.status == "cancelled":
                return hosted.receipt
            if hosted.attendance == "checked_in":
                raise Problem(ProblemType.CONFLICT, f"{hosted.display_name} has already checked in")
            deadline = cancel_deadline(hosted, terms.rules)
            if self.node.clock.now() > deadline:
                raise Problem(
                    ProblemType.CANCELLATION_WINDOW_CLOSED,
                    f"cancellations closed at {iso(deadline)}",
                    deadline=iso(deadline),
                )
            envelope = await self._cancel(work, hosted, problem=None)
            await self.waitlist.settle(work, hosted.target_kind, hosted.target_id)  # the seats go to the line
            return envelope

    async def cancel_for_withdrawal(self, work: UnitOfWork, slot: Slot) -> list[str]:
        """Cancel every reservation on a withdrawn slot; returns the homes told (through the outbox)."""
        homes = []
        for hosted in await self.hosted.list_confirmed_on(work.tx, "slot", slot.id):
            # A receipt's problem is a problem type: the slot is gone, so `not-found`. The home did
            # not ask: the cancelled receipt reaches it through its inbox (and our feed).
            await self._cancel(work, hosted, problem=ProblemType.NOT_FOUND.value)
            homes.append(hosted.home)
        await self.waitlist.settle(work, "slot", slot.id)  # whoever waited for it is told it is gone
        return homes

    async def _cancel(self, work: UnitOfWork, hosted: Hosted, problem: str | None) -> dict[str, Any]:
        """The cancelled receipt, also pushed to the home: the answer to its DELETE may be lost after
        this commits, and its member was then told that the reservation still stands."""
        old = ReservationReceipt.model_validate(hosted.receipt["object"])
        use = old.allowance
        if use is not None and hosted.period_start is not None:
            used = (
                await self.hosted.count_units_used(work.tx, hosted.home, hosted.kind, hosted.period_start)
                - hosted.units
            )
            use = use.model_copy(update={"used": used, "remaining": use.amount - used})
        receipt = ReservationReceipt.model_validate(
            {
                **old.to_wire(),
                "version": old.version + 1,
                "status": "cancelled",
                "problem": problem,
                "allowance": use.to_wire() if use else None,
                "issued_at": iso(self.node.clock.now()),
            }
        )
        envelope = await self.node.publish(work, receipt, [hosted.home])
        await self.hosted.store_receipt(
            work.tx, hosted.id, "cancelled", receipt.version, self.node.to_json(envelope), iso(self.node.clock.now())
        )
        if hosted.target_kind == "slot":
            self.refresher.mark(hosted.target_id)
        return envelope

    # -- verification -----------------------------------------------------------------------

    async def _open(self, peer: str, raw: Any, cls: type[T]) -> tuple[T, str]:
        """A signed object the calling twin originates; returns it and its hash."""
        obj, check = await self.node.directory.receive(peer, raw, cls)
        return obj, check.object_hash()

    async def _open_pass(self, peer: str, raw: Any) -> MemberPass:
        """The member pass must be signed by the home that sends the request, and be current.

        A home sends the same pass with many requests. A pass that verified once is kept with
        the exact JSON it came as; the same signature over the same JSON needs no second check.
        """
        signature = raw.get("signature") if isinstance(raw, dict) else None
        cache_key = (peer, repr(signature)) if isinstance(signature, dict) else None
        kept = self._passes.get(cache_key) if cache_key else None
        if kept is not None and kept[0] == raw:
            member_pass = kept[1]
        else:
            member_pass, _ = await self._open(peer, raw, MemberPass)
            if cache_key is not None:
                if len(self._passes) >= PASSES_KEPT:
                    self._passes.clear()
                self._passes[cache_key] = (raw, member_pass)  # the request's own parsed JSON: nothing changes it
        now, skew = self.node.clock.now(), timedelta(seconds=self.node.settings.limits.signature_window_seconds)
        if member_pass.issued_at > now + skew or member_pass.expires_at <= now:
            raise Problem(ProblemType.SIGNATURE_EXPIRED, "the member pass is not valid now")
        return member_pass


def _draw(
    tx: HostedInTransaction, peer: str, allowance: Allowance | None, units: int, starts_at: datetime, tz: str
) -> AllowanceUse | None:
    """Take `units` from the allowance of the period holding `starts_at` (host's zone)."""
    if allowance is None:
        return None  # the agreement sets no allowance for this kind: the slot's seats are the limit
    start = period_start(starts_at, tz, allowance.period).isoformat()
    used = tx.units_used(peer, allowance.kind, start)
    if used + units > allowance.amount:
        raise Problem(
            ProblemType.ALLOWANCE_EXHAUSTED,
            f"{used} of {allowance.amount} {allowance.kind} {allowance.unit}s used for the {allowance.period} "
            f"from {start}; this reservation needs {units}",
            amount=allowance.amount,
            used=used,
            needed=units,
            period_start=start,
        )
    return AllowanceUse(
        kind=allowance.kind,
        unit=allowance.unit,
        period=allowance.period,
        period_start=start,
        amount=allowance.amount,
        used=used + units,
        remaining=allowance.amount - used - units,
    )


def check_rules(rules: BookingRules, seats: int, starts_at: datetime, now: datetime) -> None:
    """The agreement's booking rules for a slot: seats per reservation, notice, book-ahead."""
    if seats > rules.max_seats_per_reservation:
        raise invalid("seats", f"at most {rules.max_seats_per_reservation} seats per reservation")
    earliest = now + timedelta(hours=rules.min_notice_hours)
    if starts_at < earliest:
        raise Problem(
            ProblemType.OUTSIDE_BOOKING_WINDOW,
            f"reservations need {rules.min_notice_hours} hours' notice",
            earliest=iso(earliest),
        )
    latest = now + timedelta(days=rules.book_ahead_days)
    if starts_at > latest:
        raise Problem(
            ProblemType.OUTSIDE_BOOKING_WINDOW,
            f"reservations open {rules.book_ahead_days} days ahead",
            latest=iso(latest),
        )


def cancel_deadline(hosted: Hosted, rules: BookingRules) -> datetime:
    """Slots: cancel_until_hours before the start. Event places: until the event starts."""
    starts_at = parse_iso(hosted.starts_at)
    if hosted.target_kind == "event":
        return starts_at
    return starts_at - timedelta(hours=rules.cancel_until_hours)
