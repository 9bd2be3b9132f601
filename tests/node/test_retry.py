"""The one retry policy (node/retry.py): backoff, Retry-After, which answers are retried."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.retry import Backoff, backoff_delay, parse_retry_after, retry_after_header, slower, worth_retrying
from protocol.problems import ProblemType

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


def highest(low: float, high: float) -> float:
    return high


def lowest(low: float, high: float) -> float:
    return low


def test_backoff_delay__doubles_per_try_up_to_the_cap() -> None:
    assert [backoff_delay(tries, 1.0, 60.0, highest) for tries in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_backoff_delay__never_below_the_base() -> None:
    assert all(backoff_delay(tries, 5.0, 3600.0, lowest) == 5.0 for tries in range(40))


def test_backoff_delay__a_huge_number_of_tries_stays_at_the_cap() -> None:
    assert backoff_delay(10**9, 1.0, 3600.0, highest) == 3600.0


def test_backoff_delay__jitter_lies_between_base_and_the_ceiling() -> None:
    delays = [Backoff(1.0, 3600.0).delay(5) for _ in range(200)]
    assert all(1.0 <= d <= 32.0 for d in delays) and len(set(delays)) > 1


def test_backoff__retry_after_longer_than_the_backoff_wins() -> None:
    assert Backoff(1.0, 3600.0, lowest).delay(0, retry_after=120.0) == 120.0


def test_backoff__retry_after_is_capped() -> None:
    assert Backoff(1.0, 60.0, lowest).delay(0, retry_after=86_400.0) == 60.0


def test_backoff__a_shorter_retry_after_does_not_shorten_the_backoff() -> None:
    assert Backoff(1.0, 60.0, highest).delay(3, retry_after=1.0) == 8.0


def test_slower__doubles_per_failure_up_to_the_cap() -> None:
    assert [slower(180.0, n, 3600.0) for n in range(6)] == [180, 360, 720, 1440, 2880, 3600]


def test_slower__an_interval_above_the_cap_is_kept() -> None:
    assert slower(7200.0, 3, 3600.0) == 7200.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Tue, 10 Mar 2026 12:01:00 GMT", 60.0),
        ("Tue, 10 Mar 2026 11:00:00 GMT", 0.0),  # a date already past: no wait of its own
        ("-5", 0.0),
    ],
)
def test_parse_retry_after__seconds_and_http_dates(value: str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "soon", "inf", "nan", "Tue, 99 Foo 2026"])
def test_parse_retry_after__unreadable_is_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_retry_after_header__whole_seconds_at_least_one() -> None:
    assert [retry_after_header(s) for s in (0.0, 0.2, 1.0, 2.5)] == ["1", "1", "1", "3"]


@pytest.mark.parametrize(
    "kind",
    [
        ProblemType.UNKNOWN_KEY,
        ProblemType.SIGNATURE_EXPIRED,
        ProblemType.REPLAY,
        ProblemType.RATE_LIMITED,
        ProblemType.PEER_UNREACHABLE,
        ProblemType.REQUEST_TIMEOUT,
    ],
)
def test_worth_retrying__answers_about_the_moment(kind: ProblemType) -> None:
    assert worth_retrying(kind.status, kind)


@pytest.mark.parametrize(
    "kind",
    [
        ProblemType.VALIDATION_ERROR,
        ProblemType.SIGNATURE_INVALID,
        ProblemType.SLOT_FULL,
        ProblemType.ALLOWANCE_EXHAUSTED,
        ProblemType.QUOTA_EXCEEDED,
        ProblemType.NOT_TWINNED,
        ProblemType.CONFLICT,
    ],
)
def test_worth_retrying__answers_about_the_request_are_final(kind: ProblemType) -> None:
    assert not worth_retrying(422 if kind.status >= 500 else kind.status, kind)


def test_worth_retrying__a_server_error_always_is() -> None:
    assert worth_retrying(500, ProblemType.VALIDATION_ERROR)
