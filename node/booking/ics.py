"""A member's reservations abroad as an iCalendar feed (built with node/calendar.py).

Calendar applications subscribe with the member's calendar URL (a secret in the query, since
they cannot send a bearer token). Each reservation is one VEVENT in the host's zone: its UID
stays the reservation id, its SEQUENCE follows the receipt's version, and a cancellation is a
CANCELLED event, so subscribed calendars update in place. Same content, same bytes.
"""

from __future__ import annotations

from node.calendar import CalendarEntry, build_calendar
from node.clock import parse_iso
from node.core import Node

from .reservation_store import HomeReservation
from .store import Member


async def member_calendar(node: Node, member: Member, reservations: list[HomeReservation]) -> bytes:
    names: dict[str, str] = {}
    entries = []
    for reservation in reservations:
        if reservation.receipt is None:
            continue  # no time until the host has answered
        host_name = names.get(reservation.host) or await _host_name(node, reservation.host)
        names[reservation.host] = host_name
        entries.append(await _entry(node, reservation, host_name))
    return build_calendar(f"{member.display_name}: reservations abroad ({node.settings.node.name})", entries)


async def _entry(node: Node, reservation: HomeReservation, host_name: str) -> CalendarEntry:
    assert reservation.receipt is not None
    receipt = reservation.receipt["object"]
    what = await _what(node, reservation)
    seats = f"{reservation.seats} seats" if reservation.seats > 1 else "1 seat"
    return CalendarEntry(
        uid=f"{reservation.id}@gemellaggio",
        sequence=int(receipt["version"]) - 1,
        summary=f"{what} at {host_name}",
        starts_at=parse_iso(receipt["starts_at"]),
        ends_at=parse_iso(receipt["ends_at"]),
        timezone=receipt["timezone"],
        description=f"{seats}, reserved through {node.settings.node.name}. Reservation {reservation.id}.",
        status="CANCELLED" if receipt["status"] == "cancelled" else "CONFIRMED",
        location=host_name,
        stamp=parse_iso(receipt["issued_at"]),
    )


async def _what(node: Node, reservation: HomeReservation) -> str:
    """The resource's or the event's name, from our replica of the host's slot or event."""
    if reservation.target_kind == "slot":
        slot = await node.store.objects.get("Slot", reservation.host, reservation.target_id)
        if slot is not None:
            return str(slot.object["resource"]["name"])
        return (reservation.kind or "space").replace("_", " ").capitalize()
    event = await node.store.objects.get("Event", reservation.host, reservation.target_id)
    return str(event.object["title"]) if event is not None else "Event"


async def _host_name(node: Node, host: str) -> str:
    peer = await node.store.peers.get(host)
    return str(peer["name"]) if peer is not None else host
