"""Time as the node sees it. Stored instants are UTC strings that sort as they compare.

Everything about the space's business (events, slots, reservations, passes, mail, delivery
schedules) reads the node's injected `Clock`, so a test can give a node a clock that starts
elsewhere in time. `utcnow()` is the real time, kept for the expiry of tokens and web
sessions alone: moving a node's business clock days ahead must not sign its people out.
Wall times and zones are node/times.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A timezone-aware instant as the store writes it: UTC, whole seconds, `Z` (ISO_FORMAT).

    Cut from `isoformat`'s text (always `YYYY-MM-DDTHH:MM:SS` first, then any fraction and the
    offset), which gives the same text as `strftime(ISO_FORMAT)` for every year from 1000 on in
    a third of the time: the inbox writes two per object it stores."""
    return moment.astimezone(UTC).isoformat()[:19] + "Z"


def parse_iso(text: str) -> datetime:
    """An RFC 3339 instant as stored or signed (always with an offset or `Z`)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Clock:
    """The node's clock; tests give a node a clock that starts elsewhere in time."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    def now(self) -> datetime:
        moment = utcnow()
        if self.offset_seconds:
            moment = (moment + timedelta(seconds=self.offset_seconds)).replace(microsecond=0)
        return moment
