"""A twin's refusal, turned into our own problem for our member or operator.

A twin's problem document is untrusted input (read by `Problem.from_document`: known members
only, typed, bounded). What our people get is our problem: its type when it is one they can
act on (the slot is full, the allowance is used up), else `peer-unreachable` ("the twin
could not take it"), since a twin answering, say, `unauthorized` is about our node's request,
not about our member's sign-in. The twin's own words appear only quoted, cut, and said to be
the twin's; the protocol's known extension members (seats remaining, the allowance used,
the deadline), already typed and bounded, are passed on.
"""

from __future__ import annotations

from collections.abc import Collection

from protocol.problems import Problem, ProblemType

from .client import Response

QUOTED = 200  # characters of the twin's own sentence that are shown


def refusal(resp: Response, peer: str, what: str, passes: Collection[ProblemType]) -> Problem:
    """Our problem for `peer`'s refusal of `what` ("the reservation", "the proposal")."""
    theirs = resp.problem()
    said = f' It said: "{theirs.detail[:QUOTED]}".' if theirs.detail else ""
    if theirs.kind in passes:
        title = theirs.kind.default_title.rstrip(".")
        return Problem(
            theirs.kind, f"{peer} refused {what}: {title[0].lower() + title[1:]}.{said}", **theirs.extensions
        )
    return Problem(
        ProblemType.PEER_UNREACHABLE,
        f"{peer} could not take {what} (it answered HTTP {resp.status}, {theirs.kind.value}); nothing changed.{said}",
    )
