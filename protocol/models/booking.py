"""Shared slots, member passes, reservation requests and the host's signed receipts."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from ..problems import ProblemType
from .common import (
    Base64Url,
    FederatedObject,
    Ident,
    Instant,
    NodeId,
    ResourceKind,
    Text,
    TimeZoneName,
    Uuid,
    WireModel,
    offset_matches_zone,
)


class Resource(WireModel):
    id: Ident
    kind: ResourceKind
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    capacity: Annotated[int, Field(ge=1, le=10_000)]


class Slot(FederatedObject):
    """Space-time the host gives one twin. Visible to that twin only."""

    type: Literal["Slot"] = "Slot"
    id: Ident
    resource: Resource
    starts_at: Instant
    ends_at: Instant
    timezone: TimeZoneName
    twin: NodeId
    seats: Annotated[int, Field(ge=1, le=10_000)]
    remaining: Annotated[int, Field(ge=0, le=10_000)]
    status: Literal["open", "withdrawn"] = "open"

    @model_validator(mode="after")
    def _consistent(self) -> Slot:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.remaining > self.seats:
            raise ValueError("remaining cannot exceed seats")
        if self.seats > self.resource.capacity:
            raise ValueError("seats cannot exceed the resource's capacity")
        for name in ("starts_at", "ends_at"):
            if not offset_matches_zone(getattr(self, name), self.timezone):
                raise ValueError(f"{name}'s offset is not the offset of its time zone at that time")
        return self


class MemberPass(FederatedObject):
    """The least a host needs to know about a visitor: an opaque id and a display name."""

    type: Literal["MemberPass"] = "MemberPass"
    member_id: Ident
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    home: NodeId
    issued_at: Instant
    expires_at: Instant

    @model_validator(mode="after")
    def _home_is_origin(self) -> MemberPass:
        if self.home != self.origin:
            raise ValueError("a member pass is issued by the member's home node")
        if self.expires_at <= self.issued_at:
            raise ValueError("expires_at must be after issued_at")
        return self


class Target(WireModel):
    """What a reservation is for: a slot, or a place at an event."""

    kind: Literal["slot", "event"]
    id: Ident


class ReservationRequest(FederatedObject):
    """Sent by the home node on a member's behalf; its id is the idempotency key."""

    free_form: ClassVar[tuple[str, ...]] = ("member_pass",)

    type: Literal["ReservationRequest"] = "ReservationRequest"
    id: Uuid
    host: NodeId
    target: Target
    seats: Annotated[int, Field(ge=1, le=1000)]
    member_pass: dict[str, Any]  # a signed MemberPass envelope, verified by the host on its own
    requested_at: Instant
    # Join the target's waitlist when it is full (absent: a full target is refused, as before).
    waitlist: Literal[True] | None = None


class AllowanceUse(WireModel):
    """The allowance a receipt drew on, and what is left of it for the period."""

    kind: ResourceKind
    unit: Literal["day", "hour"]
    period: Literal["month", "week"]
    period_start: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    amount: int
    used: int
    remaining: int


class ReservationReceipt(FederatedObject):
    """The host's signed answer. The receipts are the reciprocity ledger."""

    type: Literal["ReservationReceipt"] = "ReservationReceipt"
    id: Uuid
    home: NodeId
    member_id: Ident
    target: Target
    kind: ResourceKind | None = None  # the slot's resource kind, so each side can total its ledger by kind
    seats: Annotated[int, Field(ge=1, le=1000)]
    status: Literal["confirmed", "cancelled", "rejected"]
    problem: Text | None = None
    units: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    unit: Literal["day", "hour", "seat"] = "seat"
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    timezone: TimeZoneName | None = None
    allowance: AllowanceUse | None = None
    request_hash: Base64Url
    issued_at: Instant
    # The host's front desk: whether the member came. Absent until the host records it in a later
    # version of a confirmed reservation's receipt (so receipts without it read as before).
    attendance: Literal["checked_in", "no_show"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ReservationReceipt:
        if self.problem is not None and self.problem not in _PROBLEM_SLUGS:
            raise ValueError("problem must be a problem type slug")
        if self.attendance is not None and self.status == "rejected":
            raise ValueError("attendance is recorded only on a reservation that was confirmed")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class WaitlistPlace(FederatedObject):
    """The host's signed word on a request waiting for a seat: its place in line, or the seats
    offered to it until `offer_expires_at`, or how its wait ended. Its id is the reservation id."""

    type: Literal["WaitlistPlace"] = "WaitlistPlace"
    id: Uuid
    home: NodeId
    member_id: Ident
    target: Target
    seats: Annotated[int, Field(ge=1, le=1000)]
    status: Literal["waiting", "offered", "lapsed", "left", "withdrawn"]
    position: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    offer_expires_at: Instant | None = None
    request_hash: Base64Url
    issued_at: Instant

    @model_validator(mode="after")
    def _consistent(self) -> WaitlistPlace:
        if (self.position is not None) != (self.status == "waiting"):
            raise ValueError("position is given when, and only when, status is waiting")
        if (self.offer_expires_at is not None) != (self.status == "offered"):
            raise ValueError("offer_expires_at is given when, and only when, status is offered")
        return self


_PROBLEM_SLUGS = frozenset(kind.value for kind in ProblemType)
