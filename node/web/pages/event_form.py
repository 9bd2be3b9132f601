"""The event form's choices in words: a time-zone picker of places, and repetition chosen as
"every week on Tuesday and Thursday, until 30 June" rather than typed as an RFC 5545 rule.

The form's repeat fields become the RRULE the events service takes, and a stored rule becomes
the form's fields again, or, when the form cannot express it (set through the API), a sentence
that describes it and a hidden field that keeps it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from node.http.pages.timefmt import day_names
from node.i18n import N_, _, current, ngettext, pgettext
from protocol.problems import Problem, ProblemType

if TYPE_CHECKING:
    from babel import Locale

# Areas of the zone database whose zones are places; "EST", "US/Eastern" and "Etc/GMT+5" are not offered.
_AREAS = {
    "Africa": N_("Africa"),
    "America": N_("America"),
    "Antarctica": N_("Antarctica"),
    "Arctic": N_("Arctic"),
    "Asia": N_("Asia"),
    "Atlantic": N_("Atlantic"),
    "Australia": N_("Australia"),
    "Europe": N_("Europe"),
    "Indian": N_("Indian Ocean"),
    "Pacific": N_("Pacific"),
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# "on the first Tuesday": Sunday has its own phrases, as Italian says "la prima domenica" but "il primo lunedì".
_NTH_DAY = {
    1: N_("on the first %(day)s"),
    2: N_("on the second %(day)s"),
    3: N_("on the third %(day)s"),
    4: N_("on the fourth %(day)s"),
    5: N_("on the fifth %(day)s"),
    -1: N_("on the last %(day)s"),
}
_NTH_SUNDAY = {
    1: N_("on the first Sunday"),
    2: N_("on the second Sunday"),
    3: N_("on the third Sunday"),
    4: N_("on the fourth Sunday"),
    5: N_("on the fifth Sunday"),
    -1: N_("on the last Sunday"),
}


def repeat_choices() -> list[tuple[str, str]]:
    """The form's "how often" options (a context of their own: the same words start a sentence elsewhere)."""
    return [
        ("", pgettext("repeat", "Does not repeat")),
        ("daily", pgettext("repeat", "Every day")),
        ("weekly", pgettext("repeat", "Every week")),
        ("monthly", pgettext("repeat", "Every month")),
    ]


@dataclass(frozen=True)
class ZoneChoice:
    value: str  # America/New_York
    label: str  # New York (America), UTC-05:00 today


def zone_choices() -> tuple[ZoneChoice, ...]:
    """Every place zone, by name, with its offset today, labelled in the reader's language."""
    return _zone_choices(current().language, current().locale)


@lru_cache(maxsize=8)
def _zone_choices(language: str, locale: Locale) -> tuple[ZoneChoice, ...]:
    """Computed once per language and process (the offsets are today's when first asked)."""
    now = datetime.now(ZoneInfo("UTC"))
    choices = [ZoneChoice("UTC", _("UTC (no daylight saving)"))]
    for name in sorted(z for z in available_timezones() if z.split("/", 1)[0] in _AREAS and "/" in z):
        offset = now.astimezone(ZoneInfo(name)).strftime("%z")
        area = _(_AREAS[name.split("/", 1)[0]])
        label = _(
            "%(place)s (%(area)s), UTC%(offset)s today",
            place=_place(name, locale),
            area=area,
            offset=f"{offset[:3]}:{offset[3:]}",
        )
        choices.append(ZoneChoice(name, label))
    return tuple(choices)


def _place(zone: str, locale: Locale) -> str:
    from babel.dates import get_timezone_location  # Babel waits for a first page (node/i18n.py)

    try:
        return str(get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True))
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def check_zone(value: str | None, known: Iterable[str] = ()) -> str | None:
    """A zone from the picker, or one of the `known` ones (the space's own, the event's: a valid
    IANA name that is not a place, such as Etc/UTC); anything else is refused with a sentence
    (None: the space's own)."""
    if not value:
        return None
    if value not in known and value not in {c.value for c in zone_choices()}:
        message = _(
            "choose a city from the list, such as America/New_York or Europe/London (“%(value)s” is not one)",
            value=value,
        )
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
        raise _refused("repeat", _("choose how the event repeats from the list"))
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
    until = _until_local(parts.get("UNTIL", ""), zone)
    # The form writes UNTIL as the end of a local day: any other end would move when saved.
    exact = "UNTIL" not in parts or (until != "" and _until_utc(until, zone) == parts["UNTIL"])
    if not simple or not exact or (days and (freq != "WEEKLY" or any(d not in WEEKDAYS for d in days))):
        return {"repeat": "custom", "rrule": rule, "repeat_days": [], "repeat_until": ""}
    return {"repeat": freq.lower(), "repeat_days": days, "repeat_until": until}


def describe_rule(rule: str | None, starts_at: str | None = None, zone: str = "UTC") -> str:
    """'Every week on Tuesday and Thursday, until 30 June 2027.' for a rule ('' for none)."""
    if not rule:
        return ""
    parts = _parts(rule)
    every = _every(parts, starts_at)
    if "UNTIL" in parts:
        end = _until_local(parts["UNTIL"], zone)
        if end:
            from babel.dates import format_date

            day = format_date(date.fromisoformat(end), "long", locale=current().locale)
            return _("%(every)s, until %(day)s.", every=every, day=day)
    if parts.get("COUNT", "").isdigit():
        count = int(parts["COUNT"])
        return ngettext("%(every)s, %(num)s time in all.", "%(every)s, %(num)s times in all.", count, every=every)
    return _("%(every)s.", every=every)


def _every(parts: dict[str, str], starts_at: str | None) -> str:
    from babel.lists import format_list

    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1") or 1)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "DAILY":
        return ngettext("Every day", "Every %(num)s days", interval)
    if freq == "WEEKLY":
        names = [day_names()[WEEKDAYS.index(d)] for d in days if d in WEEKDAYS] or [_day_of(starts_at)]
        period = ngettext("Every week", "Every %(num)s weeks", interval)
        listed = format_list([n for n in names if n], locale=current().locale)
        return _("%(period)s on %(days)s", period=period, days=listed) if listed else period
    if freq == "MONTHLY":
        period = ngettext("Every month", "Every %(num)s months", interval)
        nth = days[0][:-2] if len(days) == 1 else ""
        if nth.lstrip("+-").isdigit() and int(nth) in _NTH_DAY and days[0][-2:] in WEEKDAYS:
            weekday = days[0][-2:]
            on = _(_NTH_SUNDAY[int(nth)]) if weekday == "SU" else _(_NTH_DAY[int(nth)], day=_weekday(weekday))
            return _("%(period)s %(on)s", period=period, on=on)
        if parts.get("BYMONTHDAY", "").isdigit():
            return _("%(period)s on day %(day)s", period=period, day=parts["BYMONTHDAY"])
        return _("%(period)s on the same date", period=period)
    if freq == "YEARLY":
        return ngettext("Every year", "Every %(num)s years", interval)
    return _("Repeats")


def _weekday(code: str) -> str:
    """A weekday as it reads inside a sentence ("on the first Tuesday", "il primo martedì")."""
    from babel.dates import get_day_names

    names = get_day_names("wide", context="format", locale=current().locale)
    return str(names[WEEKDAYS.index(code)])


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    text = text[6:] if text.upper().startswith("RRULE:") else text
    return {k.upper(): v for k, _, v in (p.partition("=") for p in text.split(";") if p)}


def _weekday_of(wall: str) -> str:
    try:
        return WEEKDAYS[datetime.fromisoformat(wall).weekday()]
    except ValueError:
        return ""


def _day_of(starts_at: str | None) -> str:
    try:
        return _weekday(WEEKDAYS[datetime.fromisoformat(starts_at or "").weekday()])
    except ValueError:
        return ""


def _until_utc(day: str, zone: str) -> str:
    """The end of `day` in the event's zone, in UTC as RFC 5545 writes UNTIL."""
    try:
        last = datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=ZoneInfo(zone))
    except ValueError:
        raise _refused("repeat_until", _("write the last day as a date, e.g. 2027-06-30")) from None
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
