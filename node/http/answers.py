"""The shapes of the API's answers (and of the bodies no handler model describes), for the
OpenAPI document (node/web/openapi.py) and, where a view builds the model itself, for the
answer: the twins' (`twin_view`, `delivery_view`), the node's (`NodeInfo`, `Health`), a key
rotation's, and the booking resources' and members' views (`ResourceView`, `MemberView`,
`NewMember`) are built as these models (as introductions' are, node/introductions/answers.py),
so the model is their one definition. The other views still build plain dicts (`EventViews.item`,
`own_view`, the reservation `view`...), which these models describe for readers and for the
schema fuzzing, which checks every answer a running node gives against them. They refuse
unknown fields, so a field added to a view without being described here fails those tests.
Wire objects inside answers reuse the protocol's models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.models import (
    MAX_BATCH_ITEMS,
    AllowanceUse,
    Envelope,
    EventStatus,
    NodeDocument,
    ObjectRef,
    ReservationReceipt,
    ReservationRequest,
    Resource,
    Signature,
    Terms,
    WaitlistPlace,
)
from protocol.models.common import ResourceKind


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # validators built at first use, not at start


# -- public ---------------------------------------------------------------------------------------


class NodeInfo(Answer):
    """GET /api/v1/node."""

    id: str = Field(description="The node id: its public base URL.")
    name: str
    timezone: str
    location: str | None
    kid: str = Field(description="The current signing key's id.")
    fingerprint: str = Field(
        description="SHA-256 of the public key as people compare it: Crockford base 32 in groups of four."
    )


class Health(Answer):
    status: Literal["ok"]
    node: str


class SignedNodeDocument(Answer):
    """The node document, signed by the node (an envelope)."""

    object: NodeDocument
    signature: Signature


# -- twinnings ------------------------------------------------------------------------------------


class Storage(Answer):
    """What the peer stores here, against its quota; `refused`: items refused as over it, ever."""

    objects: int
    max_objects: int
    bytes: int
    max_bytes: int
    refused: int
    last_refused_at: str | None


class Delivery(Answer):
    """Delivery to one peer: the outbox, the pull cursor, and what it stores here."""

    peer: str
    outbox_depth: int
    lag_seconds: int = Field(description="Age of the oldest undelivered object, in seconds.")
    last_success: str | None
    last_attempt: str | None
    last_error: str | None
    tries: int
    next_try: str | None
    feed_cursor: int
    last_pull: str | None
    storage: Storage


class TwinTerms(Answer):
    we_give: Terms = Field(description="What this space gives the twin's members here.")
    we_receive: Terms = Field(description="What the twin gives this space's members there.")


class Twin(Answer):
    """A twinning as this node's operator sees it."""

    id: str = Field(description="The agreement id (a UUID chosen by the proposer).")
    peer: str
    peer_name: str | None
    peer_timezone: str | None
    peer_fingerprint: str | None
    role: Literal["proposer", "acceptor"]
    status: Literal["proposed", "pending", "active", "suspended", "ended", "declined"]
    reason: str | None
    suspended_by: Literal["us", "peer"] | None = None
    terms: TwinTerms
    created_at: str
    updated_at: str
    delivery: Delivery


class TwinList(Answer):
    items: list[Twin]


class DeliveryStatus(Answer):
    node: str
    peers: list[Delivery]


class KeyRotated(Answer):
    old_kid: str
    kid: str
    fingerprint: str
    announced_to: list[str] = Field(description="The active twins the KeyRotation is sent to.")


# -- events ---------------------------------------------------------------------------------------


class Times(Answer):
    timezone: str
    starts_at: str
    ends_at: str


class AlsoAt(Answer):
    """Another space hosting the same event (the original or a re-hosted copy)."""

    origin: str
    name: str
    id: str
    status: EventStatus
    starts_at: str
    timezone: str
    here_starts_at: str


class ExportedFrom(Answer):
    origin: str
    id: str
    name: str


class FlagView(Answer):
    """The origin changed an event this space re-hosts; the operator decides whether to follow."""

    raised_at: str
    source: ObjectRef
    source_version: int
    changes: list[dict[str, Any]]
    notice: str


class EventTextView(Answer):
    title: str
    summary: str


class EventView(Answer):
    """One event (or one occurrence of a recurring event), in its zone and in this space's."""

    origin: str
    id: str
    version: int
    status: EventStatus
    title: str
    summary: str
    description: str
    description_cut: bool = Field(
        default=False,
        description="In a listing, true when only the description's start is here: GET the event for all of it.",
    )
    timezone: str
    venue: str | None = None
    room: str | None = None
    address: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    language: str | None = Field(default=None, description="BCP 47 tag of title, summary and description.")
    translations: dict[str, EventTextView] | None = Field(
        default=None, description="Title and summary in other languages, by BCP 47 tag."
    )
    tags: list[str]
    exported_from: ExportedFrom | None = None
    rrule: str | None = None
    exdates: list[str]
    updated_at: str | None = None
    origin_name: str
    local: bool = Field(description="True for this space's own events.")
    starts_at: str
    ends_at: str
    here: Times
    recurring: bool
    series_starts_at: str | None = Field(default=None, description="The first occurrence, for a recurring event.")
    url: str
    also_at: list[AlsoAt]
    flags: list[FlagView]
    audience: Literal["all"] | list[str] | None = Field(default=None, description="Only on this space's own events.")
    recorded_after_the_fact: bool | None = Field(
        default=None, description="This space's event, recorded by its operator after it began (`record_past`)."
    )


class EventListing(Answer):
    from_: str = Field(alias="from")
    to: str
    timezone: str
    items: list[EventView]
    truncated: bool


class EventList(Answer):
    items: list[EventView]


# -- booking --------------------------------------------------------------------------------------


class ResourceView(Answer):
    id: str
    kind: ResourceKind
    name: str
    capacity: int
    opening_hours: dict[str, list[str]] | None
    created_at: str


class ResourceList(Answer):
    items: list[ResourceView]


class SlotView(Answer):
    """One of this space's slots, with the seats reserved on it."""

    id: str
    version: int
    status: Literal["open", "withdrawn"]
    resource: Resource
    twin: str
    starts_at: str
    ends_at: str
    timezone: str
    seats: int
    remaining: int
    reserved: int


class WithdrawnSlot(SlotView):
    notified: list[str] = Field(description="The twins told of the reservations this cancelled.")


class SlotList(Answer):
    items: list[SlotView]


class TwinSlot(SlotView):
    """A slot a twin offers this space, in the twin's zone and in ours."""

    host: str
    host_time: Times
    our_time: Times


class TwinSlots(Answer):
    twin: str
    twinning_id: str
    status: str
    items: list[TwinSlot]


class MemberView(Answer):
    id: str
    display_name: str
    email: str
    language: str | None = Field(description="A BCP 47 language tag, e.g. it or pt-BR.")
    member_since: str | None = Field(description="YYYY-MM-DD, from the space's records.")
    created_at: str


class NewMember(MemberView):
    token: str = Field(description="The member's bearer token: shown once, stored only as a hash.")
    calendar_url: str = Field(description="The member's private calendar feed (keep it secret).")


class MemberList(Answer):
    items: list[MemberView]


class NotCancelled(Answer):
    id: str
    problem: str = Field(description="Why the host did not cancel it (the erasure notice still reaches the host).")


class MemberRemoved(Answer):
    id: str
    deleted: Literal[True]
    erased: Literal[True]
    cancelled: list[str] = Field(description="Future reservations abroad cancelled at their hosts.")
    not_cancelled: list[NotCancelled]
    hosts: list[str] = Field(description="The hosts sent a signed MemberErasure, so they delete the name.")


class TargetView(Answer):
    kind: Literal["slot", "event"]
    id: str


class SignedReceipt(Answer):
    """A ReservationReceipt signed by the host (an envelope)."""

    object: ReservationReceipt
    signature: Signature


class SignedWaitlistPlace(Answer):
    """A WaitlistPlace signed by the host (an envelope)."""

    object: WaitlistPlace
    signature: Signature


class Reservation(Answer):
    """A member's reservation abroad, as the home node keeps it."""

    id: str
    status: Literal["pending", "confirmed", "cancelled", "rejected", "waiting", "offered", "lapsed"]
    host: str
    target: TargetView
    seats: int
    created_at: str
    updated_at: str
    problem: str | None = Field(default=None, description="Why the host refused (a problem type), when rejected.")
    last_error: str | None = None
    tries: int | None = None
    next_try: str | None = None
    kind: ResourceKind | None = None
    unit: Literal["day", "hour", "seat"] | None = None
    units: int | None = None
    allowance: AllowanceUse | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    timezone: str | None = None
    host_time: Times | None = None
    our_time: Times | None = None
    receipt: SignedReceipt | None = None
    cancelled_by: Literal["host"] | None = None
    reason: str | None = None
    attendance: Literal["checked_in", "no_show"] | None = Field(default=None, description="The host's front desk.")
    waitlist: bool | None = Field(default=None, description="Asked to join the waitlist if the target was full.")
    position: int | None = Field(default=None, description="While waiting: the place in line (1 is next).")
    offer_expires_at: str | None = Field(
        default=None, description="While offered: the seats are held until then; confirm before."
    )


class ReservationList(Answer):
    items: list[Reservation]


# -- federation -----------------------------------------------------------------------------------


class InboxBody(Answer):
    """A batch of signed objects. Each item is checked on its own: one that is not a valid
    envelope is refused in the answer's results, and the others are still applied."""

    items: Annotated[list[Envelope | Any], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class TwinningReceived(Answer):
    id: str
    status: str


class SignedReservationRequest(Answer):
    """A ReservationRequest signed by the member's home node (an envelope)."""

    object: ReservationRequest
    signature: Signature
