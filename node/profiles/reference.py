"""Profile cards' rows in the API reference (node/web/openapi.py builds the document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from node.http.openapi_build import Caller, Op, Query
from protocol.problems import ProblemType as P

from .bodies import ProfileBody
from .routes import HideBody

MEMBER, OPERATOR = Caller.MEMBER, Caller.OPERATOR
TAG = {"name": "profiles", "description": "Members' cards across twins and the directory."}


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # validators built at first use, not at start


class MyCard(Answer):
    model_config = ConfigDict(extra="allow")  # the card's fields as written, shared or not
    member: str = Field(description="The member's handle: random, public, the same for ever.")
    origin: str
    shared: list[str]
    audience: str | list[str]
    version: int
    updated_at: str | None
    hidden: bool = Field(description="Whether this space's operator hid the card from the directory.")


class Withdrawn(Answer):
    withdrawn: Literal[True]


class DirectoryItem(Answer):
    model_config = ConfigDict(extra="allow")  # only the fields the card's member shared
    origin: str
    member: str
    updated_at: str
    labels: dict[str, list[str]] | None = Field(
        None, description="skills and interests in the reader's language (vocabulary labels; free tags as written)."
    )


class Directory(Answer):
    items: list[DirectoryItem]
    next: str | None = Field(description="The next page's URL, or null on the last page.")


class Hidden(Answer):
    origin: str
    member: str
    hidden: bool


def _query() -> tuple[Query, ...]:
    words: list[tuple[str, str]] = [
        ("q", "Words, each matched as a prefix in names, headlines, bios, skills and interests (in any language)."),
        ("skill", "A skill: its vocabulary id, its label in any language, or a free tag."),
        ("language", "A language tag the member speaks (`es` finds `es-419`)."),
        ("city", "A city, as written (case does not matter)."),
        ("origin", "`local`, or a twin by node URL or twinning id."),
        ("limit", "Items per page, 1 to 50 (20)."),
        ("offset", "Items to skip (the `next` URL carries it)."),
    ]
    return tuple(Query(name, text) for name, text in words)


# fmt: off
OPERATIONS = [
    Op("GET", "/api/v1/profile", "getMyCard", "My card, with what it shares and with whom", MEMBER,
       {200: MyCard}, (P.NOT_FOUND,), tag="profiles"),
    Op("PUT", "/api/v1/profile", "putMyCard", "Write my card, its shared fields and its audience", MEMBER,
       {200: MyCard}, tag="profiles", body=ProfileBody,
       description="Each field is shown to no one until named in `shared`. `audience`: `space` (this space's "
       "members), `twins` (every twin) or a list of twins. Twins taken out of the audience are sent a "
       "Retraction and delete their copy."),
    Op("DELETE", "/api/v1/profile", "withdrawMyCard", "Withdraw my card, here and at every twin", MEMBER,
       {200: Withdrawn}, (P.NOT_FOUND,), tag="profiles"),
    Op("GET", "/api/v1/directory", "searchDirectory", "Cards of this space and of its twins", MEMBER,
       {200: Directory}, (P.VALIDATION_ERROR,), query=_query(), tag="profiles",
       description="Ranked by relevance with `q`, most recently updated first without. Each item holds "
       "only what its member shared."),
    Op("POST", "/api/v1/directory/hidden", "hideCard", "Hide a card from this node's directory (or show it)",
       OPERATOR, {200: Hidden}, (P.NOT_FOUND,), body=HideBody, tag="profiles"),
]
# fmt: on
