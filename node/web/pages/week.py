"""The member's week: the twins' slots and events, day by day, in the host's zone and ours.

Everything comes from the booking and events services (what a twin offers us, with remaining
seats; events here and at the twins); this module only arranges it for the page. Strings are
made here once, so the template only places them (a busy week holds hundreds of entries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.assembly import AssembledNode
from node.booking.agreement import terms_of
from node.events.texts import event_text, in_language
from node.events.views import EventViews
from node.http.pages.timefmt import date_range, day_label, long_day, number, parse, when, zone_label
from node.i18n import N_, _, ngettext
from node.words import resource_kind, status_word

DAYS = 7
STATUS_NOTICE = {"postponed": N_("Postponed."), "moved_online": N_("Moved online.")}
# What a member may choose to see: each kind of entry belongs to one of these.
FILTERS = (("desks", N_("Desks")), ("rooms", N_("Rooms")), ("events", N_("Events")))  # labels translated when shown
CATEGORY = {"desk": "desks", "meeting_room": "rooms", "phone_booth": "rooms", "event_space": "rooms"}


@dataclass
class Entry:
    """One slot or event on the calendar, with every text the page shows."""

    kind: str  # slot | event
    id: str
    title: str
    host: str
    host_name: str
    host_zone: str  # the city, e.g. "New York"
    host_when: str
    our_when: str
    starts: datetime
    day: date  # in the member's zone
    kicker: str = ""
    place: str = ""
    local: bool = False
    seats_text: str = ""
    full: bool = False
    max_seats: int = 1
    reservable: bool = False
    why_not: str = ""
    waitlistable: bool = False  # full, not started, not the member's: they may join its waitlist
    mine: dict[str, Any] | None = None
    notice: str = ""
    label: str = ""  # what the reserve button says to a screen reader
    title_lang: str = ""  # the language tag of the title shown, when known
    language_text: str = ""  # "In Spanish": the language of the event's text
    category: str = "events"  # desks | rooms | events (the week's filters)
    cancelled: bool = False


@dataclass
class Day:
    day: date
    label: str
    long_label: str
    today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Week:
    start: date
    days: list[Day]
    zone: str
    zone_label: str
    previous: str
    next: str
    title: str
    twins: list[str]
    count: int
    shown: tuple[str, ...] = tuple(f for f, _label in FILTERS)


@dataclass
class Twin:
    peer: str
    name: str
    zone: str
    twinning_id: str
    max_seats: int


@dataclass
class Context:
    """What every entry of the week is measured against."""

    zone: ZoneInfo
    now: datetime
    twins: dict[str, Twin]
    mine: dict[tuple[str, str], dict[str, Any]]


def shown_filters(values: list[str]) -> tuple[str, ...]:
    """The kinds a member chose to see (none chosen, or nothing we know: all of them)."""
    chosen = tuple(f for f, _label in FILTERS if f in values)
    return chosen or tuple(f for f, _label in FILTERS)


async def build_week(node: AssembledNode, member_id: str, start: date, shown: tuple[str, ...] | None = None) -> Week:
    zone = node.settings.node.timezone
    begin = datetime.combine(start, time(), tzinfo=ZoneInfo(zone))
    end = datetime.combine(start + timedelta(days=DAYS), time(), tzinfo=ZoneInfo(zone))
    ctx = Context(ZoneInfo(zone), node.clock.now(), await active_twins(node), await my_targets(node, member_id))
    shown = shown or shown_filters([])
    entries = await _slots(node, ctx, begin, end) + await _events(node, ctx, begin, end)
    entries = [e for e in entries if e.category in shown]
    today = ctx.now.astimezone(ctx.zone).date()
    days = [_day(start + timedelta(days=i), today) for i in range(DAYS)]
    for entry in sorted(entries, key=lambda e: (e.starts, e.title)):
        index = (entry.day - start).days
        if 0 <= index < DAYS:
            days[index].entries.append(entry)
    last = start + timedelta(days=DAYS - 1)
    return Week(
        start=start,
        days=days,
        zone=zone,
        zone_label=zone_label(zone),
        previous=(start - timedelta(days=DAYS)).isoformat(),
        next=(start + timedelta(days=DAYS)).isoformat(),
        title=date_range(start, last),
        twins=[t.name for t in ctx.twins.values()],
        count=sum(len(d.entries) for d in days),
        shown=shown,
    )


async def active_twins(node: AssembledNode) -> dict[str, Twin]:
    """Active twins by node id, with their name, zone and the seats one reservation may take."""
    found: dict[str, Twin] = {}
    for twinning in await node.store.twinnings.list():
        if twinning.status != "active":
            continue
        peer = await node.store.peers.get(twinning.peer_id)
        rules = terms_of(twinning)[1].rules
        found[twinning.peer_id] = Twin(
            peer=twinning.peer_id,
            name=peer.name if peer else twinning.peer_id,
            zone=peer.timezone if peer else "UTC",
            twinning_id=twinning.id,
            max_seats=rules.max_seats_per_reservation,
        )
    return found


async def my_targets(node: AssembledNode, member_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The member's live reservations by (kind, target id): what the calendar marks as theirs."""
    items = await node.booking.home.list_for(member_id)
    live = ("confirmed", "pending", "waiting", "offered")
    return {(r["target"]["kind"], r["target"]["id"]): r for r in items if r["status"] in live}


async def _slots(node: AssembledNode, ctx: Context, begin: datetime, end: datetime) -> list[Entry]:
    booking = node.booking
    entries = []
    for twin in ctx.twins.values():
        offered = await booking.slots.twin_slots(twin.twinning_id, begin.isoformat(), end.isoformat())
        entries += [_slot_entry(item, twin, ctx) for item in offered["items"] if item["status"] == "open"]
    return entries


def _slot_entry(item: dict[str, Any], twin: Twin, ctx: Context) -> Entry:
    host, ours = item["host_time"], item["our_time"]
    starts = parse(ours["starts_at"])
    day = starts.date()
    started = starts <= ctx.now
    mine = ctx.mine.get(("slot", item["id"]))
    seats = item["seats"]
    remaining = _seats_left(item["remaining"], seats, mine)
    resource = item["resource"]
    host_when = when(host["starts_at"], host["ends_at"], day)
    return Entry(
        kind="slot",
        id=item["id"],
        title=resource["name"],
        kicker=resource_kind(resource["kind"]),
        category=CATEGORY.get(resource["kind"], "rooms"),
        host=twin.peer,
        host_name=twin.name,
        host_zone=zone_label(host["timezone"]),
        host_when=host_when,
        our_when=when(ours["starts_at"], ours["ends_at"], day),
        starts=starts.astimezone(UTC),
        day=day,
        seats_text=ngettext(
            "%(left)s of %(num)s seat left", "%(left)s of %(num)s seats left", seats, left=number(remaining)
        ),
        full=remaining <= 0,
        max_seats=max(1, min(remaining, twin.max_seats)),
        reservable=remaining > 0 and not started and mine is None,
        waitlistable=remaining <= 0 and not started and mine is None,
        why_not=_("Started") if started else (_("Full") if remaining <= 0 else ""),
        mine=mine,
        label=_(
            "Reserve %(resource)s at %(host)s, %(day)s %(when)s %(zone)s",
            resource=resource["name"],
            host=twin.name,
            day=day_label(day),
            when=host_when,
            zone=zone_label(host["timezone"]),
        ),
    )


async def _events(node: AssembledNode, ctx: Context, begin: datetime, end: datetime) -> list[Entry]:
    listing = await EventViews(node.events).listing("all", begin.isoformat(), end.isoformat())
    return [_event_entry(item, ctx) for item in listing["items"]]


def _event_entry(item: dict[str, Any], ctx: Context) -> Entry:
    here = item["here"]
    starts = parse(here["starts_at"])
    day = starts.date()
    twin = ctx.twins.get(item["origin"])
    status = item.get("status", "scheduled")
    mine = ctx.mine.get(("event", item["id"]))
    capacity = item.get("capacity")
    venue = item.get("venue") if item.get("venue") != item.get("origin_name") else None
    notices = [_(STATUS_NOTICE[status]) if status in STATUS_NOTICE else ""] + [
        f["notice"] for f in item.get("flags", [])
    ]
    if item.get("recorded_after_the_fact"):
        notices.append(_("Recorded after the fact."))
    started = starts <= ctx.now
    cancelled = status == "cancelled"
    reservable = twin is not None and status in ("scheduled", "moved_online") and not started and mine is None
    host_when = when(item["starts_at"], item["ends_at"], day)
    host_name = item.get("origin_name", item["origin"])
    text = event_text(item)
    return Entry(
        kind="event",
        id=item["id"],
        title=text.title,
        title_lang=text.language or "",
        language_text=in_language(text.language),
        kicker=_("Event"),
        place=", ".join(p for p in (venue, item.get("room")) if p) or (_("online") if item.get("online_url") else ""),
        host=item["origin"],
        host_name=host_name,
        host_zone=zone_label(item["timezone"]),
        host_when=host_when,
        our_when=when(here["starts_at"], here["ends_at"], day),
        starts=starts.astimezone(UTC),
        day=day,
        local=bool(item.get("local")),
        seats_text=ngettext("%(num)s place", "%(num)s places", capacity) if capacity and not cancelled else "",
        max_seats=twin.max_seats if twin else 1,
        reservable=reservable,
        why_not="" if cancelled else _why_not(reservable, item, twin, started, status),
        mine=mine,
        notice="" if cancelled else " ".join(n for n in notices if n),
        cancelled=cancelled,
        label=_(
            "Reserve a place at %(title)s, %(host)s, %(day)s %(when)s",
            title=text.title,
            host=host_name,
            day=day_label(day),
            when=host_when,
        ),
    )


def _why_not(reservable: bool, item: dict[str, Any], twin: Twin | None, started: bool, status: str) -> str:
    """Why an event has no Reserve button, in a sentence."""
    if reservable:
        return ""
    if item.get("local"):
        return _("This is at your own space: no reservation needed here, just come along.")
    if twin is None:
        return _(
            "%(space)s is not an active twin now, so its events cannot be reserved.",
            space=item.get("origin_name", item["origin"]),
        )
    return _("Started") if started else status_word(status, "event").capitalize()


def _seats_left(published: int, seats: int, mine: dict[str, Any] | None) -> int:
    """Seats left as the member should see them: the host's published count can lag a moment
    behind the member's own confirmed reservation, never the other way round."""
    if mine is not None and mine.get("status") == "confirmed":
        return max(0, min(published, seats - int(mine.get("seats", 0))))
    return published


def _day(day: date, today: date) -> Day:
    return Day(day=day, label=day_label(day), long_label=long_day(day), today=day == today)
