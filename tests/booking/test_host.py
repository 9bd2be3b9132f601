"""The host's pure booking rules (node/booking/host.py): seats per reservation, notice,
book-ahead window, and the cancellation deadline, without a node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from node.booking.host import cancel_deadline, check_rules
from node.booking.hosted_store import Hosted
from protocol.models import BookingRules
from protocol.problems import Problem, ProblemType

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
RULES = BookingRules(book_ahead_days=30, min_notice_hours=2, cancel_until_hours=24, max_seats_per_reservation=2)


def refused(seats: int, starts_at: datetime) -> Problem:
    with pytest.raises(Problem) as caught:
        check_rules(RULES, seats, starts_at, NOW)
    return caught.value


def test_check_rules__within_every_rule_passes() -> None:
    check_rules(RULES, 2, NOW + timedelta(hours=2), NOW)  # exactly the notice asked for
    check_rules(RULES, 1, NOW + timedelta(days=30), NOW)  # exactly the last day that opens


def test_check_rules__more_seats_than_a_reservation_may_take() -> None:
    problem = refused(3, NOW + timedelta(days=1))
    assert problem.kind is ProblemType.VALIDATION_ERROR
    assert problem.extensions["errors"] == [{"field": "seats", "message": "at most 2 seats per reservation"}]


def test_check_rules__too_little_notice_says_the_earliest_start() -> None:
    problem = refused(1, NOW + timedelta(hours=1, minutes=59))
    assert problem.kind is ProblemType.OUTSIDE_BOOKING_WINDOW
    assert problem.extensions["earliest"] == "2027-03-10T14:00:00Z"


def test_check_rules__too_far_ahead_says_the_latest_start() -> None:
    problem = refused(1, NOW + timedelta(days=30, seconds=1))
    assert problem.kind is ProblemType.OUTSIDE_BOOKING_WINDOW
    assert problem.extensions["latest"] == "2027-04-09T12:00:00Z"


def test_check_rules__seats_are_checked_before_the_window() -> None:
    assert refused(5, NOW - timedelta(days=1)).kind is ProblemType.VALIDATION_ERROR


def test_check_rules__compares_instants_not_wall_times() -> None:
    in_new_york = (NOW + timedelta(hours=3)).astimezone(ZoneInfo("America/New_York"))
    check_rules(RULES, 1, in_new_york, NOW)  # 07:00 in New York is 12:00 UTC + 3 hours


def hosted(target_kind: str, starts_at: str) -> Hosted:
    fields: dict[str, Any] = dict.fromkeys(
        ("id", "home", "member_id", "display_name", "target_id", "status", "kind", "unit", "month"), "x"
    )
    fields |= {"target_kind": target_kind, "starts_at": starts_at, "ends_at": starts_at, "seats": 1, "units": 1}
    fields |= {"period_start": None, "content_key": "k", "version": 1, "receipt": {}}
    fields |= {"created_at": starts_at, "updated_at": starts_at}
    return Hosted(**fields)


def test_cancel_deadline__a_slot_closes_cancel_until_hours_before_it_starts() -> None:
    deadline = cancel_deadline(hosted("slot", "2027-03-12T09:00:00Z"), RULES)
    assert deadline == datetime(2027, 3, 11, 9, 0, tzinfo=UTC)


def test_cancel_deadline__an_event_place_can_be_given_back_until_the_event_starts() -> None:
    deadline = cancel_deadline(hosted("event", "2027-03-12T09:00:00Z"), RULES)
    assert deadline == datetime(2027, 3, 12, 9, 0, tzinfo=UTC)


def test_cancel_deadline__no_hours_means_until_the_start() -> None:
    rules = RULES.model_copy(update={"cancel_until_hours": 0})
    assert cancel_deadline(hosted("slot", "2027-03-12T09:00:00Z"), rules) == datetime(2027, 3, 12, 9, tzinfo=UTC)
