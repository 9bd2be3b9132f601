"""Which recurrence rules can be expanded in bounded time.

dateutil looks for a rule's next occurrence up to the year 9999. For a rule that no date
matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) that is seconds of CPU, on the event loop, on
every expansion: every member's listing, if a twin sends such an event. Rules are therefore
kept to parts whose combinations, checked here, match again within a few years; and a rule
whose dates exist but that its interval never reaches (every second year on February 29th,
from an odd year) is found by looking for its next occurrence where the search is short.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, datetime
from functools import lru_cache

from dateutil.rrule import rrule, rrulestr

ALLOWED = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTH", "BYMONTHDAY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LONGEST = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_DAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def unbounded(text: str, starts_at: datetime) -> str | None:
    """Why this rule (starting at `starts_at`, wall time) might never match again; None if it will."""
    try:
        parts = dict(part.split("=", 1) for part in text.split(";") if part)
        freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
        months = _ints(parts.get("BYMONTH")) or list(range(1, 13))
        monthdays = _ints(parts.get("BYMONTHDAY"))
        days = [_DAY.fullmatch(day) for day in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    except (ValueError, KeyError):
        return None  # not a rule dateutil reads either: the caller refuses it on its own
    if interval < 1:
        return "INTERVAL is a whole number from 1"
    unsupported = sorted(set(parts) - set(ALLOWED))
    if unsupported:
        return f"{', '.join(unsupported)} is not supported; use {', '.join(ALLOWED)}"
    if None in days or not all(1 <= m <= 12 for m in months) or not all(1 <= abs(d) <= 31 for d in monthdays):
        return "BYDAY, BYMONTH or BYMONTHDAY has a value out of range"
    ordinals = [int(day.group(1)) for day in days if day is not None and day.group(1)]
    if ordinals and (freq not in ("MONTHLY", "YEARLY") or monthdays or not all(1 <= abs(n) <= 5 for n in ordinals)):
        return "a numbered BYDAY (1TU, -1FR) goes with MONTHLY or YEARLY, from -5 to 5, and without BYMONTHDAY"
    if freq == "MONTHLY" and interval > 1:  # which months the rule can reach from its start
        months = [m for m in months if (m - starts_at.month) % 12 in {interval * n % 12 for n in range(12)}]
    if not monthdays and not days and freq in ("MONTHLY", "YEARLY"):
        monthdays = [starts_at.day]  # dateutil repeats the start's day of the month
    if not months or (monthdays and not any(abs(d) <= LONGEST[m] for m in months for d in monthdays)):
        return "no date matches BYMONTH and BYMONTHDAY (or the start's day of the month) together"
    weekdays = {WEEKDAYS.index(day.group(2)) for day in days if day is not None}
    if freq == "DAILY" and interval % 7 == 0 and weekdays and starts_at.weekday() not in weekdays:
        return f"every {interval} days from a {WEEKDAYS[starts_at.weekday()]} never falls on BYDAY"
    return None


# A series with no occurrence this long after a point is not expanded from there (walking a daily
# rule's gap costs about 0.3 ms a year; a Friday the 13th of February comes back within 11).
SPARSE_YEARS = 12
CALENDAR_YEARS = 400  # the Gregorian calendar repeats: same dates, same weekdays


@lru_cache(maxsize=4096)
def too_sparse(text: str, start: datetime) -> bool:
    """Whether the rule has no occurrence within SPARSE_YEARS after `start` (wall time).

    dateutil would look up to the year 9999: for a rule that skips every leap year, thousands of
    periods (70 ms), on every listing. The calendar repeats every 400 years, so the rule is asked
    from the same day 400·k years later instead, where 9999 is at most 412 years ahead: a few
    milliseconds at worst. COUNT and UNTIL are left out: the question is how far apart its
    occurrences are, not when it ends."""
    parts = [part for part in text.split(";") if part and not part.startswith(("COUNT=", "UNTIL="))]
    naive = start.replace(tzinfo=None, fold=0)
    shift = max(0, (MAXYEAR - SPARSE_YEARS - naive.year) // CALENDAR_YEARS) * CALENDAR_YEARS
    try:
        probe = naive.replace(year=naive.year + shift)
        rule = rrulestr(";".join(parts), dtstart=probe)
        if not isinstance(rule, rrule):
            return False  # not a rule we expand (read_rule refuses it on its own)
        following = rule.after(probe)  # the start itself may be one: the question is the next
    except (ValueError, TypeError, OverflowError):
        return False  # read_rule refuses it on its own
    return following is None or following.year - probe.year > SPARSE_YEARS


def _ints(value: str | None) -> list[int]:
    return [int(part) for part in value.split(",")] if value else []
