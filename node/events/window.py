"""Which occurrences a listing shows: as many as it returns, shared fairly between origins.

A twin may hold a hundred thousand events in the window a member asks for, or a series that
began in 1970. A listing therefore costs what it returns: each series is walked from the
window on and only as far as the answer needs (while it comes before the earliest found so far);
when more match than a listing holds, every origin gets an equal share of what it does hold,
and an origin that needs less leaves the rest to the others, so one twin cannot crowd out
this space's own events and the other twins'. Expanding is pure CPU: it yields to the event
loop every few events, so members' other requests keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from protocol.models import Event

from . import recurrence

YIELD_EVERY = 50  # series walked between two turns of the event loop


@dataclass(frozen=True, order=True)
class Occurrence:
    """One occurrence of an event in the window, ordered by start, origin and id."""

    begins: datetime
    origin: str
    id: str
    ends: datetime = field(compare=False)
    event: Event = field(compare=False)


async def events_of(envelopes: Sequence[str]) -> list[Event]:
    """The events of these stored envelopes (JSON text), read a few at a time between turns
    of the event loop."""
    events = []
    for index, text in enumerate(envelopes):
        events.append(Event.model_validate(json.loads(text)["object"]))
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
    return events


def shares(counts: Mapping[str, int], limit: int) -> dict[str, int]:
    """How many of each origin's items a listing of `limit` holds: an equal share each, and
    what an origin does not need is shared among the others (water filling)."""
    given: dict[str, int] = {}
    left = limit
    by_need = sorted(counts, key=lambda origin: (counts[origin], origin))
    for position, origin in enumerate(by_need):
        given[origin] = min(counts[origin], left // (len(by_need) - position))
        left -= given[origin]
    return given


async def earliest(
    events: Sequence[Event],
    window_from: datetime,
    window_to: datetime,
    limit: int,
    series_ends: Mapping[tuple[str, str], datetime] | None = None,
) -> list[Occurrence]:
    """The first `limit` occurrences of these events in [window_from, window_to), by start.
    `series_ends`: when each series' last occurrence ends, as indexed.

    Each series is walked in turn, only while its occurrences come before the last of the
    earliest `limit` found so far, and dropped before the next: a walk holds dateutil's state
    for a year (about 3 kB), and merging all series at once held it for each of a twin's 2,000
    series from 1970 (8 MB per listing, while the week page and the app read it together)."""
    found: list[Occurrence] = []  # the earliest so far, in order (equal ones in event order, as a merge)
    if limit <= 0:
        return found
    for index, event in enumerate(events):
        for occurrence in _stream(event, window_from, window_to, (series_ends or {}).get((event.origin, event.id))):
            if len(found) == limit and not occurrence < found[-1]:
                break  # this series' later ones come later still
            bisect.insort_right(found, occurrence)
            if len(found) > limit:
                found.pop()
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
    return found


def fair(per_origin: Mapping[str, list[Occurrence]], limit: int) -> tuple[list[Occurrence], bool]:
    """At most `limit` occurrences, each origin's earliest within its share; and whether any
    were left out."""
    allowed = shares({origin: len(found) for origin, found in per_origin.items()}, limit)
    shares_kept = [found[: allowed[origin]] for origin, found in per_origin.items()]
    kept = list(heapq.merge(*shares_kept, key=_order))  # each origin's are in order already
    return kept, sum(len(found) for found in per_origin.values()) > len(kept)


def fair_bytes(per_origin: Mapping[str, Sequence[int]], budget: int) -> dict[str, int]:
    """How many of each origin's items (by their sizes in bytes, in listing order) fit in
    `budget` bytes: an equal share of the bytes each, and what an origin does not need is
    shared among the others, as `shares` does for counts."""
    given: dict[str, int] = {}
    left = budget
    by_need = sorted(per_origin, key=lambda origin: (sum(per_origin[origin]), origin))
    for position, origin in enumerate(by_need):
        share, used, count = left // (len(by_need) - position), 0, 0
        for size in per_origin[origin]:
            if used + size > share:
                break
            used, count = used + size, count + 1
        given[origin] = count
        left -= used
    return given


def _order(occurrence: Occurrence) -> tuple[datetime, str, str]:
    return occurrence.begins, occurrence.origin, occurrence.id


def _stream(
    event: Event, window_from: datetime, window_to: datetime, series_end: datetime | None
) -> Iterator[Occurrence]:
    found = recurrence.each_occurrence(
        event.starts_at, event.ends_at, event.timezone, event.rrule, event.exdates, window_from, window_to, series_end
    )
    for begins, ends in found:
        yield Occurrence(begins, event.origin, event.id, ends, event)
