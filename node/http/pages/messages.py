"""Problem types turned into sentences people read on the pages (never an error page), in the
reader's language.

Members read what happened and what they can do next; the operator reads the same, plus the
service's own detail, which names fields and values. That detail is the service's English: a
member reads it only when the page is in English, the operator always (it names what to fix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.i18n import N_, _, current, ngettext
from node.plain import validation_lines
from protocol.problems import Problem, ProblemType

from .timefmt import moment, number


@dataclass(frozen=True)
class Situation:
    """What the sentence can name: the other space, the member's zone, what was asked for."""

    host: str | None = None  # the other space's name; "the twin" when not known
    zone: str | None = None
    target: str = "slot"  # slot | event | reservation


def member_sentence(problem: Problem, where: Situation) -> str:
    """What a member reads when a reservation or a cancellation is refused."""
    ext, host = problem.extensions, where.host or _("the twin")
    kind = problem.kind
    if kind is ProblemType.SLOT_FULL:
        return _full(ext.get("remaining"), where.target)
    if kind is ProblemType.ALLOWANCE_EXHAUSTED:
        return _allowance(ext, host)
    if kind is ProblemType.OUTSIDE_BOOKING_WINDOW:
        return _window(ext, host, where.zone)
    if kind is ProblemType.CANCELLATION_WINDOW_CLOSED:
        if ext.get("deadline"):
            return _(
                "It is too late to cancel this reservation. Cancellations closed %(deadline)s. "
                "Your place at %(host)s stands.",
                deadline=moment(ext["deadline"], where.zone),
                host=host,
            )
        return _("It is too late to cancel this reservation. Your place at %(host)s stands.", host=host)
    if kind is ProblemType.OFFER_EXPIRED:
        return _(
            "The seat %(host)s held for you is no longer held: the time to confirm it has passed, so it went to "
            "the next in line.",
            host=host,
        )
    if kind is ProblemType.PEER_UNREACHABLE:
        return _(
            "%(host)s could not be reached just now, so nothing changed. Please try again in a few minutes.", host=host
        )
    return _MEMBER.get(kind, _generic)(problem, where, host)


def operator_sentence(problem: Problem, action: str) -> str:
    """What the operator reads: what failed (`action`, a translated phrase such as "publish the
    event"), why in words, and the detail the service gave."""
    reason = _(_OPERATOR[problem.kind]) if problem.kind in _OPERATOR else _title(problem)
    detail = problem.detail or ""
    fields = problem.extensions.get("errors") or []
    if problem.kind is ProblemType.VALIDATION_ERROR and fields:
        return _("Could not %(action)s: %(problems)s.", action=action, problems="; ".join(validation_lines(fields[:5])))
    if detail:
        return _("Could not %(action)s: %(reason)s (%(detail)s).", action=action, reason=reason, detail=detail)
    return _("Could not %(action)s: %(reason)s.", action=action, reason=reason)


def _full(remaining: Any, target: str) -> str:
    if target == "event":
        if remaining:
            return ngettext(
                "Only %(num)s place left at this event: ask for fewer.",
                "Only %(num)s places left at this event: ask for fewer.",
                int(remaining),
            )
        return _("Sorry, this event is full: there are no places left.")
    if remaining:
        return ngettext(
            "Only %(num)s seat left on this slot: choose fewer seats.",
            "Only %(num)s seats left on this slot: choose fewer seats.",
            int(remaining),
        )
    return _("Sorry, this slot is full: someone took the last seat. Please choose another time.")


def _allowance(ext: dict[str, Any], host: str) -> str:
    used, amount, needed = ext.get("used"), ext.get("amount"), ext.get("needed")
    if used is not None and amount is not None and needed is not None:
        return _(
            "Your space's allowance at %(host)s is used up for this period (%(used)s of %(amount)s used; "
            "this reservation needs %(needed)s). Try a slot in the next period, or ask your space's operator.",
            host=host,
            used=number(used),
            amount=number(amount),
            needed=number(needed),
        )
    return _(
        "Your space's allowance at %(host)s is used up for this period. "
        "Try a slot in the next period, or ask your space's operator.",
        host=host,
    )


def _window(ext: dict[str, Any], host: str, zone: str | None) -> str:
    if ext.get("earliest"):
        return _(
            "This starts too soon: %(host)s needs more notice. The earliest start you can reserve now is %(earliest)s.",
            host=host,
            earliest=moment(ext["earliest"], zone),
        )
    if ext.get("latest"):
        return _(
            "This is too far ahead: %(host)s takes reservations up to %(latest)s. Try again closer to the date.",
            host=host,
            latest=moment(ext["latest"], zone),
        )
    return _("This can no longer be reserved: it has started or is outside %(host)s's booking window.", host=host)


def _title(problem: Problem) -> str:
    """The problem type's title in the reader's words (the wire's titles are English and stay so)."""
    return _(TITLES.get(problem.kind, problem.kind.default_title))


def _english_detail(problem: Problem) -> str | None:
    """The service's detail, shown to a member only when the page is in English (it is English)."""
    return problem.detail if problem.detail and current().language == "en" else None


def _generic(problem: Problem, where: Situation, host: str) -> str:
    return _("That did not work: %(reason)s. Please try again.", reason=_title(problem).lower())


def _not_found(problem: Problem, where: Situation, host: str) -> str:
    if where.target == "reservation":
        return _("There is no such reservation among yours.")
    if where.target == "event":
        return _(
            "This event is no longer offered by %(host)s; it may have been withdrawn. The calendar is up to date now.",
            host=host,
        )
    return _(
        "This slot is no longer offered by %(host)s; it may have been withdrawn. The calendar is up to date now.",
        host=host,
    )


def _conflict(problem: Problem, where: Situation, host: str) -> str:
    detail = _english_detail(problem)
    return (
        _("This cannot be done right now: %(detail)s.", detail=detail)
        if detail
        else _("This cannot be done right now.")
    )


def _invalid(problem: Problem, where: Situation, host: str) -> str:
    fields = problem.extensions.get("errors") or []
    if fields:  # the fields in words (a host's refusal names them; its own sentence is the host's)
        return _("Please check your choice: %(detail)s.", detail="; ".join(validation_lines(fields[:5])))
    detail = _english_detail(problem)
    if detail:
        return _("Please check your choice: %(detail)s.", detail=detail)
    return _("Please check your choice and try again.")


Sentence = Callable[[Problem, Situation, str], str]
_MEMBER: dict[ProblemType, Sentence] = {
    ProblemType.NOT_FOUND: _not_found,
    ProblemType.NOT_TWINNED: lambda p, w, host: _(
        "%(host)s is not an active twin of your space at the moment (the twinning may be suspended).", host=host
    ),
    ProblemType.CONFLICT: _conflict,
    ProblemType.VALIDATION_ERROR: _invalid,
    ProblemType.RATE_LIMITED: lambda p, w, host: _(
        "%(host)s is busy right now. Please wait a moment and try again.", host=host
    ),
    ProblemType.FORBIDDEN: lambda p, w, host: _("You are not allowed to do this from your account."),
    ProblemType.UNAUTHORIZED: lambda p, w, host: _("Your session has ended: please sign in again."),
    ProblemType.SIGNATURE_INVALID: lambda p, w, host: _(
        "%(host)s could not check your space's signature; nothing changed.", host=host
    ),
    ProblemType.SIGNATURE_EXPIRED: lambda p, w, host: _(
        "%(host)s could not be reached in time; please try again.", host=host
    ),
    ProblemType.UNKNOWN_KEY: lambda p, w, host: _(
        "%(host)s does not know your space's current key yet; try again soon.", host=host
    ),
}

_OPERATOR: dict[ProblemType, str] = {
    ProblemType.VALIDATION_ERROR: N_("some of the values are not valid"),
    ProblemType.NOT_FOUND: N_("it does not exist (any more)"),
    ProblemType.CONFLICT: N_("it conflicts with the current state"),
    ProblemType.NOT_TWINNED: N_("that space is not an active twin"),
    ProblemType.PEER_UNREACHABLE: N_("the other space could not be reached; nothing changed, try again later"),
    ProblemType.FORBIDDEN: N_("this is not allowed"),
    ProblemType.RATE_LIMITED: N_("too many requests just now; wait a moment"),
    ProblemType.SIGNATURE_INVALID: N_("the other space's signature did not verify"),
    ProblemType.UNKNOWN_KEY: N_("the other space's key is not known"),
}

# The pages' own words for each problem type: the wire's titles stay English, these are translated.
TITLES: dict[ProblemType, str] = {
    ProblemType.VALIDATION_ERROR: N_("The request is not valid"),
    ProblemType.SIGNATURE_INVALID: N_("The signature does not verify"),
    ProblemType.SIGNATURE_EXPIRED: N_("The signature is too old or too new"),
    ProblemType.REPLAY: N_("This request was already received"),
    ProblemType.UNKNOWN_KEY: N_("The signing key is not known"),
    ProblemType.NOT_TWINNED: N_("The caller is not an active twin"),
    ProblemType.UNAUTHORIZED: N_("Authentication is required"),
    ProblemType.FORBIDDEN: N_("The caller may not do this"),
    ProblemType.NOT_FOUND: N_("No such resource"),
    ProblemType.METHOD_NOT_ALLOWED: N_("Method not allowed"),
    ProblemType.CONFLICT: N_("The request conflicts with the current state"),
    ProblemType.SLOT_FULL: N_("The slot has no seats left"),
    ProblemType.ALLOWANCE_EXHAUSTED: N_("The twinning allowance for this period is used up"),
    ProblemType.OFFER_EXPIRED: N_("The waitlist offer has expired"),
    ProblemType.OUTSIDE_BOOKING_WINDOW: N_("The booking is outside the allowed window"),
    ProblemType.CANCELLATION_WINDOW_CLOSED: N_("It is too late to cancel"),
    ProblemType.PAYLOAD_TOO_LARGE: N_("The request body is too large"),
    ProblemType.UNSUPPORTED_MEDIA_TYPE: N_("The request body must be JSON"),
    ProblemType.RATE_LIMITED: N_("Too many requests"),
    ProblemType.PEER_UNREACHABLE: N_("The twin could not be reached"),
    ProblemType.QUOTA_EXCEEDED: N_("The sender's storage quota at this node is used up"),
    ProblemType.REQUEST_TIMEOUT: N_("The request took too long to arrive or to answer"),
    ProblemType.INTRODUCTION_LIMIT: N_("You asked for as many introductions as a day allows"),
}


def problem_title(problem: Problem) -> str:
    """A problem's title for a page, in the reader's language."""
    return _title(problem)
