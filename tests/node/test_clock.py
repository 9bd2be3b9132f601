"""Instants as the store writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from node.clock import ISO_FORMAT, iso, parse_iso

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30), timezones=offsets)


@given(moments)
def test_iso__is_the_utc_text_of_iso_format(moment: datetime) -> None:
    assert iso(moment) == moment.astimezone(UTC).strftime(ISO_FORMAT)
    assert parse_iso(iso(moment)) == moment.replace(microsecond=0)
