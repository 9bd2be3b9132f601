"""One retry policy for everything the node sends again: twins' inboxes and feeds, hosts'
reservation desks, the mail server, fediverse inboxes.

A failed attempt waits a capped exponential backoff with full jitter (a random delay between
`base` and `min(cap, base * 2**tries)`, so that many senders that failed together do not come
back together), and never less than the peer asked for with `Retry-After` (up to the cap).
Whether an answer is worth asking again is a property of its problem type
(`ProblemType.retryable`, PROTOCOL.md section 11); a server error (5xx) always is.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from protocol.problems import ProblemType

Uniform = Callable[[float, float], float]


def backoff_delay(tries: int, base: float, cap: float, rng: Uniform) -> float:
    """Full jitter between `base` and min(cap, base * 2**tries) seconds."""
    upper = min(cap, base * 2 ** min(tries, 32))
    return rng(base, max(base, upper))


@dataclass(frozen=True)
class Backoff:
    """The delays of one kind of sending: from `base` seconds up to `cap`."""

    base: float
    cap: float
    rng: Uniform = field(default_factory=lambda: random.Random().uniform)

    def delay(self, tries: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the failure of attempt number `tries + 1`."""
        delay = backoff_delay(tries, self.base, self.cap, self.rng)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay


def slower(interval: float, failures: int, cap: float) -> float:
    """A periodic read that keeps failing is done less and less often: the interval doubled per
    failure, up to `cap` (never below the interval itself)."""
    return min(interval * 2 ** min(failures, 16), max(cap, interval))


def worth_retrying(status: int, kind: ProblemType) -> bool:
    """Whether an answer with this status and problem type may pass if asked again unchanged."""
    return status >= 500 or kind.retryable


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks to wait: delta-seconds or an HTTP-date (RFC 9110,
    10.2.3); None when absent or unreadable (then the backoff alone decides)."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def retry_after_header(seconds: float) -> str:
    """The `Retry-After` value we send: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))
