"""The node document served at /.well-known/gemellaggio."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .common import Base64Url, FederatedObject, Ident, Instant, NodeId, Text, TimeZoneName, WireModel
from .twinning import kid_of

PROTOCOL_VERSION: Literal["gemellaggio/1"] = "gemellaggio/1"


class VerifyKeyEntry(WireModel):
    key: Base64Url
    valid_until: Instant | None = None


class OldVerifyKeyEntry(WireModel):
    key: Base64Url
    expired_at: Instant


class Endpoints(WireModel):
    inbox: str
    feed: str
    twinning: str
    reservations: str


class NodeDocument(FederatedObject):
    """Self-signed: verified with a key from its own `verify_keys`, and after first contact
    with a key the reader already trusts."""

    type: Literal["NodeDocument"] = "NodeDocument"
    id: Literal["node"] = "node"
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: TimeZoneName
    location: Text | None = None
    verify_keys: Annotated[dict[Ident, VerifyKeyEntry], Field(min_length=1, max_length=8)]
    old_verify_keys: Annotated[dict[Ident, OldVerifyKeyEntry], Field(max_length=64)] = {}
    endpoints: Endpoints
    protocol: Literal["gemellaggio/1"] = PROTOCOL_VERSION

    @property
    def node_id(self) -> NodeId:
        return self.origin

    @model_validator(mode="after")
    def _keys_consistent(self) -> NodeDocument:
        if set(self.verify_keys) & set(self.old_verify_keys):
            raise ValueError("a key id is either current or old, not both")
        keys = {kid: entry.key for kid, entry in self.verify_keys.items()}
        keys |= {kid: entry.key for kid, entry in self.old_verify_keys.items()}
        for kid, key in keys.items():
            if kid_of(key) != kid:
                raise ValueError(f"{kid} is not the key id of its key")
        return self
