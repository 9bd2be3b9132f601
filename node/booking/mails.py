"""The mails members get about their reservations abroad, written in the transaction that
changes the reservation: confirmed, cancelled, withdrawn by the host, still waiting for the
host, and a reminder the day before (in the host's time; optional, with one-click unsubscribe).

Each reservation mail carries an iTIP message (RFC 5546: METHOD REQUEST, or CANCEL) whose
VEVENT is the member's calendar feed entry (same UID, same SEQUENCE), so a calendar
application updates the entry it already has instead of adding another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from cryptography.hazmat.primitives import serialization
from icalendar import Calendar, vCalAddress

from node.calendar import build_calendar
from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.mail import CalendarPart, Mail
from node.mail.unsubscribe import signature

from .ics import host_name_of, reservation_entry, what_of
from .reservation_store import HomeRepository, HomeReservation
from .store import Member, MemberRepository

log = structlog.get_logger("node.booking")
LOOK_AHEAD = timedelta(hours=48)


class ReservationMails:
    def __init__(self, node: Node, members: MemberRepository, repo: HomeRepository) -> None:
        self.node = node
        self.members = members
        self.repo = repo

    async def receipt_stored(self, work: UnitOfWork, reservation_id: str) -> None:
        """A new receipt was stored in `work`: tell the member what it says."""
        reservation = await self.repo.get_in(work.tx, reservation_id)
        member = await self.members.get(reservation.member_id) if reservation else None
        if reservation is None or reservation.receipt is None or member is None:
            return
        if reservation.status == "confirmed" and reservation.receipt["object"].get("attendance"):
            return  # the host's front desk recorded attendance: nothing new for the member to act on
        host = await host_name_of(self.node, reservation.host)
        what = await what_of(self.node, reservation)
        when = _when(reservation, self.node.settings.node.timezone)
        lines: tuple[str, ...]
        if reservation.status == "confirmed":
            subject = f"Confirmed: {what} at {host}, {when.split(',')[0]}"
            lines = (f"{host} confirmed your reservation: {what}, {_seats(reservation)}, {when}.",)
        elif reservation.receipt["object"].get("problem"):
            subject = f"Withdrawn by {host}: {what}"
            lines = (
                f"{host} withdrew what you had reserved ({what}, {when}), so your reservation is cancelled.",
                "Nothing was counted against the allowance. We are sorry for the change of plans.",
            )
        else:
            subject = f"Cancelled: {what} at {host}"
            lines = (f"Your reservation of {what} at {host}, {when}, is cancelled.",)
        method = "REQUEST" if reservation.status == "confirmed" else "CANCEL"
        calendar = await self._itip(reservation, member, host, method)
        closing = f"See your reservations at {self.node.id}/reservations"
        key = f"receipt:{reservation.id}:{reservation.version}"
        mail = replace(self._mail(member, reservation, subject, (*lines, closing), key), calendar=calendar)
        await self.node.mail.enqueue(work, mail, self.node.clock.now())

    async def still_pending(self, work: UnitOfWork, reservation: HomeReservation) -> None:
        """The host has not answered the first time: say so once; the answer comes by mail too."""
        member = await self.members.get(reservation.member_id)
        if member is None:
            return
        host = await host_name_of(self.node, reservation.host)
        lines = (
            f"We asked {host} for your reservation, but {host} has not answered yet.",
            "We keep asking, and you will get a mail when the answer comes. Until then the seat is not yours.",
        )
        mail = self._mail(member, reservation, f"Waiting for {host}'s answer", lines, f"pending:{reservation.id}")
        await self.node.mail.enqueue(work, mail, self.node.clock.now())

    async def send_reminders(self) -> int:
        """Write the reminders that are due now (once per reservation); returns how many."""
        now = self.node.clock.now()
        due = []
        for reservation in await self.repo.confirmed_starting(iso(now), iso(now + LOOK_AHEAD)):
            moment = _reminder_moment(reservation, self.node.settings.mail.reminder_hour)
            if now >= moment and parse_iso(reservation.created_at) < moment:
                member = await self.members.get(reservation.member_id)
                if member is not None and member.optional_mail:
                    due.append((reservation, member, await self._reminder(reservation, member)))
        written = 0
        async with self.node.write() as work:
            for _, _, mail in due:
                written += await self.node.mail.enqueue(work, mail, now) is not None
        return written

    async def _reminder(self, reservation: HomeReservation, member: Member) -> Mail:
        host = await host_name_of(self.node, reservation.host)
        what = await what_of(self.node, reservation)
        peer = await self.node.store.peers.get(reservation.host)
        location = _location(peer["document"]) if peer is not None else None
        lines = [f"Tomorrow you have {what} at {host}: {_seats(reservation)}, {_when(reservation, None)}."]
        if location:
            lines.append(f"{host} is at {location}.")
        lines.append("If your plans changed, please cancel, so that someone else can have the seat: ")
        lines[-1] += f"{self.node.id}/reservations"
        page, post = self._unsubscribe(member)
        mail = self._mail(
            member, reservation, f"Tomorrow: {what} at {host}", tuple(lines), f"reminder:{reservation.id}"
        )
        return replace(mail, kind="reminder", unsubscribe_url=page, unsubscribe_post_url=post)

    def _mail(
        self, member: Member, reservation: HomeReservation, subject: str, lines: tuple[str, ...], key: str
    ) -> Mail:
        return Mail(
            kind="reservation",
            to=member.email,
            member_id=member.id,
            subject=subject,
            paragraphs=(f"Hello {member.display_name},", *lines),
            dedupe_key=key,
        )

    def _unsubscribe(self, member: Member) -> tuple[str, str]:
        raw = self.node.keys.current.private_key().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        path = f"{member.id}/{signature(raw, member.id)}"
        return f"{self.node.id}/unsubscribe/{path}", f"{self.node.id}/api/v1/unsubscribe/{path}"

    async def _itip(self, reservation: HomeReservation, member: Member, host: str, method: str) -> CalendarPart:
        entry = await reservation_entry(self.node, reservation, host)
        calendar = Calendar.from_ical(build_calendar(self.node.settings.node.name, [entry]))
        calendar.add("method", method)
        organizer = vCalAddress(f"mailto:{self.node.mail.sender.envelope_from}")
        organizer.params["cn"] = self.node.settings.node.name
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params.update({"cn": member.display_name, "partstat": "ACCEPTED", "rsvp": "FALSE"})
        for event in calendar.walk("VEVENT"):
            event.add("organizer", organizer)
            event.add("attendee", attendee)
        return CalendarPart(method, bytes(calendar.to_ical()))


def _seats(reservation: HomeReservation) -> str:
    return "1 seat" if reservation.seats == 1 else f"{reservation.seats} seats"


def _when(reservation: HomeReservation, home_zone: str | None) -> str:
    """'Tuesday 8 December 2026, 09:00 to 18:00 (New York time)', and ours when it differs."""
    assert reservation.starts_at and reservation.ends_at and reservation.timezone
    text = _span(reservation.starts_at, reservation.ends_at, reservation.timezone)
    if home_zone and home_zone != reservation.timezone:
        text += f"; that is {_span(reservation.starts_at, reservation.ends_at, home_zone)}"
    return text


def _span(starts: str, ends: str, zone: str) -> str:
    tz = ZoneInfo(zone)
    start, end = parse_iso(starts).astimezone(tz), parse_iso(ends).astimezone(tz)
    place = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M} ({place} time)"


def _reminder_moment(reservation: HomeReservation, hour: int) -> datetime:
    """The day before the visit, at `hour`, in the host's zone."""
    assert reservation.starts_at and reservation.timezone
    tz = ZoneInfo(reservation.timezone)
    day_before = parse_iso(reservation.starts_at).astimezone(tz).date() - timedelta(days=1)
    return datetime(day_before.year, day_before.month, day_before.day, hour, tzinfo=tz)


def _location(document_json: str) -> str | None:
    found = json.loads(document_json).get("object", {}).get("location")
    return str(found) if found else None


class ReminderLoop:
    """Looks every few minutes for reminders that are due."""

    INTERVAL_SECONDS = 300.0

    def __init__(self, mails: ReservationMails) -> None:
        self.mails = mails
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.mails.node.mail.enabled:
            self._task = asyncio.create_task(self._loop(), name="reminders")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.mails.send_reminders()
            except Exception:  # a bug must not stop reminders for good; log it and look again later
                log.exception("reminders_error")
            await asyncio.sleep(self.INTERVAL_SECONDS)
