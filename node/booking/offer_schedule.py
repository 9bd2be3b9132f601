"""A standing offer's schedule, pure: which local dates it has an occurrence on, and when each
occurrence starts and ends as instants. Wall times are the space's (09:00-18:00 in New York
stays 09:00-18:00 across both DST changes; the instants move)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from node.times import fixed_offset, invalid, nearest_wall_time
from protocol.models.common import Ident

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_SPAN_DAYS = 3 * 366  # a bounded series: checking it never walks more dates than this


class OfferBody(BaseModel):
    """POST /api/v1/offers."""

    model_config = ConfigDict(extra="forbid")
    resource_id: Ident
    twin: Annotated[str, Field(min_length=1, max_length=200)]
    seats: Annotated[int, Field(ge=1, le=10_000)]
    weekdays: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    from_time: Annotated[str, Field(min_length=5, max_length=5)]
    to_time: Annotated[str, Field(min_length=5, max_length=5)]
    start_date: Annotated[str, Field(min_length=10, max_length=10)]
    end_date: Annotated[str, Field(min_length=10, max_length=10)] | None = None
    exceptions: Annotated[list[Annotated[str, Field(max_length=10)]], Field(max_length=400)] = []


class Schedule:
    """The checked schedule of an offer."""

    def __init__(
        self,
        weekdays: list[str],
        from_time: str,
        to_time: str,
        start: date,
        end: date | None,
        exceptions: set[date],
    ) -> None:
        self.weekdays = {WEEKDAYS.index(d) for d in weekdays}
        self.from_time, self.to_time = from_time, to_time
        self.start, self.end, self.exceptions = start, end, exceptions

    @classmethod
    def checked(cls, body: OfferBody, today: date) -> Schedule:
        """The body's schedule, or the validation problem naming the field that cannot be."""
        for field in ("from_time", "to_time"):
            if not _TIME.match(getattr(body, field)):
                raise invalid(field, f"a time of day is written HH:MM, such as 09:00, not {getattr(body, field)!r}")
        if body.to_time <= body.from_time:
            raise invalid("to_time", f"must be after from_time ({body.from_time}) on the same day")
        start = parse_date(body.start_date, "start_date")
        end = parse_date(body.end_date, "end_date") if body.end_date else None
        if start < today:
            raise invalid("start_date", f"{start} has already passed (it is {today} here)")
        if end is not None and end < start:
            raise invalid("end_date", f"must be on or after start_date ({start})")
        if end is not None and (end - start).days > MAX_SPAN_DAYS:
            raise invalid("end_date", f"a series spans at most {MAX_SPAN_DAYS} days; leave end_date out for no end")
        exceptions = set()
        for index, text in enumerate(body.exceptions):
            day = parse_date(text, f"exceptions.{index}")
            if day < start or (end is not None and day > end):
                raise invalid(f"exceptions.{index}", f"{day} lies outside the offer's dates ({start} to {end or '…'})")
            exceptions.add(day)
        schedule = cls(list(body.weekdays), body.from_time, body.to_time, start, end, exceptions)
        if next(schedule.days(start, end or start + timedelta(days=MAX_SPAN_DAYS)), None) is None:
            raise invalid(
                "weekdays", f"no day from {start} to {end} falls on {', '.join(body.weekdays)} (exceptions left out)"
            )
        return schedule

    def days(self, first: date, last: date) -> Iterator[date]:
        """The dates in [first, last] (and within the offer's own) that have an occurrence."""
        day = max(first, self.start)
        last = min(last, self.end) if self.end is not None else last
        while day <= last:
            if day.weekday() in self.weekdays and day not in self.exceptions:
                yield day
            day += timedelta(days=1)

    def times(self, day: date, zone: str) -> tuple[datetime, datetime]:
        """The occurrence of `day`, as instants with the offset of `zone` on that day.

        A series' times cannot carry an offset, so on the days the clocks change they are read
        as a person would set them: a time the clocks skip just after the gap, one they repeat
        the first time (refusing them refused every night offer of a zone with DST). Only an
        occurrence that lies wholly in the skipped hour is refused, naming the day."""
        tz = ZoneInfo(zone)
        starts, ends = (
            fixed_offset(nearest_wall_time(datetime.combine(day, time.fromisoformat(t)), tz))
            for t in (self.from_time, self.to_time)
        )
        if ends <= starts:
            skipped = f"{self.from_time}-{self.to_time}"
            raise invalid("exceptions", f"the clocks skip {skipped} in {zone} on {day}: add that day to them")
        return starts, ends


def parse_date(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise invalid(field, f"a date is written YYYY-MM-DD, not {text!r}") from None
    if len(text) != 10 or not 2000 <= day.year < 2200:
        raise invalid(field, f"a date is written YYYY-MM-DD, in the years 2000 to 2199, not {text!r}")
    return day
