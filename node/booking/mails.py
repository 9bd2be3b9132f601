"""The mails members get about their reservations abroad, written in the transaction that
changes the reservation: confirmed, cancelled, withdrawn by the host, still waiting for the
host, and a reminder the day before (in the host's time; optional, with one-click unsubscribe).

Each reservation mail carries an iTIP message (RFC 5546: METHOD REQUEST, or CANCEL) whose
VEVENT is the member's calendar feed entry (same UID, same SEQUENCE), so a calendar
application updates the entry it already has instead of adding another. Every mail is written
in the member's language (their saved choice, else the space's), with dates in its style.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from node.calendar import build_calendar
from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.i18n import Reader, _, format_long_moment, ngettext, reader_for, reading, zone_city
from node.mail import CalendarPart, Mail
from node.mail.unsubscribe import signature
from node.worker import Worker

from .ics import host_name_of, reservation_entry, what_of
from .reservation_store import HomeRepository, HomeReservation
from .store import Member, MemberRepository

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
        with reading(await self._reader(member)):  # the mail is composed, footer included, in their language
            mail = await self._receipt_mail(reservation, member)
            await self.node.mail.enqueue(work, mail, self.node.clock.now())

    async def _receipt_mail(self, reservation: HomeReservation, member: Member) -> Mail:
        assert reservation.receipt is not None
        host = await host_name_of(self.node, reservation.host)
        what = await what_of(self.node, reservation)
        when = _when(reservation, self.node.settings.node.timezone)
        lines: tuple[str, ...]
        if reservation.status == "confirmed":
            subject = _("Confirmed: %(what)s at %(host)s, %(day)s", what=what, host=host, day=_day(reservation))
            lines = (
                ngettext(
                    "%(host)s confirmed your reservation: %(what)s, %(num)s seat, %(when)s.",
                    "%(host)s confirmed your reservation: %(what)s, %(num)s seats, %(when)s.",
                    reservation.seats,
                    host=host,
                    what=what,
                    when=when,
                ),
            )
        elif reservation.receipt["object"].get("problem"):
            subject = _("Withdrawn by %(host)s: %(what)s", host=host, what=what)
            lines = (
                _(
                    "%(host)s withdrew what you had reserved (%(what)s, %(when)s), so your reservation is cancelled.",
                    host=host,
                    what=what,
                    when=when,
                ),
                _("Nothing was counted against the allowance. We are sorry for the change of plans."),
            )
        else:
            subject = _("Cancelled: %(what)s at %(host)s", what=what, host=host)
            lines = (
                _("Your reservation of %(what)s at %(host)s, %(when)s, is cancelled.", what=what, host=host, when=when),
            )
        method = "REQUEST" if reservation.status == "confirmed" else "CANCEL"
        calendar = await self._itip(reservation, member, host, method)
        closing = _("See your reservations at %(url)s", url=f"{self.node.id}/reservations")
        key = f"receipt:{reservation.id}:{reservation.version}"
        return replace(self._mail(member, reservation, subject, (*lines, closing), key), calendar=calendar)

    async def _reader(self, member: Member) -> Reader:
        """The member's language for their mails: their saved choice, else the space's."""
        return reader_for(member.language, self.node.settings.node.language)

    async def still_pending(self, work: UnitOfWork, reservation: HomeReservation) -> None:
        """The host has not answered the first time: say so once; the answer comes by mail too."""
        member = await self.members.get(reservation.member_id)
        if member is None:
            return
        host = await host_name_of(self.node, reservation.host)
        with reading(await self._reader(member)):
            lines = (
                _("We asked %(host)s for your reservation, but %(host)s has not answered yet.", host=host),
                _("We keep asking, and you will get a mail when the answer comes. Until then the seat is not yours."),
            )
            subject = _("Waiting for %(host)s's answer", host=host)
            mail = self._mail(member, reservation, subject, lines, f"pending:{reservation.id}")
            await self.node.mail.enqueue(work, mail, self.node.clock.now())

    async def seats_offered(self, work: UnitOfWork, reservation_id: str) -> None:
        """The host offers seats from its waitlist: say what, until when, and where to confirm."""
        reservation = await self.repo.get_in(work.tx, reservation_id)
        member = await self.members.get(reservation.member_id) if reservation else None
        if reservation is None or member is None or reservation.offer_expires_at is None:
            return
        host = await host_name_of(self.node, reservation.host)
        what = await what_of(self.node, reservation)
        with reading(await self._reader(member)):
            until = _moment(reservation.offer_expires_at, self.node.settings.node.timezone)
            lines = (
                _("A seat came free at %(host)s and you are first on the waitlist: %(what)s.", host=host, what=what),
                _(
                    "It is held for you until %(until)s. Confirm it at %(url)s; if you do not, it goes to the "
                    "next in line.",
                    until=until,
                    url=f"{self.node.id}/reservations",
                ),
            )
            subject = _("A seat for you at %(host)s: %(what)s", host=host, what=what)
            key = f"offered:{reservation.id}:{reservation.place_version}"
            await self.node.mail.enqueue(
                work, self._mail(member, reservation, subject, lines, key), self.node.clock.now()
            )

    async def send_reminders(self) -> int:
        """Write the reminders that are due now (once per reservation); returns how many."""
        now = self.node.clock.now()
        due = []
        for reservation in await self.repo.list_confirmed_starting(iso(now), iso(now + LOOK_AHEAD)):
            moment = _reminder_moment(reservation, self.node.settings.mail.reminder_hour)
            if now >= moment and parse_iso(reservation.created_at) < moment:
                member = await self.members.get(reservation.member_id)
                if member is not None and member.optional_mail:
                    reader = await self._reader(member)
                    with reading(reader):
                        due.append((reader, await self._reminder(reservation, member)))
        written = 0
        async with self.node.write() as work:
            for reader, mail in due:
                with reading(reader):  # the footer, with its unsubscribe sentence, in their language too
                    written += await self.node.mail.enqueue(work, mail, now) is not None
        return written

    async def _reminder(self, reservation: HomeReservation, member: Member) -> Mail:
        host = await host_name_of(self.node, reservation.host)
        what = await what_of(self.node, reservation)
        peer = await self.node.store.peers.get(reservation.host)
        location = _location(peer.document) if peer is not None else None
        lines = [
            ngettext(
                "Tomorrow you have %(what)s at %(host)s: %(num)s seat, %(when)s.",
                "Tomorrow you have %(what)s at %(host)s: %(num)s seats, %(when)s.",
                reservation.seats,
                what=what,
                host=host,
                when=_when(reservation, None),
            )
        ]
        if location:
            lines.append(_("%(host)s is at %(location)s.", host=host, location=location))
        lines.append(
            _(
                "If your plans changed, please cancel, so that someone else can have the seat: %(url)s",
                url=f"{self.node.id}/reservations",
            )
        )
        page, post = self._unsubscribe(member)
        subject = _("Tomorrow: %(what)s at %(host)s", what=what, host=host)
        # Once per reservation and start: an event that moves gets a reminder for its new date too.
        key = f"reminder:{reservation.id}:{reservation.starts_at}"
        mail = self._mail(member, reservation, subject, tuple(lines), key)
        return replace(mail, kind="reminder", unsubscribe_url=page, unsubscribe_post_url=post)

    def _mail(
        self, member: Member, reservation: HomeReservation, subject: str, lines: tuple[str, ...], key: str
    ) -> Mail:
        return Mail(
            kind="reservation",
            to=member.email,
            member_id=member.id,
            subject=subject,
            paragraphs=(_("Hello %(name)s,", name=member.display_name), *lines),
            dedupe_key=key,
        )

    def _unsubscribe(self, member: Member) -> tuple[str, str]:
        raw = self.node.keys.current.private_bytes()
        path = f"{member.id}/{signature(raw, member.id)}"
        return f"{self.node.id}/unsubscribe/{path}", f"{self.node.id}/api/v1/unsubscribe/{path}"

    async def _itip(self, reservation: HomeReservation, member: Member, host: str, method: str) -> CalendarPart:
        # Only mails with an invitation need it: an idle node need not load it.
        from icalendar import Calendar, vCalAddress

        entry = await reservation_entry(self.node, reservation, host)
        calendar = Calendar.from_ical(build_calendar(self.node.settings.node.name, [entry], now=self.node.clock.now()))
        calendar.add("method", method)
        organizer = vCalAddress(f"mailto:{self.node.mail.sender.envelope_from}")
        organizer.params["cn"] = self.node.settings.node.name
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params.update({"cn": member.display_name, "partstat": "ACCEPTED", "rsvp": "FALSE"})
        for event in calendar.walk("VEVENT"):
            event.add("organizer", organizer)
            event.add("attendee", attendee)
        return CalendarPart(method, bytes(calendar.to_ical()))


def _day(reservation: HomeReservation) -> str:
    """The day of the visit in the host's zone, the reader's way: 'Tuesday 8 December 2026'."""
    assert reservation.starts_at and reservation.timezone
    return format_long_moment(parse_iso(reservation.starts_at).astimezone(ZoneInfo(reservation.timezone)))[0]


def _when(reservation: HomeReservation, home_zone: str | None) -> str:
    """'Tuesday 8 December 2026, 09:00 to 18:00 (New York time)', and ours when it differs."""
    assert reservation.starts_at and reservation.ends_at and reservation.timezone
    text = _span(reservation.starts_at, reservation.ends_at, reservation.timezone)
    if home_zone and home_zone != reservation.timezone:
        return _(
            "%(there)s; that is %(here)s", there=text, here=_span(reservation.starts_at, reservation.ends_at, home_zone)
        )
    return text


def _span(starts: str, ends: str, zone: str) -> str:
    tz = ZoneInfo(zone)
    start, end = parse_iso(starts).astimezone(tz), parse_iso(ends).astimezone(tz)
    day, begins = format_long_moment(start)
    _day_end, ends_at = format_long_moment(end)
    return _(
        "%(day)s, %(start)s to %(end)s (%(place)s time)", day=day, start=begins, end=ends_at, place=zone_city(zone)
    )


def _moment(instant: str, zone: str) -> str:
    """'Tuesday 8 December 2026, 14:30 (London time)': an instant in our zone, the reader's way."""
    day, at = format_long_moment(parse_iso(instant).astimezone(ZoneInfo(zone)))
    return _("%(day)s, %(time)s (%(place)s time)", day=day, time=at, place=zone_city(zone))


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
        lease = mails.node.leases.job("reminders")
        self.worker = Worker("reminders", self._step, after_error=self.INTERVAL_SECONDS, lease=lease)

    def start(self) -> None:
        if self.mails.node.mail.enabled:
            self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def _step(self) -> float:
        await self.mails.send_reminders()
        return self.INTERVAL_SECONDS
