"""The event form's choices in words: a time-zone picker of places, and repetition chosen as
"every week on Tuesday and Thursday, until 30 June" rather than typed as an RFC 5545 rule.

The form's repeat fields become the RRULE the events service takes, and a stored rule becomes
the form's fields again, or, when the form cannot express it (set through the API), a sentence
that describes it and a hidden field that keeps it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from protocol.problems import Problem, ProblemType

from .timefmt import month_label

# Areas of the zone database whose zones are places; "EST", "US/Eastern" and "Etc/GMT+5" are not offered.
_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
REPEATS = (("", "Does not repeat"), ("daily", "Every day"), ("weekly", "Every week"), ("monthly", "Every month"))


@dataclass(frozen=True)
class ZoneChoice:
    value: str  # America/New_York
    label: str  # New York (America), UTC-05:00 today


@lru_cache(maxsize=1)
def zone_choices() -> tuple[ZoneChoice, ...]:
    """Every place zone, by name, with its offset today (computed once per process)."""
    now = datetime.now(ZoneInfo("UTC"))
    choices = [ZoneChoice("UTC", "UTC (no daylight saving)")]
    for name in sorted(z for z in available_timezones() if z.split("/", 1)[0] in _AREAS and "/" in z):
        offset = now.astimezone(ZoneInfo(name)).strftime("%z")
        place, area = name.rsplit("/", 1)[-1].replace("_", " "), name.split("/", 1)[0]
        choices.append(ZoneChoice(name, f"{place} ({area}), UTC{offset[:3]}:{offset[3:]} today"))
    return tuple(choices)


def check_zone(value: str | None) -> str | None:
    """A zone from the picker; anything else is refused with a sentence (None: the space's own)."""
    if not value:
        return None
    if value not in {c.value for c in zone_choices()}:
        message = f"choose a city from the list, such as America/New_York or Europe/London (“{value}” is not one)"
        raise Problem(ProblemType.VALIDATION_ERROR, message, errors=[{"field": "timezone", "message": message}])
    return value


# -- repetition --------------------------------------------------------------------------------


def rule_from_form(fields: dict[str, str], days: list[str], zone: str) -> str | None:
    """The RRULE for the form's repeat fields (None: a single event)."""
    repeat = fields.get("repeat", "")
    if repeat == "custom":
        return fields.get("rrule") or None
    if not repeat:
        return None
    if repeat not in ("daily", "weekly", "monthly"):
        raise _refused("repeat", "choose how the event repeats from the list")
    parts = [f"FREQ={repeat.upper()}"]
    if repeat == "weekly":
        chosen = [d for d in WEEKDAYS if d in days] or [_weekday_of(fields.get("starts_at", ""))]
        parts.append("BYDAY=" + ",".join(d for d in chosen if d))
    until = fields.get("repeat_until", "")
    if until:
        parts.append("UNTIL=" + _until_utc(until, zone))
    return ";".join(p for p in parts if not p.endswith("="))


def form_of_rule(rule: str | None, zone: str = "UTC") -> dict[str, Any]:
    """The form's repeat fields for a stored rule; a rule the form cannot show stays as it is."""
    if not rule:
        return {"repeat": "", "repeat_days": [], "repeat_until": ""}
    parts = _parts(rule)
    freq = parts.get("FREQ", "")
    simple = set(parts) <= {"FREQ", "BYDAY", "UNTIL", "WKST"} and freq in ("DAILY", "WEEKLY", "MONTHLY")
    days = parts.get("BYDAY", "").split(",") if parts.get("BYDAY") else []
    if not simple or (days and (freq != "WEEKLY" or any(d not in WEEKDAYS for d in days))):
        return {"repeat": "custom", "rrule": rule, "repeat_days": [], "repeat_until": ""}
    return {"repeat": freq.lower(), "repeat_days": days, "repeat_until": _until_local(parts.get("UNTIL", ""), zone)}


def describe_rule(rule: str | None, starts_at: str | None = None, zone: str = "UTC") -> str:
    """'Every week on Tuesday and Thursday, until 30 June 2027.' for a rule ('' for none)."""
    if not rule:
        return ""
    parts = _parts(rule)
    every = _every(parts, starts_at)
    if "UNTIL" in parts:
        end = _until_local(parts["UNTIL"], zone)
        if end:
            day = date.fromisoformat(end)
            return f"{every}, until {day.day} {month_label(day)}."
    if parts.get("COUNT", "").isdigit():
        return f"{every}, {parts['COUNT']} times in all."
    return f"{every}."


def _every(parts: dict[str, str], starts_at: str | None) -> str:
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1") or 1)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "DAILY":
        return "Every day" if interval == 1 else f"Every {interval} days"
    if freq == "WEEKLY":
        names = _and([DAY_NAMES[WEEKDAYS.index(d)] for d in days if d in WEEKDAYS]) or _day_of(starts_at)
        period = "Every week" if interval == 1 else f"Every {interval} weeks"
        return f"{period} on {names}" if names else period
    if freq == "MONTHLY":
        period = "Every month" if interval == 1 else f"Every {interval} months"
        if len(days) == 1 and days[0][:-2].lstrip("+-").isdigit() and int(days[0][:-2]) in ORDINALS:
            return f"{period} on the {ORDINALS[int(days[0][:-2])]} {DAY_NAMES[WEEKDAYS.index(days[0][-2:])]}"
        if parts.get("BYMONTHDAY", "").isdigit():
            return f"{period} on day {parts['BYMONTHDAY']}"
        return f"{period} on the same date"
    if freq == "YEARLY":
        return "Every year" if interval == 1 else f"Every {interval} years"
    return "Repeats"


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    text = text[6:] if text.upper().startswith("RRULE:") else text
    return {k.upper(): v for k, _, v in (p.partition("=") for p in text.split(";") if p)}


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else (", ".join(names[:-1]) + " and " + names[-1] if names else "")


def _weekday_of(wall: str) -> str:
    try:
        return WEEKDAYS[datetime.fromisoformat(wall).weekday()]
    except ValueError:
        return ""


def _day_of(starts_at: str | None) -> str:
    try:
        return DAY_NAMES[datetime.fromisoformat(starts_at or "").weekday()]
    except ValueError:
        return ""


def _until_utc(day: str, zone: str) -> str:
    """The end of `day` in the event's zone, in UTC as RFC 5545 writes UNTIL."""
    try:
        last = datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=ZoneInfo(zone))
    except ValueError:
        raise _refused("repeat_until", "write the last day as a date, e.g. 2027-06-30") from None
    return last.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def _until_local(until: str, zone: str = "UTC") -> str:
    """UNTIL (UTC or a date) as the local date of the series' last day."""
    try:
        if len(until) == 8:
            return date(int(until[:4]), int(until[4:6]), int(until[6:8])).isoformat()
        instant = datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo("UTC"))
        local = instant.astimezone(ZoneInfo(zone))
        return (local.date() - timedelta(days=1 if local.time() == time() else 0)).isoformat()
    except ValueError:
        return ""


def _refused(field: str, message: str) -> Problem:
    return Problem(ProblemType.VALIDATION_ERROR, message, errors=[{"field": field, "message": message}])
