"""Problem types turned into sentences people read on the pages (never an error page).

Members read what happened and what they can do next; the operator reads the same, plus the
service's own detail, which names fields and values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.plain import validation_lines
from protocol.problems import Problem, ProblemType

from .timefmt import moment


@dataclass(frozen=True)
class Situation:
    """What the sentence can name: the other space, the member's zone, what was asked for."""

    host: str = "the twin"
    zone: str | None = None
    target: str = "slot"  # slot | event | reservation


def member_sentence(problem: Problem, where: Situation) -> str:
    """What a member reads when a reservation or a cancellation is refused."""
    ext, host = problem.extensions, where.host
    kind = problem.kind
    if kind is ProblemType.SLOT_FULL:
        return _full(ext.get("remaining"), where.target)
    if kind is ProblemType.ALLOWANCE_EXHAUSTED:
        return (
            f"Your space's allowance at {host} is used up for this period "
            f"({_of(ext.get('used'), ext.get('amount'))}; this reservation needs {ext.get('needed', 'more')}). "
            "Try a slot in the next period, or ask your space's operator."
        )
    if kind is ProblemType.OUTSIDE_BOOKING_WINDOW:
        if ext.get("earliest"):
            return (
                f"This starts too soon: {host} needs more notice. "
                f"The earliest start you can reserve now is {moment(ext['earliest'], where.zone)}."
            )
        if ext.get("latest"):
            return (
                f"This is too far ahead: {host} takes reservations up to "
                f"{moment(ext['latest'], where.zone)}. Try again closer to the date."
            )
        return f"This can no longer be reserved: it has started or is outside {host}'s booking window."
    if kind is ProblemType.CANCELLATION_WINDOW_CLOSED:
        deadline = f" Cancellations closed {moment(ext['deadline'], where.zone)}." if ext.get("deadline") else ""
        return f"It is too late to cancel this reservation.{deadline} Your place at {host} stands."
    if kind is ProblemType.PEER_UNREACHABLE:
        return f"{host} could not be reached just now, so nothing changed. Please try again in a few minutes."
    return _MEMBER.get(kind, _generic)(problem, where)


def operator_sentence(problem: Problem, action: str) -> str:
    """What the operator reads: what failed, why in words, and the detail the service gave."""
    reason = _OPERATOR.get(problem.kind, problem.kind.default_title)
    detail = f" ({problem.detail})" if problem.detail else ""
    fields = problem.extensions.get("errors") or []
    if problem.kind is ProblemType.VALIDATION_ERROR and fields:
        return f"Could not {action}: " + "; ".join(validation_lines(fields[:5])) + "."
    return f"Could not {action}: {reason}{detail}."


def _full(remaining: Any, target: str) -> str:
    if target == "event":
        if remaining:
            return f"Only {remaining} place{'s' if remaining != 1 else ''} left at this event: ask for fewer."
        return "Sorry, this event is full: there are no places left."
    if remaining:
        return f"Only {remaining} seat{'s' if remaining != 1 else ''} left on this slot: choose fewer seats."
    return "Sorry, this slot is full: someone took the last seat. Please choose another time."


def _of(used: Any, amount: Any) -> str:
    return f"{used} of {amount} used" if used is not None and amount is not None else "nothing left"


def _generic(problem: Problem, where: Situation) -> str:
    return f"That did not work: {problem.kind.default_title.lower()}. Please try again."


_MEMBER: dict[ProblemType, Any] = {
    ProblemType.NOT_FOUND: lambda p, w: (
        f"This {w.target} is no longer offered by {w.host}; it may have been withdrawn. The calendar is up to date now."
        if w.target != "reservation"
        else "There is no such reservation among yours."
    ),
    ProblemType.NOT_TWINNED: lambda p, w: (
        f"{w.host} is not an active twin of your space at the moment (the twinning may be suspended)."
    ),
    ProblemType.CONFLICT: lambda p, w: (
        f"This cannot be done right now: {p.detail}." if p.detail else "This cannot be done right now."
    ),
    ProblemType.VALIDATION_ERROR: lambda p, w: (
        f"Please check your choice: {p.detail}." if p.detail else ("Please check your choice and try again.")
    ),
    ProblemType.RATE_LIMITED: lambda p, w: f"{w.host} is busy right now. Please wait a moment and try again.",
    ProblemType.FORBIDDEN: lambda p, w: "You are not allowed to do this from your account.",
    ProblemType.UNAUTHORIZED: lambda p, w: "Your session has ended: please sign in again.",
    ProblemType.SIGNATURE_INVALID: lambda p, w: f"{w.host} could not check your space's signature; nothing changed.",
    ProblemType.SIGNATURE_EXPIRED: lambda p, w: f"{w.host} could not be reached in time; please try again.",
    ProblemType.UNKNOWN_KEY: lambda p, w: f"{w.host} does not know your space's current key yet; try again soon.",
}

_OPERATOR: dict[ProblemType, str] = {
    ProblemType.VALIDATION_ERROR: "some of the values are not valid",
    ProblemType.NOT_FOUND: "it does not exist (any more)",
    ProblemType.CONFLICT: "it conflicts with the current state",
    ProblemType.NOT_TWINNED: "that space is not an active twin",
    ProblemType.PEER_UNREACHABLE: "the other space could not be reached; nothing changed, try again later",
    ProblemType.FORBIDDEN: "this is not allowed",
    ProblemType.RATE_LIMITED: "too many requests just now; wait a moment",
    ProblemType.SIGNATURE_INVALID: "the other space's signature did not verify",
    ProblemType.UNKNOWN_KEY: "the other space's key is not known",
}
