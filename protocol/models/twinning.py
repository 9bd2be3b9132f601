"""The twinning agreement and the key rotation notice."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..keys import VerifyKey
from .common import (
    Base64Url,
    Count,
    FederatedObject,
    Ident,
    Instant,
    NodeId,
    ResourceKind,
    StringConstraints,
    Uuid,
    WireModel,
)


class Allowance(WireModel):
    """How much of one kind of resource a twin's members may use per period."""

    kind: ResourceKind
    unit: Literal["day", "hour"]
    amount: Count
    period: Literal["month", "week"]


class BookingRules(WireModel):
    book_ahead_days: Annotated[int, Field(ge=0, le=730)] = 30
    min_notice_hours: Annotated[int, Field(ge=0, le=720)] = 2
    cancel_until_hours: Annotated[int, Field(ge=0, le=720)] = 24
    max_seats_per_reservation: Annotated[int, Field(ge=1, le=1000)] = 2


class Terms(WireModel):
    """What one side gives the other's members at its own space."""

    allowances: Annotated[list[Allowance], Field(max_length=20)] = []
    rules: BookingRules = BookingRules()

    @model_validator(mode="after")
    def _one_allowance_per_kind(self) -> Terms:
        kinds = [a.kind for a in self.allowances]
        if len(kinds) != len(set(kinds)):
            raise ValueError("at most one allowance per resource kind")
        return self

    def allowance_for(self, kind: str) -> Allowance | None:
        return next((a for a in self.allowances if a.kind == kind), None)


class TwinningProposal(FederatedObject):
    """Signed by the proposer. `offer` is what the proposer gives the acceptor's members at
    the proposer's space; `request` is what it asks of the acceptor."""

    type: Literal["TwinningProposal"] = "TwinningProposal"
    id: Uuid
    proposer: NodeId
    acceptor: NodeId
    offer: Terms
    request: Terms
    valid_from: Instant
    valid_until: Instant | None = None
    message: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _sides(self) -> TwinningProposal:
        if self.origin != self.proposer:
            raise ValueError("origin must be the proposer")
        if self.proposer == self.acceptor:
            raise ValueError("a node cannot twin with itself")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class TwinningAcceptance(FederatedObject):
    """Signed by the acceptor; binds to the exact proposal by its canonical hash."""

    type: Literal["TwinningAcceptance"] = "TwinningAcceptance"
    id: Uuid
    agreement_id: Uuid
    proposer: NodeId
    acceptor: NodeId
    proposal_hash: Base64Url
    accepted_at: Instant

    @model_validator(mode="after")
    def _sides(self) -> TwinningAcceptance:
        if self.origin != self.acceptor:
            raise ValueError("origin must be the acceptor")
        if self.proposer == self.acceptor:
            raise ValueError("a node cannot twin with itself")
        return self


class TwinningChange(FederatedObject):
    """Either side suspends, resumes or ends the agreement; `decline` answers a proposal."""

    type: Literal["TwinningChange"] = "TwinningChange"
    id: Uuid
    agreement_id: Uuid
    action: Literal["suspend", "resume", "end", "decline"]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None
    at: Instant


class KeyRotation(FederatedObject):
    """Signed with the old key, naming the new one."""

    type: Literal["KeyRotation"] = "KeyRotation"
    old_kid: Ident
    new_kid: Ident
    new_public_key: Base64Url
    effective_at: Instant

    @model_validator(mode="after")
    def _names_its_key(self) -> KeyRotation:
        if self.old_kid == self.new_kid:
            raise ValueError("the new key must differ from the old one")
        if self.new_kid != kid_of(self.new_public_key):
            raise ValueError("new_kid is not the key id of new_public_key")
        return self


def kid_of(public_key: str) -> str:
    """The key id of a base64url raw Ed25519 public key (ValueError if it is not one)."""
    return VerifyKey.from_b64url(public_key).kid
