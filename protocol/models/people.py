"""A member's erasure, told to the hosts that know them."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .common import FederatedObject, Ident, Instant, NodeId


class MemberErasure(FederatedObject):
    """The home node erased one of its members: each host deletes what it holds about them.

    Sent to the hosts where the member had reservations. A host that applies it removes the
    visitor's display name from every reservation of that member (it keeps the opaque member
    id, which its signed receipts name, so the ledger stays provable).
    """

    type: Literal["MemberErasure"] = "MemberErasure"
    member_id: Ident
    home: NodeId
    erased_at: Instant

    @model_validator(mode="after")
    def _home_is_origin(self) -> MemberErasure:
        if self.home != self.origin:
            raise ValueError("an erasure is announced by the member's home node")
        return self
