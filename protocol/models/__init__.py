"""The protocol's wire objects (v1). `parse_object` turns a verified JSON object into its model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .booking import (
    AllowanceUse,
    MemberPass,
    ReservationReceipt,
    ReservationRequest,
    Resource,
    Slot,
    Target,
    WaitlistPlace,
)
from .common import FederatedObject, ObjectRef, WireModel, offset_matches_zone
from .events import Event, EventStatus, EventText
from .federation import (
    MAX_BATCH_ITEMS,
    MAX_BODY_BYTES,
    Envelope,
    FeedItem,
    FeedPage,
    InboxBatch,
    InboxResult,
    ItemResult,
    Signature,
)
from .introductions import IntroductionAnswer, IntroductionRequest
from .node import PROTOCOL_VERSION, Endpoints, NodeDocument, OldVerifyKeyEntry, VerifyKeyEntry
from .people import MemberErasure
from .profiles import MemberProfile, RetractedObject, Retraction, retraction_id
from .twinning import (
    Allowance,
    BookingRules,
    KeyRotation,
    Terms,
    TwinningAcceptance,
    TwinningChange,
    TwinningProposal,
)

AnyObject = Annotated[
    TwinningProposal
    | TwinningAcceptance
    | TwinningChange
    | KeyRotation
    | Event
    | Slot
    | MemberPass
    | ReservationRequest
    | ReservationReceipt
    | WaitlistPlace
    | MemberErasure
    | IntroductionRequest
    | IntroductionAnswer
    | MemberProfile
    | Retraction
    | NodeDocument,
    Field(discriminator="type"),
]

_any_object: TypeAdapter[Any] = TypeAdapter(AnyObject)
# Called straight: `TypeAdapter.validate_python` and `model_validate` spend about 0.4 µs in Python
# (argument checks, a rebuild check) before pydantic-core's call, on every object received.
_validate_object = _any_object.validator.validate_python
#: `parse_object` without its own call, for the inbox's path (pydantic's ValidationError if invalid).
validate_object: Any = _validate_object

OBJECT_TYPES: dict[str, type[FederatedObject]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        TwinningProposal,
        TwinningAcceptance,
        TwinningChange,
        KeyRotation,
        Event,
        Slot,
        MemberPass,
        ReservationRequest,
        ReservationReceipt,
        WaitlistPlace,
        MemberErasure,
        IntroductionRequest,
        IntroductionAnswer,
        MemberProfile,
        Retraction,
        NodeDocument,
    )
}


def parse_object(raw: dict[str, Any]) -> FederatedObject:
    """Validate a JSON object as the wire object its `type` names (pydantic ValidationError if not)."""
    result: FederatedObject = _validate_object(raw)
    return result


__all__ = [
    "MAX_BATCH_ITEMS",
    "MAX_BODY_BYTES",
    "OBJECT_TYPES",
    "PROTOCOL_VERSION",
    "Allowance",
    "AllowanceUse",
    "AnyObject",
    "BookingRules",
    "Endpoints",
    "Envelope",
    "Event",
    "EventStatus",
    "EventText",
    "FederatedObject",
    "FeedItem",
    "FeedPage",
    "InboxBatch",
    "InboxResult",
    "IntroductionAnswer",
    "IntroductionRequest",
    "ItemResult",
    "KeyRotation",
    "MemberErasure",
    "MemberPass",
    "MemberProfile",
    "NodeDocument",
    "ObjectRef",
    "OldVerifyKeyEntry",
    "ReservationReceipt",
    "ReservationRequest",
    "Resource",
    "RetractedObject",
    "Retraction",
    "Signature",
    "Slot",
    "Target",
    "Terms",
    "TwinningAcceptance",
    "TwinningChange",
    "TwinningProposal",
    "VerifyKeyEntry",
    "WaitlistPlace",
    "WireModel",
    "offset_matches_zone",
    "parse_object",
    "retraction_id",
    "validate_object",
]
