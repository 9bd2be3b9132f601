"""Recurring events: RFC 5545 RRULE and EXDATE, expanded in the event's own zone.

A weekly meetup at 18:00 America/New_York stays at 18:00 New York time across DST changes:
the rule is expanded on local wall time (dateutil keeps the zone of DTSTART and recomputes
each occurrence's offset), and an occurrence is left out when an EXDATE names its instant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from .rule_bounds import unbounded
from .times import invalid

MAX_COUNT = 1000  # a longer series is written as an open-ended one
MAX_OCCURRENCES = 1000  # per event and listing: a bound on the work one request can cause
_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
_FREQUENCY_NAMES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}


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
    # A longer COUNT than ours would be expanded from its first occurrence on every read.
    return rule if rule._count is None or 1 <= rule._count <= MAX_COUNT else None


# Pure and bounded: the same series asked for the same window (every member's week, or a
# twin's thousand copies of one rule) is parsed once. dateutil's rules are only iterated.
@lru_cache(maxsize=4096)
def window_rule(text: str, starts_at: datetime, target: datetime) -> rrule | None:
    """`read_rule`, restarted at a period boundary on or before `target`.

    dateutil walks a rule from its DTSTART, so a daily series started in 1970 would cost
    twenty thousand steps on every read of this week. The rule's occurrences after `target`
    depend only on its phase (which days, weeks, months or years are in), so DTSTART moves
    ahead by whole intervals, and the parts dateutil takes from DTSTART (the day of the month,
    the month, the weekday) are written out. A COUNT series is kept as it is: it is short.
    The rule is parsed once, restarted or not (parsing is most of the cost of a short window).
    """
    return read_rule(*_restarted(text, starts_at, target))


def _restarted(text: str, start: datetime, target: datetime) -> tuple[str, datetime]:
    try:
        parts = dict(part.split("=", 1) for part in normalize_rule(text).split(";") if part)
        freq, interval = _FREQUENCY_NAMES[parts["FREQ"]], int(parts.get("INTERVAL", "1"))
    except (ValueError, KeyError):
        return text, start  # read_rule refuses it on its own
    if "COUNT" in parts or interval < 1 or target <= start:
        return text, start
    moved = _period_start(freq, interval, start, target.astimezone(start.tzinfo).date())
    if moved is None:
        return text, start
    if "BYMONTHDAY" not in parts and "BYDAY" not in parts:
        if freq in (MONTHLY, YEARLY):
            parts["BYMONTHDAY"] = str(start.day)
        if freq == YEARLY:
            parts.setdefault("BYMONTH", str(start.month))
        if freq == WEEKLY:
            parts["BYDAY"] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
    restarted = ";".join(f"{k}={v}" for k, v in parts.items())
    return restarted, datetime.combine(moved, start.timetz()).replace(fold=start.fold)


def _period_start(freq: int, interval: int, start: datetime, target: date) -> date | None:
    """The first day of a period of the rule, a whole number of intervals after the start's, one
    period or more before `target`; None when there is none after the start's."""
    if freq in (DAILY, WEEKLY):
        step = interval * (7 if freq == WEEKLY else 1)
        periods = (target - start.date()).days // step - 1
        return start.date() + timedelta(days=periods * step) if periods > 0 else None
    if freq == MONTHLY:
        periods = ((target.year - start.year) * 12 + target.month - start.month) // interval - 1
        month = start.month - 1 + periods * interval
        return date(start.year + month // 12, month % 12 + 1, 1) if periods > 0 else None
    periods = (target.year - start.year) // interval - 1
    return date(start.year + periods * interval, 1, 1) if periods > 0 else None


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
    found = each_occurrence(starts_at, ends_at, zone, rule_text, exdates, window_from, window_to)
    return list(islice(found, MAX_OCCURRENCES))


def each_occurrence(
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    rule_text: str | None,
    exdates: Sequence[datetime],
    window_from: datetime,
    window_to: datetime,
) -> Iterator[tuple[datetime, datetime]]:
    """`occurrences`, one at a time in order: a caller that needs the first few walks no further."""
    duration = ends_at - starts_at
    after = window_from - duration
    start = starts_at.astimezone(ZoneInfo(zone))  # expand on this zone's wall clock
    rule = window_rule(rule_text, start, after) if rule_text else None
    if rule is None:
        if starts_at < window_to and ends_at > window_from:
            yield (starts_at, ends_at)
        return
    skipped = set(exdates)
    for moment in rule.xafter(after, inc=False):
        if moment >= window_to:
            return
        if moment not in skipped:
            yield (moment, moment + duration)
