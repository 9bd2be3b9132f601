"""RFC 9457 problem documents with the protocol's stable problem types.

Every error a node returns, to a twin or to a member, is one of these. The `type` is a
stable URI (``https://gemellaggio.org/problems/<slug>``) that clients may switch on; the
slug alone is what the design documents call the problem type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

PROBLEM_BASE = "https://gemellaggio.org/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemType(StrEnum):
    """The closed set of problem types, with the HTTP status each one is sent with."""

    VALIDATION_ERROR = "validation-error"
    SIGNATURE_INVALID = "signature-invalid"
    SIGNATURE_EXPIRED = "signature-expired"
    REPLAY = "replay"
    UNKNOWN_KEY = "unknown-key"
    NOT_TWINNED = "not-twinned"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not-found"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    CONFLICT = "conflict"
    SLOT_FULL = "slot-full"
    ALLOWANCE_EXHAUSTED = "allowance-exhausted"
    OUTSIDE_BOOKING_WINDOW = "outside-booking-window"
    CANCELLATION_WINDOW_CLOSED = "cancellation-window-closed"
    PAYLOAD_TOO_LARGE = "payload-too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    RATE_LIMITED = "rate-limited"
    PEER_UNREACHABLE = "peer-unreachable"
    QUOTA_EXCEEDED = "quota-exceeded"
    REQUEST_TIMEOUT = "request-timeout"
    OFFER_EXPIRED = "offer-expired"
    INTRODUCTION_LIMIT = "introduction-limit"

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.value

    @property
    def status(self) -> int:
        return _STATUS[self]

    @property
    def default_title(self) -> str:
        return _TITLES[self]

    @property
    def retryable(self) -> bool:
        """Whether a sender asks again, later and unchanged, after this answer (PROTOCOL.md, 11):
        the refusal is about the moment (a key not fetched yet, a clock, a rate, a timeout, an
        unreachable node), not about the request, so the same request may pass later."""
        return self in _RETRYABLE

    @classmethod
    def from_uri(cls, uri: str) -> ProblemType:
        """The problem type named by a full type URI or by its bare slug."""
        return cls(uri.removeprefix(PROBLEM_BASE))


_STATUS = {
    ProblemType.VALIDATION_ERROR: 422,
    ProblemType.SIGNATURE_INVALID: 401,
    ProblemType.SIGNATURE_EXPIRED: 401,
    ProblemType.REPLAY: 401,
    ProblemType.UNKNOWN_KEY: 401,
    ProblemType.NOT_TWINNED: 403,
    ProblemType.UNAUTHORIZED: 401,
    ProblemType.FORBIDDEN: 403,
    ProblemType.NOT_FOUND: 404,
    ProblemType.METHOD_NOT_ALLOWED: 405,
    ProblemType.CONFLICT: 409,
    ProblemType.SLOT_FULL: 409,
    ProblemType.ALLOWANCE_EXHAUSTED: 409,
    ProblemType.OUTSIDE_BOOKING_WINDOW: 422,
    ProblemType.CANCELLATION_WINDOW_CLOSED: 409,
    ProblemType.PAYLOAD_TOO_LARGE: 413,
    ProblemType.UNSUPPORTED_MEDIA_TYPE: 415,
    ProblemType.RATE_LIMITED: 429,
    ProblemType.PEER_UNREACHABLE: 502,
    ProblemType.QUOTA_EXCEEDED: 507,
    ProblemType.REQUEST_TIMEOUT: 408,
    ProblemType.OFFER_EXPIRED: 409,
    ProblemType.INTRODUCTION_LIMIT: 429,
}

# Answers about the moment, not the request: see `ProblemType.retryable`.
_RETRYABLE = frozenset(
    {
        ProblemType.UNKNOWN_KEY,
        ProblemType.SIGNATURE_EXPIRED,
        ProblemType.REPLAY,
        ProblemType.RATE_LIMITED,
        ProblemType.PEER_UNREACHABLE,
        ProblemType.REQUEST_TIMEOUT,
    }
)

_TITLES = {
    ProblemType.VALIDATION_ERROR: "The request is not valid",
    ProblemType.SIGNATURE_INVALID: "The signature does not verify",
    ProblemType.SIGNATURE_EXPIRED: "The signature is too old or too new",
    ProblemType.REPLAY: "This request was already received",
    ProblemType.UNKNOWN_KEY: "The signing key is not known",
    ProblemType.NOT_TWINNED: "The caller is not an active twin",
    ProblemType.UNAUTHORIZED: "Authentication is required",
    ProblemType.FORBIDDEN: "The caller may not do this",
    ProblemType.NOT_FOUND: "No such resource",
    ProblemType.METHOD_NOT_ALLOWED: "Method not allowed",
    ProblemType.CONFLICT: "The request conflicts with the current state",
    ProblemType.SLOT_FULL: "The slot has no seats left",
    ProblemType.ALLOWANCE_EXHAUSTED: "The twinning allowance for this period is used up",
    ProblemType.OUTSIDE_BOOKING_WINDOW: "The booking is outside the allowed window",
    ProblemType.CANCELLATION_WINDOW_CLOSED: "It is too late to cancel",
    ProblemType.PAYLOAD_TOO_LARGE: "The request body is too large",
    ProblemType.UNSUPPORTED_MEDIA_TYPE: "The request body must be JSON",
    ProblemType.RATE_LIMITED: "Too many requests",
    ProblemType.PEER_UNREACHABLE: "The twin could not be reached",
    ProblemType.QUOTA_EXCEEDED: "The sender's storage quota at this node is used up",
    ProblemType.REQUEST_TIMEOUT: "The request took too long to arrive or to answer",
    ProblemType.OFFER_EXPIRED: "The waitlist offer has expired",
    ProblemType.INTRODUCTION_LIMIT: "You asked for as many introductions as a day allows",
}


class ProblemDocument(BaseModel):
    """The wire form of a problem (RFC 9457). Extension members are allowed."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class Problem(Exception):
    """Raised anywhere in the code to end a request with a problem document."""

    def __init__(self, kind: ProblemType, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.extensions = extensions

    @property
    def status(self) -> int:
        return self.kind.status

    def to_document(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.kind.uri, "title": self.kind.default_title, "status": self.status}
        if self.detail:
            doc["detail"] = self.detail
        if instance:
            doc["instance"] = instance
        doc.update(self.extensions)
        return doc

    @classmethod
    def from_document(cls, doc: Any) -> Problem:
        """Read a problem document another node sent, as untrusted input.

        Only the known members are taken, each typed and bounded: the type (an unknown one
        becomes `validation-error`), `detail` and the `errors` messages as plain text cut to a
        few hundred characters without control characters, the counts and short texts of
        COUNT_MEMBERS and TEXT_MEMBERS; anything else is left out, whatever its name.
        """
        if not isinstance(doc, dict):
            return cls(ProblemType.VALIDATION_ERROR)
        try:
            kind = ProblemType.from_uri(doc["type"]) if isinstance(doc.get("type"), str) else None
        except ValueError:
            kind = None
        extensions: dict[str, Any] = {}
        errors = doc.get("errors")
        if isinstance(errors, list):
            extensions["errors"] = [
                {"field": plain_text(e.get("field"), 200), "message": plain_text(e.get("message"), MAX_TEXT)}
                for e in errors[:MAX_ERRORS]
                if isinstance(e, dict)
            ]
        for name in COUNT_MEMBERS:
            value = doc.get(name)
            if type(value) is int and 0 <= value <= 2**53:
                extensions[name] = value
        for name in TEXT_MEMBERS:
            if isinstance(doc.get(name), str):
                extensions[name] = plain_text(doc[name], 100)
        return cls(kind or ProblemType.VALIDATION_ERROR, plain_text(doc.get("detail"), MAX_TEXT) or None, **extensions)


# The extension members problems of this protocol carry (see PROTOCOL.md, "Problems").
COUNT_MEMBERS = ("retry_after", "remaining", "amount", "used", "needed", "max_objects", "max_bytes")
TEXT_MEMBERS = ("event_id", "period_start", "earliest", "latest", "deadline")
MAX_TEXT = 500  # characters of a peer's detail or error message that are kept
MAX_ERRORS = 50
_CONTROL = dict.fromkeys([*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029], " ")


def plain_text(value: Any, limit: int) -> str:
    """A peer's text as one bounded line: control characters become spaces, runs of spaces
    one, and it is cut at `limit` characters (with an ellipsis). Not a string: empty."""
    if not isinstance(value, str):
        return ""
    text = " ".join(value[: limit * 4].translate(_CONTROL).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
