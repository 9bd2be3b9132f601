"""When a re-hosted event takes place here. By default at the same local wall time on the same
date as at its origin (a New York breakfast at 08:30 is a London breakfast at 08:30, not a
13:30 meeting); `same_moment` keeps the original instant instead; times the operator gives
win over both. The copy lasts as long as the original (real elapsed time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from node.times import nearest_wall_time, parse_local


def same_wall_time(moment: datetime, origin_zone: str, here: ZoneInfo) -> datetime:
    """The instant here that shows the wall time `moment` showed at the origin (a wall time the
    clocks skip here is taken just after the gap; one that happens twice, the first time)."""
    return nearest_wall_time(moment.astimezone(ZoneInfo(origin_zone)).replace(tzinfo=None), here)


def rehost_times(
    first: tuple[datetime, datetime],
    origin_zone: str,
    here: ZoneInfo,
    starts_at: str | None,
    ends_at: str | None,
    same_moment: bool,
) -> tuple[datetime, datetime]:
    """(start, end) of the copy, in `here`."""
    first_start, first_end = first
    if starts_at:
        start = parse_local(starts_at, here, "starts_at")
    elif same_moment:
        start = first_start.astimezone(here)
    else:
        start = same_wall_time(first_start, origin_zone, here)
    end = parse_local(ends_at, here, "ends_at") if ends_at else start.astimezone(UTC) + (first_end - first_start)
    return start.astimezone(here), end.astimezone(here)
