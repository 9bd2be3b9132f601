"""Recurring events: RFC 5545 RRULE and EXDATE, expanded in the event's own zone.

A weekly meetup at 18:00 America/New_York stays at 18:00 New York time across DST changes:
the rule is expanded on local wall time (dateutil keeps the zone of DTSTART and recomputes
each occurrence's offset), and an occurrence is left out when an EXDATE names its instant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from node.times import invalid
from protocol.models.common import LATEST_YEAR

from .rule_bounds import SPARSE_YEARS, too_sparse, unbounded

MAX_COUNT = 1000  # a longer series is written as an open-ended one
MAX_OCCURRENCES = 1000  # per event and listing: a bound on the work one request can cause
MAX_WALK = 5000  # periods of its frequency a COUNT series is followed from its start (daily: 13 years)
_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
_PERIOD_DAYS = {DAILY: 1, WEEKLY: 7, MONTHLY: 31, YEARLY: 366}
_FREQUENCY_NAMES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}


def normalize_rule(text: str) -> str:
    """The RECUR value without an 'RRULE:' prefix."""
    text = text.strip()
    return text[len("RRULE:") :] if text.upper().startswith("RRULE:") else text


def parse_rule(text: str, starts_at: datetime, field: str = "rrule") -> rrule:
    """Validate an RRULE against its first occurrence; a validation error names `field`."""
    if not text.startswith("FREQ="):
        raise invalid(field, "write the rule as an RFC 5545 RECUR value starting with FREQ=, e.g. FREQ=WEEKLY;BYDAY=TU")
    try:
        rule = rrulestr(text, dtstart=starts_at)
    except (ValueError, TypeError) as exc:
        raise invalid(field, f"not a valid RFC 5545 rule: {exc}") from exc
    if not isinstance(rule, rrule) or rule._freq not in _FREQUENCIES:
        raise invalid(field, "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if rule._count is not None and not 1 <= rule._count <= MAX_COUNT:
        raise invalid(field, f"COUNT must be from 1 to {MAX_COUNT}; leave it out for a series without end")
    reason = unbounded(text, starts_at)
    if reason:
        raise invalid(field, reason)
    if too_sparse(text, starts_at):
        raise invalid(field, f"the series must repeat at least once every {SPARSE_YEARS} years")
    first = rule.after(starts_at, inc=True)
    if first != starts_at:
        raise invalid(field, "starts_at must be the series' first occurrence (e.g. BYDAY must include its weekday)")
    return rule


@lru_cache(maxsize=4096)  # pure: indexing a series reads its rule two or three times
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
    # A longer COUNT than ours would be expanded from its first occurrence on every read; COUNT
    # and UNTIL together are not RFC 5545 (and end the series twice).
    if rule._count is not None and (rule._until is not None or not 1 <= rule._count <= MAX_COUNT):
        return None
    return rule


@lru_cache(maxsize=4096)
def last_occurrence(text: str, starts_at: datetime) -> datetime | None:
    """The last occurrence of a COUNT series (None for any other rule), followed no further
    than MAX_WALK periods of its frequency from its start: a rule that matches rarely (the 29th
    of February alone) would otherwise be walked for thousands of years. A series is cut there.
    """
    rule = read_rule(text, starts_at)
    if rule is None or rule._count is None:
        return None
    room = (datetime(LATEST_YEAR, 1, 1, tzinfo=starts_at.tzinfo) - starts_at).days
    limit = starts_at + timedelta(days=max(0, min(_PERIOD_DAYS[rule._freq] * rule._interval * MAX_WALK, room)))
    last = None
    try:
        for moment in rule:
            if moment > limit:
                break
            last = moment
    except (ValueError, OverflowError):  # dateutil past the year 9999
        pass
    return last


def series_end(text: str, starts_at: datetime, duration: timedelta) -> datetime | None:
    """When the series' last occurrence ends (an upper bound for UNTIL); None if it never ends."""
    rule = read_rule(text, starts_at)
    if rule is not None and rule._count is not None:
        return (last_occurrence(text, starts_at) or starts_at) + duration
    if rule is not None and rule._until is not None:
        return rule._until + duration
    return None


# Pure and bounded: the same series asked for the same window (every member's week, or a
# twin's thousand copies of one rule) is parsed once. dateutil's rules are only iterated.
@lru_cache(maxsize=4096)
def window_rule(text: str, starts_at: datetime, target: datetime, last: datetime | None = None) -> rrule | None:
    """`read_rule`, restarted at a period boundary on or before `target`.

    dateutil walks a rule from its DTSTART, so a daily series started in 1970 would cost
    twenty thousand steps on every read of this week. The rule's occurrences after `target`
    depend only on its phase (which days, weeks, months or years are in), so DTSTART moves
    ahead by whole intervals, and the parts dateutil takes from DTSTART (the day of the month,
    the month, the weekday) are written out. A COUNT series is kept as it is: it is short.
    A COUNT series becomes the same series until its last occurrence (`last`, as stored when
    it was indexed, or found again), which restarts like any other.
    The rule is parsed once, restarted or not (parsing is most of the cost of a short window).
    """
    restarted = _restarted(text, starts_at, target, last)
    # A series whose next occurrence is decades away (or never) is shown once, not walked to 9999.
    return None if too_sparse(normalize_rule(restarted[0]), restarted[1]) else read_rule(*restarted)


def _restarted(text: str, start: datetime, target: datetime, last: datetime | None) -> tuple[str, datetime]:
    try:
        parts = dict(part.split("=", 1) for part in normalize_rule(text).split(";") if part)
        freq, interval = _FREQUENCY_NAMES[parts["FREQ"]], int(parts.get("INTERVAL", "1"))
    except (ValueError, KeyError):
        return text, start  # read_rule refuses it on its own
    if interval < 1 or target <= start:
        return text, start
    if "COUNT" in parts:
        last = last or last_occurrence(text, start)
        if last is None:
            return text, start
        del parts["COUNT"]
        parts["UNTIL"] = last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
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
        raise invalid(field, "exceptions need an rrule")
    for index, moment in enumerate(exdates):
        if rule.after(moment, inc=True) != moment:
            raise invalid(f"{field}.{index}", f"{moment.isoformat()} is not an occurrence of the series")


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
    series_end: datetime | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """`occurrences`, one at a time in order: a caller that needs the first few walks no further.
    `series_end`: the end of the series' last occurrence, as indexed (saves finding it again)."""
    duration = ends_at - starts_at
    after = window_from - duration
    start = starts_at.astimezone(ZoneInfo(zone))  # expand on this zone's wall clock
    last = series_end - duration if series_end is not None else None
    rule = window_rule(rule_text, start, after, last) if rule_text else None
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
