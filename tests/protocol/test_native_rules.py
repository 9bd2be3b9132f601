"""Node ids and instants are checked by pydantic-core's regex engine, and an event's times by
reading wall clocks; these tests hold them to the rules they replaced (kept here as the
reference), on generated text."""

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from protocol.models import parse_object
from protocol.models.common import Instant, NodeId, offset_in

from .strategies import BOUNDED, ZONES

_REFERENCE_NODE_ID = re.compile(r"https?://[A-Za-z0-9.-]+(:(?P<port>[0-9]{1,5}))?(/[A-Za-z0-9._~%/-]*)?")
_REFERENCE_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)

node_id = TypeAdapter(NodeId)
instant = TypeAdapter(Instant)


def reference_node_id(value: str) -> bool:
    found = _REFERENCE_NODE_ID.fullmatch(value)
    return bool(found) and not value.endswith("/") and int(found.group("port") or 1) <= 65535 and len(value) <= 200


def reference_instant(value: str) -> bool:
    if not _REFERENCE_RFC3339.fullmatch(value):
        return False
    try:
        moment = datetime.fromisoformat(value)
        return moment.microsecond == 0 and _EARLIEST <= moment.astimezone(UTC) < _LATEST
    except (ValueError, OverflowError):
        return False


def accepted(adapter: TypeAdapter[object], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


node_id_texts = st.one_of(
    st.text(st.sampled_from("htps:/.-a0:9%~_?#\n 6553"), max_size=30),
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
        st.sampled_from(["http", "https", "https", "ftp", "HTTP"]),
        st.from_regex(r"[A-Za-z0-9.-]{0,12}", fullmatch=True),
        st.one_of(st.just(""), st.integers(0, 700000).map(lambda p: f":{p}"), st.just(":00080"), st.just(":")),
        st.one_of(st.from_regex(r"(/[A-Za-z0-9._~%/-]{0,10})?", fullmatch=True), st.text("/?#a", max_size=4)),
    ),
)


@BOUNDED
@given(node_id_texts)
def test_node_id__native_rule_equals_reference(value: str) -> None:
    assert accepted(node_id, value) is reference_node_id(value)


digits = st.integers(0, 99).map(lambda n: f"{n:02d}")


def mostly(low: int, high: int) -> st.SearchStrategy[str]:
    """Two digits, mostly within [low, high] so that most texts are valid instants."""
    return st.one_of(st.integers(low, high).map(lambda n: f"{n:02d}"), digits)


instant_texts = st.builds(
    lambda year, month, day, hour, minute, second, fraction, offset: (
        f"{year:04d}-{month}-{day}T{hour}:{minute}:{second}{fraction}{offset}"
    ),
    st.one_of(st.integers(1970, 8999), st.integers(0, 9999), st.sampled_from([1969, 1970, 8999, 9000])),
    mostly(1, 12),
    mostly(1, 28),
    mostly(0, 23),
    mostly(0, 59),
    mostly(0, 59),
    st.sampled_from(["", ".0", ".000", ".5", ".000001"]),
    st.one_of(st.sampled_from(["Z", "+00:00", "-14:00", "+14:00", "", "+0400"]), digits.map(lambda h: f"-{h}:30")),
)


@BOUNDED
@given(instant_texts)
def test_instant__native_rule_equals_reference(value: str) -> None:
    assert accepted(instant, value) is reference_instant(value)


@pytest.mark.parametrize(
    "value", ["2025-06-10T18:00:00+01:75", "2025-06-10T18:00:00-00:60", "2025-06-10T18:00:00+24:00"]
)
def test_instant__offset_beyond_a_day_or_an_hour_of_minutes_refused(value: str) -> None:
    # The pattern lets any two digits through; the parser behind it refuses these (the standard
    # library's `fromisoformat` would read +01:75 as +02:15).
    assert not accepted(instant, value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1969-12-31T23:00:00-02:00", True), ("8999-12-31T23:00:00-02:00", False), ("1970-01-01T00:30:00+01:00", False)],
)
def test_instant__range_is_judged_in_utc(value: str, ok: bool) -> None:
    assert accepted(instant, value) is ok is reference_instant(value)


def test_instant__datetimes_from_node_code_follow_the_same_rules() -> None:
    assert accepted(instant, datetime(2025, 6, 10, 18, tzinfo=UTC))
    assert not accepted(instant, datetime(2025, 6, 10, 18))  # naive
    assert not accepted(instant, datetime(2025, 6, 10, 18, 0, 0, 5, tzinfo=UTC))  # a fraction of a second


# An event's times are checked by reading each instant in the event's zone once and comparing
# wall clocks (protocol/models/events.py); the reference is the rule as written before: the
# instants compared as such, each offset compared with the zone's offset at that instant.
def reference_times(starts: datetime, ends: datetime, zone: ZoneInfo) -> str | None:
    if ends <= starts:
        return "ends_at must be after starts_at"
    for name, moment in (("starts_at", starts), ("ends_at", ends)):
        if moment.astimezone(zone).utcoffset() != moment.utcoffset():
            return f"{name}'s offset"
    return None


def event_times_verdict(starts: str, ends: str, zone: str) -> str | None:
    raw = {"type": "Event", "origin": "https://nyc.example", "id": "ev-1", "version": 1, "title": "Breakfast"}
    try:
        parse_object(raw | {"starts_at": starts, "ends_at": ends, "timezone": zone})
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        return message.split(" is not the offset")[0]
    return None


def _written(moment: datetime, offset_minutes: int) -> str:
    """`moment` written with the given offset (the same instant)."""
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()


@cache
def _changes(zone_name: str, year: int) -> list[datetime]:
    """The instants of a year at which a zone's offset changes (to the quarter hour)."""
    zone, found = ZoneInfo(zone_name), []
    hour = datetime(year, 1, 1, tzinfo=UTC)
    while hour.year == year:
        later = hour + timedelta(hours=1)
        if hour.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            quarters = (hour + timedelta(minutes=15 * q) for q in range(1, 5))
            found.append(
                next(q for q in quarters if q.astimezone(zone).utcoffset() == later.astimezone(zone).utcoffset())
            )
        hour = later
    return found


@st.composite
def near_changes(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and an instant within three hours of one of its clock changes (or anywhere, in a
    zone without changes): gaps, repeated hours, and instants on both sides of them."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = _changes(zone_name, draw(st.integers(1971, 2040)))
    around = draw(st.sampled_from(changes)) if changes else datetime(2025, 6, 10, 12, tzinfo=UTC)
    return zone_name, around + timedelta(minutes=15 * draw(st.integers(-12, 12)))


# How an instant is written: with the zone's own offset there, that offset shifted (the offset
# of the other side of a change, or a mistake), or any offset of the wire's range.
offsets = st.one_of(
    st.sampled_from([0, 0, 60, -60, 30, -30]).map(lambda shift: ("shift", shift)),
    st.integers(-12 * 4, 14 * 4).map(lambda quarters: ("any", quarters * 15)),
)


@BOUNDED
@given(near_changes(), st.sampled_from([-90, -30, 0, 15, 30, 60, 90, 150]), offsets, offsets)
def test_event_times__wall_clock_reading_equals_reference(
    zone_and_start: tuple[str, datetime], minutes: int, start_offset: tuple[str, int], end_offset: tuple[str, int]
) -> None:
    zone_name, start = zone_and_start
    zone = ZoneInfo(zone_name)
    texts = []
    for moment, (how, offset) in ((start, start_offset), (start + timedelta(minutes=minutes), end_offset)):
        own = int(moment.astimezone(zone).utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        texts.append(_written(moment, own + offset if how == "shift" else offset))
    starts, ends = (instant.validate_python(text) for text in texts)
    assert event_times_verdict(texts[0], texts[1], zone_name) == reference_times(starts, ends, zone)
    for moment in (starts, ends):
        assert offset_in(moment, zone) is (moment.astimezone(zone).utcoffset() == moment.utcoffset())
