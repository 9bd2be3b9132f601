"""Recurring events: RFC 5545 RRULE and EXDATE, expanded in the event's own zone.

A weekly meetup at 18:00 America/New_York stays at 18:00 New York time across DST changes:
the rule is expanded on local wall time (dateutil keeps the zone of DTSTART and recomputes
each occurrence's offset), and an occurrence is left out when an EXDATE names its instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from .rule_bounds import unbounded
from .times import invalid

MAX_COUNT = 1000  # a longer series is written as an open-ended one
MAX_OCCURRENCES = 1000  # per event and listing: a bound on the work one request can cause
_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}


def normalize_rule(text: str) -> str:
    """The RECUR value without an 'RRULE:' prefix."""
    text = text.strip()
    return text[len("RRULE:") :] if text.upper().startswith("RRULE:") else text


def parse_rule(text: str, starts_at: datetime, field: str = "rrule") -> rrule:
    """Validate an RRULE against its first occurrence; a validation error names `field`."""
    if not text.startswith("FREQ="):
        invalid(field, "write the rule as an RFC 5545 RECUR value starting with FREQ=, e.g. FREQ=WEEKLY;BYDAY=TU")
    try:
        rule = rrulestr(text, dtstart=starts_at)
    except (ValueError, TypeError) as exc:
        invalid(field, f"not a valid RFC 5545 rule: {exc}")
    if not isinstance(rule, rrule) or rule._freq not in _FREQUENCIES:
        invalid(field, "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if rule._count is not None and not 1 <= rule._count <= MAX_COUNT:
        invalid(field, f"COUNT must be from 1 to {MAX_COUNT}; leave it out for a series without end")
    reason = unbounded(text, starts_at)
    if reason:
        invalid(field, reason)
    first = rule.after(starts_at, inc=True)
    if first != starts_at:
        invalid(field, "starts_at must be the series' first occurrence (e.g. BYDAY must include its weekday)")
    return rule


def read_rule(text: str, starts_at: datetime) -> rrule | None:
    """A stored rule, read leniently (a twin's may be any RFC 5545 rule): None when it cannot be
    expanded safely, and the event is then shown as its first occurrence alone."""
    try:
        rule = rrulestr(text, dtstart=starts_at)
    except (ValueError, TypeError):
        return None
    # Finer than daily, expanding from a start long past would take millions of steps; a rule
    # that might match nothing for millennia, or never (COUNT=0), is not expanded either.
    if not isinstance(rule, rrule) or rule._freq not in _FREQUENCIES or unbounded(text, starts_at):
        return None
    return rule if rule._count is None or rule._count >= 1 else None


def check_exdates(rule: rrule | None, exdates: Sequence[datetime], field: str = "exdates") -> None:
    """Every EXDATE must be an occurrence of the rule."""
    if not exdates:
        return
    if rule is None:
        invalid(field, "exceptions need an rrule")
    for index, moment in enumerate(exdates):
        if rule.after(moment, inc=True) != moment:
            invalid(f"{field}.{index}", f"{moment.isoformat()} is not an occurrence of the series")


def last_end(rule: rrule, duration: timedelta) -> datetime | None:
    """When the series' last occurrence ends (an upper bound for UNTIL); None if it never ends
    (or has more occurrences than are worth counting)."""
    if rule._count is not None and rule._count <= MAX_COUNT:
        last = list(rule)[-1]
        return last + duration
    if rule._until is not None:
        return rule._until + duration
    return None


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    rule_text: str | None,
    exdates: Sequence[datetime],
    window_from: datetime,
    window_to: datetime,
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of each occurrence that overlaps [window_from, window_to), in `zone`."""
    duration = ends_at - starts_at
    start = starts_at.astimezone(ZoneInfo(zone))  # expand on this zone's wall clock
    rule = read_rule(rule_text, start) if rule_text else None
    if rule is None:
        return [(starts_at, ends_at)] if starts_at < window_to and ends_at > window_from else []
    skipped = set(exdates)
    found: list[tuple[datetime, datetime]] = []
    for moment in rule.xafter(window_from - duration, inc=False):
        if moment >= window_to or len(found) >= MAX_OCCURRENCES:
            break
        if moment not in skipped:
            found.append((moment, moment + duration))
    return found
