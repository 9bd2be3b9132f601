"""The project's vocabulary as people read it, in their language: resource kinds, statuses,
units and periods. Pages, calendars and mails say these words through here, never by turning
an identifier such as `meeting_room` into text."""

from __future__ import annotations

from typing import Literal

from node.i18n import N_, _, ngettext, pgettext

_KINDS = {
    "desk": N_("Desk"),
    "meeting_room": N_("Meeting room"),
    "phone_booth": N_("Phone booth"),
    "event_space": N_("Event space"),
}


def resource_kind(kind: str | None) -> str:
    """ "Meeting room"; an unknown kind is shown as it is written."""
    return _(_KINDS[kind]) if kind in _KINDS else (kind or "").replace("_", " ").capitalize()


Of = Literal["event", "reservation", "twinning", "slot", "delivery", "mail", "attendance"]


def status_word(status: str | None, of: Of) -> str:
    """ "moved online", "confermata": the status of an `of` as a word (its gender follows `of`)."""
    words = _STATUS_WORDS[of]()
    return words.get(status or "", (status or "").replace("_", " "))


def _event_statuses() -> dict[str, str]:
    return {
        "scheduled": pgettext("event", "scheduled"),
        "postponed": pgettext("event", "postponed"),
        "cancelled": pgettext("event", "cancelled"),
        "moved_online": pgettext("event", "moved online"),
    }


def _reservation_statuses() -> dict[str, str]:
    return {
        "confirmed": pgettext("reservation", "confirmed"),
        "pending": pgettext("reservation", "pending"),
        "rejected": pgettext("reservation", "rejected"),
        "cancelled": pgettext("reservation", "cancelled"),
        "failed": pgettext("reservation", "failed"),
        "waiting": pgettext("reservation", "on the waitlist"),
        "offered": pgettext("reservation", "seat offered"),
        "lapsed": pgettext("reservation", "offer lapsed"),
    }


def _twinning_statuses() -> dict[str, str]:
    return {
        "proposed": pgettext("twinning", "proposed"),
        "pending": pgettext("twinning", "pending"),
        "active": pgettext("twinning", "active"),
        "suspended": pgettext("twinning", "suspended"),
        "ended": pgettext("twinning", "ended"),
        "declined": pgettext("twinning", "declined"),
    }


def _slot_statuses() -> dict[str, str]:
    return {"open": pgettext("slot", "open"), "withdrawn": pgettext("slot", "withdrawn")}


def _delivery_statuses() -> dict[str, str]:
    return {
        "ok": pgettext("delivery", "ok"),
        "late": pgettext("delivery", "late"),
        "failing": pgettext("delivery", "failing"),
    }


def _mail_statuses() -> dict[str, str]:
    return {
        "pending": pgettext("mail", "waiting"),
        "sent": pgettext("mail", "sent"),
        "failed": pgettext("mail", "refused"),
    }


def _attendance_statuses() -> dict[str, str]:
    return {
        "expected": pgettext("attendance", "expected"),
        "checked_in": pgettext("attendance", "checked in"),
        "no_show": pgettext("attendance", "no-show"),
    }


_STATUS_WORDS = {
    "attendance": _attendance_statuses,
    "event": _event_statuses,
    "reservation": _reservation_statuses,
    "twinning": _twinning_statuses,
    "slot": _slot_statuses,
    "delivery": _delivery_statuses,
    "mail": _mail_statuses,
}


def units(amount: int, unit: str) -> str:
    """ "3 days", "1 ora", "2 horas": an amount of desk-days or room-hours."""
    if unit == "day":
        return ngettext("%(num)s day", "%(num)s days", amount)
    if unit == "hour":
        return ngettext("%(num)s hour", "%(num)s hours", amount)
    return f"{amount} {unit}"


def unit_name(unit: str) -> str:
    """ "days", "ore": what a count of a unit is counted in."""
    return {"day": _("days"), "hour": _("hours")}.get(unit, unit)


def per_period(period: str) -> str:
    """ "a month", "a week": how often an allowance starts again."""
    return {"month": _("a month"), "week": _("a week")}.get(period, period)
