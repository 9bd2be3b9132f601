"""A member's own reservations, described for the page: what, where, when in both zones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.core import Node
from node.events.texts import event_text
from node.http.pages.messages import problem_title
from node.http.pages.timefmt import moment, number, parse, when
from node.i18n import N_, _
from node.words import resource_kind, units
from protocol.problems import Problem, ProblemType

STATUS_TEXT = {
    "confirmed": N_("Confirmed"),
    "pending": N_("Waiting for the host"),
    "cancelled": N_("Cancelled"),
    "rejected": N_("Refused"),
    "waiting": N_("On the waitlist"),
    "offered": N_("A seat is offered to you"),
    "lapsed": N_("Offer lapsed"),
}


@dataclass
class Line:
    id: str
    status: str
    status_text: str
    title: str
    host_name: str
    host_zone: str | None
    host_when: str
    our_when: str
    seats: int
    note: str
    can_cancel: bool
    ends: str
    in_line: bool = False  # waiting, or seats offered: the member may leave the line
    can_confirm: bool = False  # seats offered and the offer still runs


async def peer_name(node: Node, peer_id: str) -> str:
    if not peer_id:
        return _("the twin")
    row = await node.store.peers.get(peer_id.rstrip("/"))
    return row.name if row is not None else peer_id


async def describe_reservations(node: Node, items: list[dict[str, Any]]) -> tuple[list[Line], list[Line]]:
    """(upcoming, earlier): upcoming by start, earlier most recent first."""
    now = node.clock.now()
    names: dict[str, str] = {}
    lines = []
    for item in items:
        if item["host"] not in names:
            names[item["host"]] = await peer_name(node, item["host"])
        lines.append(await _line(node, item, names[item["host"]], now))
    upcoming = sorted((line for line in lines if not line.ends or parse(line.ends) > now), key=lambda x: x.ends)
    earlier = sorted((line for line in lines if line.ends and parse(line.ends) <= now), key=lambda x: x.ends)
    return upcoming, earlier[::-1]


async def _line(node: Node, item: dict[str, Any], host_name: str, now: Any) -> Line:
    target = item["target"]
    replica = await node.store.objects.get("Slot" if target["kind"] == "slot" else "Event", item["host"], target["id"])
    obj = replica.object if replica is not None else {}
    title = (obj.get("resource") or {}).get("name") if target["kind"] == "slot" else _event_title(obj)
    host_time, our_time = item.get("host_time"), item.get("our_time")
    if host_time is None and obj.get("starts_at"):  # not answered yet: the offer's own times
        host_time = {"starts_at": obj["starts_at"], "ends_at": obj["ends_at"], "timezone": obj.get("timezone")}
    starts = host_time["starts_at"] if host_time else None
    return Line(
        id=item["id"],
        status=item["status"],
        status_text=_(STATUS_TEXT[item["status"]]) if item["status"] in STATUS_TEXT else item["status"],
        title=title or (_("Event place") if target["kind"] == "event" else _("Slot")),
        host_name=host_name,
        host_zone=host_time.get("timezone") if host_time else None,
        host_when=when(host_time["starts_at"], host_time["ends_at"]) if host_time else "",
        our_when=when(our_time["starts_at"], our_time["ends_at"]) if our_time else "",
        seats=item["seats"],
        note=_note(item, node.settings.node.timezone),
        can_cancel=item["status"] == "confirmed" and starts is not None and parse(starts) > now,
        ends=host_time["ends_at"] if host_time else "",
        in_line=item["status"] in ("waiting", "offered"),
        can_confirm=item["status"] == "offered" and parse(item["offer_expires_at"]) > now,
    )


def _event_title(obj: dict[str, Any]) -> str | None:
    return event_text(obj).title if obj.get("title") else None


def _note(item: dict[str, Any], zone: str) -> str:
    if item["status"] == "waiting":
        return _("You are number %(position)s in line for a seat.", position=number(item.get("position") or 1))
    if item["status"] == "offered":
        return _(
            "A seat came free and is held for you until %(until)s. Confirm it, or it goes to the next in line.",
            until=moment(item["offer_expires_at"], zone),
        )
    if item["status"] == "lapsed":
        return _("The seat offered to you was not confirmed in time; it went to the next in line.")
    if item["status"] == "pending":
        return _("The host has not answered yet; your space keeps asking.")
    if item["status"] == "rejected":
        return _("The host refused it (%(reason)s).", reason=_refusal(str(item.get("problem", ""))))
    if item.get("cancelled_by") == "host":
        return _("The host withdrew this slot, so the reservation was cancelled.")
    allowance = item.get("allowance")
    if item["status"] == "confirmed" and allowance:
        return _(
            "%(kind)s: your space has %(left)s of %(amount)s left there this period.",
            kind=resource_kind(allowance["kind"]),
            left=number(allowance["remaining"]),
            amount=units(allowance["amount"], allowance["unit"]),
        )
    return ""


def _refusal(slug: str) -> str:
    try:
        return problem_title(Problem(ProblemType.from_uri(slug))).lower()
    except ValueError:
        return slug.replace("-", " ")
