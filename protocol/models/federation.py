"""Envelopes, inbox batches, inbox results and feed pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, WithJsonSchema
from pydantic_core import CoreSchema, core_schema

from .common import Ident, WireModel

MAX_BATCH_ITEMS = 500
MAX_BODY_BYTES = 1024 * 1024


class _TakenAsIs:
    """A JSON object taken as it is, not copied: `dict[str, Any]` would rebuild the whole map (3 µs
    for an event), only for the object model to validate it again. JSON keys are strings anyway,
    and the signed object is validated once, by its own model, before its signature is checked."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.custom_error_schema(core_schema.is_instance_schema(dict), custom_error_type="dict_type")


JsonObject = Annotated[dict[str, Any], _TakenAsIs, WithJsonSchema({"additionalProperties": True, "type": "object"})]


class Signature(WireModel):
    kid: Annotated[str, Field(min_length=1, max_length=100)]
    sig: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


class Envelope(WireModel):
    """A signed object: `sig` is Ed25519 over the RFC 8785 canonical JSON of `object`."""

    object: JsonObject
    signature: Signature


class InboxBatch(WireModel):
    items: Annotated[list[Envelope], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class ItemResult(WireModel):
    """What the inbox did with one item: applied, already had it (stale), or refused."""

    index: int
    status: Literal["applied", "stale", "rejected"]
    type: str | None = None
    id: str | None = None
    version: int | None = None
    problem: dict[str, Any] | None = None


class InboxResult(WireModel):
    results: list[ItemResult]


class FeedItem(WireModel):
    seq: Annotated[int, Field(ge=1)]
    envelope: Envelope


class FeedPage(WireModel):
    items: list[FeedItem]
    next: str | None = None


__all__ = [
    "Envelope",
    "FeedItem",
    "FeedPage",
    "Ident",
    "InboxBatch",
    "InboxResult",
    "ItemResult",
    "Signature",
]
