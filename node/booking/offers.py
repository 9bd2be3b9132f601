"""Standing offers: a resource offered to one twin on a weekly schedule ("2 desks, weekdays
09:00-18:00, for London, December to February, not on 24-26 December").

Each occurrence becomes an ordinary Slot (booked with the usual reservation), published once
it comes within `hosting.offer_horizon_days`, never for ever: the offer is stored as its rule,
and a small task publishes the days that come within the horizon. Capacity holds across
single slots and series: every occurrence is checked like a slot, and the days a series has
not published yet still count against single slots (see offer_capacity). Withdrawing the
series from a date withdraws its published occurrences from that date (their reservations
are cancelled and the homes told, as for any withdrawn slot) and ends the series the day
before; withdrawing one occurrence is withdrawing its slot, which is never published again.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from node.clock import iso
from node.core import Node, UnitOfWork
from node.times import invalid
from node.worker import Worker
from protocol.models import Slot
from protocol.problems import Problem, ProblemType

from .agreement import active_twin
from .offer_capacity import first_overbooked_day, schedule_of
from .offer_schedule import MAX_SPAN_DAYS, OfferBody, Schedule, parse_date
from .offer_store import OfferRepository, OfferRow
from .resources import ResourceService, check_open
from .slots import SlotService
from .store import ResourceRow, SlotRepository

log = structlog.get_logger()
EXTEND_EVERY_SECONDS = 3600.0


class OfferService:
    def __init__(self, node: Node, repo: OfferRepository, resources: ResourceService, slots: SlotService) -> None:
        self.node = node
        self.repo = repo
        self.resources = resources
        self.slots = slots
        self.worker = Worker(
            "booking-offer-horizon",
            self._step,
            after_error=EXTEND_EVERY_SECONDS,
            lease=node.leases.job("booking-offer-horizon"),
        )

    @property
    def zone(self) -> str:
        return self.node.settings.node.timezone

    def today(self) -> date:
        return self.node.clock.now().astimezone(ZoneInfo(self.zone)).date()

    def horizon(self) -> date:
        return self.today() + timedelta(days=self.node.settings.hosting.offer_horizon_days)

    async def create(self, body: OfferBody) -> dict[str, Any]:
        """Store the offer and publish its occurrences within the horizon, all or nothing."""
        resource = await self.resources.get(body.resource_id)
        twinning = await active_twin(self.node, body.twin, "twin")
        schedule = Schedule.checked(body, self.today())
        if body.seats > resource.capacity:
            raise Problem(
                ProblemType.VALIDATION_ERROR,
                f"seats: {resource.name} holds {resource.capacity}",
                errors=[{"field": "seats", "message": f"{resource.name} holds {resource.capacity}"}],
            )
        at = iso(self.node.clock.now())
        offer = OfferRow(
            id=str(uuid.uuid4()),
            resource_id=resource.id,
            twin=twinning.peer_id,
            seats=body.seats,
            weekdays=list(dict.fromkeys(body.weekdays)),
            from_time=body.from_time,
            to_time=body.to_time,
            start_date=schedule.start.isoformat(),
            end_date=schedule.end.isoformat() if schedule.end else None,
            exceptions=sorted(d.isoformat() for d in schedule.exceptions),
            status="active",
            published_to=None,
            created_at=at,
            updated_at=at,
        )
        async with self.node.write() as work:
            await self.repo.store(work.tx, offer)
            published = await self._publish_due(work, offer, strict=True)
            await self._check_beyond_horizon(work, offer, schedule, resource)
        return await self.view(offer.id, published)

    async def _check_beyond_horizon(
        self, work: UnitOfWork, offer: OfferRow, schedule: Schedule, resource: ResourceRow
    ) -> None:
        """The days after the horizon are no slots yet; the offer must still fit on each of them
        (an open-ended one is checked as far as a bounded series may reach)."""
        first = self.horizon() + timedelta(days=1)
        last = schedule.end or self.today() + timedelta(days=MAX_SPAN_DAYS)
        active = await self.repo.list_active(work.tx, offer.resource_id)
        open_slots = await self.slots.holding(work, await SlotRepository().list_open(work.tx, self.node.id))
        found = first_overbooked_day(active, open_slots, offer, resource.capacity, first, last, self.zone)
        if found is not None:
            raise Problem(
                ProblemType.CONFLICT,
                f"on {found.day}: {resource.name} holds {resource.capacity}; with the slots and standing offers "
                f"already made for that time this makes {found.offered + offer.seats}",
                capacity=resource.capacity,
                offered=found.offered,
            )

    async def withdraw(self, offer_id: str, from_text: str | None) -> dict[str, Any]:
        """DELETE /api/v1/offers/{id}[?from=]: the series from that date (default today) on."""
        first = parse_date(from_text, "from") if from_text else self.today()
        if first < self.today():  # what already happened stays as it was (the ledger counts it)
            raise invalid("from", f"{first} has already passed (it is {self.today()} here); withdraw from today on")
        async with self.node.write() as work:
            offer = await self.repo.get(offer_id, tx=work.tx)
            if offer is None:
                raise Problem(ProblemType.NOT_FOUND, f"no standing offer {offer_id}")
            notified: set[str] = set()
            withdrawn = 0
            for slot_id in await self.repo.list_slots_from(work.tx, offer.id, first.isoformat()):
                _slot, homes = await self.slots.withdraw_in(work, slot_id)
                withdrawn += 1
                notified.update(homes)
            ends = first - timedelta(days=1)
            if ends < parse_date(offer.start_date, "start_date"):
                status, end_date = "withdrawn", offer.end_date
            else:
                status, end_date = offer.status, min(offer.end_date or ends.isoformat(), ends.isoformat())
            at = iso(self.node.clock.now())
            await self.repo.store_state(work.tx, offer.id, status, end_date, offer.published_to, at)
        return {**await self.view(offer.id), "withdrawn": withdrawn, "notified": sorted(notified)}

    async def list(self) -> list[dict[str, Any]]:
        return [await self.view(o.id) for o in await self.repo.list_all()]

    async def view(self, offer_id: str, published: int | None = None) -> dict[str, Any]:
        offer = await self.repo.get(offer_id)
        assert offer is not None
        view = {k: v for k, v in offer.columns().items() if k not in ("weekdays", "exceptions", "created_at")}
        view.update(weekdays=offer.weekdays, exceptions=offer.exceptions, timezone=self.zone)
        view.update(created_at=offer.created_at, occurrences=await self.repo.count_slots(offer.id))
        if published is not None:
            view["published"] = published
        return view

    # -- the horizon -------------------------------------------------------------------------

    async def extend_all(self) -> int:
        """Publish every active offer's occurrences that came within the horizon."""
        total = 0
        async with self.node.write() as work:
            for offer in await self.repo.list_active(work.tx):
                if await self.node.store.twinnings.get_live(offer.twin) is None:
                    await self._end_with_twinning(work, offer)
                    continue
                total += await self._publish_due(work, offer, strict=False)
        return total

    async def _end_with_twinning(self, work: UnitOfWork, offer: OfferRow) -> None:
        """The twin's agreement is over (ended): nothing more is published for it, and the series
        ends with its last day published, so the days it will never have stop holding the
        resource's seats against every other twin's slots. What was published stays as it is."""
        start = parse_date(offer.start_date, "start_date")
        last = date.fromisoformat(offer.published_to) if offer.published_to else start - timedelta(days=1)
        if offer.end_date is not None and date.fromisoformat(offer.end_date) <= last:
            return  # nothing left to publish: its days are slots already
        status = "withdrawn" if last < start else "active"
        end_date = offer.end_date if last < start else last.isoformat()
        at = iso(self.node.clock.now())
        await self.repo.store_state(work.tx, offer.id, status, end_date, offer.published_to, at)
        log.info("offer_ended_with_twinning", offer=offer.id, twin=offer.twin, last=str(last))

    async def _publish_due(self, work: UnitOfWork, offer: OfferRow, strict: bool) -> int:
        """Publish the occurrences from the day after `published_to` up to the horizon.

        `strict` (on creation): any occurrence that cannot be offered refuses the whole offer.
        Later, a day that cannot be (a single slot took the room meanwhile) is logged and left out.
        """
        schedule = schedule_of(offer)
        resource = await self.resources.get(offer.resource_id)
        after = date.fromisoformat(offer.published_to) + timedelta(days=1) if offer.published_to else schedule.start
        horizon, now = self.horizon(), self.node.clock.now()
        done = await self.repo.list_days_published(work.tx, offer.id)
        published = 0
        for day in schedule.days(after, horizon):
            if day.isoformat() in done:
                continue
            try:
                starts, ends = schedule.times(day, self.zone)
                if starts < now:
                    continue
                check_open(resource, starts, ends, self.zone)
                slot = Slot(
                    origin=self.node.id,
                    id=str(uuid.uuid4()),
                    version=1,
                    resource=resource.to_wire(),
                    starts_at=starts,
                    ends_at=ends,
                    timezone=self.zone,
                    twin=offer.twin,
                    seats=offer.seats,
                    remaining=offer.seats,
                )
                await self.slots.check_capacity(work, slot, skip_offer=offer.id)
            except Problem as problem:
                if strict:
                    raise Problem(problem.kind, f"on {day}: {problem.detail}", **problem.extensions) from problem
                log.warning("offer_occurrence_skipped", offer=offer.id, day=day.isoformat(), reason=problem.detail)
                continue
            await self.node.publish(work, slot, [slot.twin])
            await self.repo.store_slot(work.tx, offer.id, day.isoformat(), slot.id)
            published += 1
        last = min(horizon, schedule.end) if schedule.end else horizon
        await self.repo.store_state(work.tx, offer.id, offer.status, offer.end_date, last.isoformat(), iso(now))
        return published

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def _step(self) -> float:
        await self.extend_all()  # a bad day is logged by the worker and tried again next round
        return EXTEND_EVERY_SECONDS
