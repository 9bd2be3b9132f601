"""People across twins: a member's profile card, and the retraction of an object from a twin.

A `MemberProfile` carries only the fields its member turned on, and is sent only to the
twins of the audience the member chose. It never holds an e-mail address (the model has no
field for one). Withdrawing a card or erasing its member is a new version with status
`withdrawn` and no content; a twin removed from an object's audience gets a `Retraction`.
Both are applied by deleting the content, not by hiding it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .common import FederatedObject, Ident, Instant, NodeId, Url, Version, WireModel

# An opaque public id, chosen at random by the home node: never derived from the member's
# e-mail or local id. 32 hex digits (128 bits).
Handle = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
CardText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Bio = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
# A vocabulary id ("graphic-design") or a free tag the member wrote.
Term = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Terms = Annotated[list[Term], Field(max_length=30)]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]

CONTENT_FIELDS = (
    "display_name",
    "headline",
    "bio",
    "skills",
    "interests",
    "languages",
    "city",
    "links",
    "looking_for",
    "open_to_visitors",
)


class MemberProfile(FederatedObject):
    """A member's card, as the home node `origin` shows it to the twins of its audience.

    `id` and `member` are both the member's handle. Every content field is optional: a field
    the member did not turn on is absent. A `withdrawn` card has no content at all; a twin
    that receives it deletes what it held of earlier versions.
    """

    type: Literal["MemberProfile"] = "MemberProfile"
    id: Handle
    member: Handle
    home: NodeId
    status: Literal["published", "withdrawn"] = "published"
    display_name: CardText | None = None
    headline: CardText | None = None
    bio: Bio | None = None
    skills: Terms | None = None
    interests: Terms | None = None
    languages: Annotated[list[LanguageTag], Field(max_length=20)] | None = None
    city: CardText | None = None
    links: Annotated[list[Url], Field(max_length=10)] | None = None
    looking_for: CardText | None = None
    open_to_visitors: bool | None = None
    updated_at: Instant

    @model_validator(mode="after")
    def _consistent(self) -> MemberProfile:
        if self.member != self.id:
            raise ValueError("a card's id is its member's handle")
        if self.home != self.origin:
            raise ValueError("a card is published by its member's home node")
        if self.status == "withdrawn" and self.shared_fields():
            raise ValueError("a withdrawn card carries no content")
        return self

    def shared_fields(self) -> list[str]:
        """The content fields this card carries."""
        return [name for name in CONTENT_FIELDS if getattr(self, name) is not None]


class RetractedObject(WireModel):
    """The object a retraction is about (its origin is the retraction's origin)."""

    type: Literal["Event", "MemberProfile"]
    id: Ident


class Retraction(FederatedObject):
    """`origin` took a twin out of an object's audience: the twin deletes its copy.

    The twin deletes every version of `target` up to `up_to_version` and refuses those
    versions if they arrive later; a later version (the twin added back) applies as usual.
    The id is `<target type>.<target id>`: one retraction per object, its versions going up.
    """

    type: Literal["Retraction"] = "Retraction"
    target: RetractedObject
    up_to_version: Version
    retracted_at: Instant

    @model_validator(mode="after")
    def _id_names_target(self) -> Retraction:
        if self.id != retraction_id(self.target.type, self.target.id):
            raise ValueError("a retraction's id is '<target type>.<target id>'")
        return self


def retraction_id(type_name: str, object_id: str) -> str:
    return f"{type_name}.{object_id}"
