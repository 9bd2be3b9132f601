"""A member's reservations abroad as an iCalendar feed (built with node/calendar.py).

Calendar applications subscribe with the member's calendar URL (a secret in the query, since
they cannot send a bearer token). Each reservation is one VEVENT in the host's zone: its UID
stays the reservation id, its SEQUENCE follows the receipt's version, and a cancellation is a
CANCELLED event, so subscribed calendars update in place. Same content, same bytes. Its words
are in the member's language (their saved choice, else the space's).
"""

from __future__ import annotations

from node.calendar import CalendarEntry, build_calendar
from node.clock import parse_iso
from node.core import Node
from node.events import event_text
from node.i18n import _, ngettext, reader_for, reading
from node.store.languages import MemberLanguageRepository
from node.words import resource_kind

from .reservation_store import HomeReservation
from .store import Member


async def member_calendar(node: Node, member: Member, reservations: list[HomeReservation]) -> bytes:
    language = await MemberLanguageRepository(node.store.db).get(member.id)
    with reading(reader_for(language, node.settings.node.language)):
        return await _calendar(node, member, reservations)


async def _calendar(node: Node, member: Member, reservations: list[HomeReservation]) -> bytes:
    names: dict[str, str] = {}
    entries = []
    for reservation in reservations:
        if reservation.receipt is None:
            continue  # no time until the host has answered
        host_name = names.get(reservation.host) or await host_name_of(node, reservation.host)
        names[reservation.host] = host_name
        entries.append(await reservation_entry(node, reservation, host_name))
    name = _("%(member)s: reservations abroad (%(space)s)", member=member.display_name, space=node.settings.node.name)
    return build_calendar(name, entries, now=node.clock.now())


async def reservation_entry(node: Node, reservation: HomeReservation, host_name: str) -> CalendarEntry:
    """The reservation's VEVENT as the member's feed has it (mails use it too, so calendars match)."""
    assert reservation.receipt is not None
    receipt = reservation.receipt["object"]
    what = await what_of(node, reservation)
    return CalendarEntry(
        uid=f"{reservation.id}@gemellaggio",
        sequence=int(receipt["version"]) - 1,
        summary=_("%(what)s at %(host)s", what=what, host=host_name),
        starts_at=parse_iso(receipt["starts_at"]),
        ends_at=parse_iso(receipt["ends_at"]),
        timezone=receipt["timezone"],
        description=ngettext(
            "%(num)s seat, reserved through %(space)s. Reservation %(id)s.",
            "%(num)s seats, reserved through %(space)s. Reservation %(id)s.",
            reservation.seats,
            space=node.settings.node.name,
            id=reservation.id,
        ),
        status="CANCELLED" if receipt["status"] == "cancelled" else "CONFIRMED",
        location=host_name,
        stamp=parse_iso(receipt["issued_at"]),
    )


async def what_of(node: Node, reservation: HomeReservation) -> str:
    """The resource's or the event's name, from our replica of the host's slot or event."""
    if reservation.target_kind == "slot":
        slot = await node.store.objects.get("Slot", reservation.host, reservation.target_id)
        if slot is not None:
            return str(slot.object["resource"]["name"])
        return resource_kind(reservation.kind)
    event = await node.store.objects.get("Event", reservation.host, reservation.target_id)
    return event_text(event.object).title if event is not None else _("Event")


async def host_name_of(node: Node, host: str) -> str:
    peer = await node.store.peers.get(host)
    return peer.name if peer is not None else host
