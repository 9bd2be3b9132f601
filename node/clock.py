"""Time as the node sees it. Stored instants are UTC strings that sort as they compare."""

from __future__ import annotations

from datetime import UTC, datetime

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A timezone-aware instant as the store writes it: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Clock:
    """The node's clock; tests give a node a clock that starts elsewhere in time."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    def now(self) -> datetime:
        moment = utcnow()
        if self.offset_seconds:
            from datetime import timedelta

            moment = (moment + timedelta(seconds=self.offset_seconds)).replace(microsecond=0)
        return moment
