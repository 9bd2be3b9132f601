"""The member API's body for a card (PUT /api/v1/profile), validated strictly.

Field limits are the wire's (protocol/models/profiles.py), so that a card the API accepts is
always a card the protocol carries.
"""

from __future__ import annotations

from typing import Annotated, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from protocol.models.profiles import CONTENT_FIELDS
from protocol.problems import Problem, ProblemType

FieldName = Literal[
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
]
assert set(FieldName.__args__) == set(CONTENT_FIELDS)  # type: ignore[attr-defined]

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
Link = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")]
TwinRef = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ProfileBody(BaseModel):
    """PUT /api/v1/profile: the whole card. A field is shown to no one until named in `shared`."""

    model_config = ConfigDict(extra="forbid")
    display_name: Line | None = None
    headline: Line | None = None
    bio: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    skills: Annotated[list[Term], Field(max_length=30)] | None = None
    interests: Annotated[list[Term], Field(max_length=30)] | None = None
    languages: Annotated[list[Language], Field(max_length=20)] | None = None
    city: Line | None = None
    links: Annotated[list[Link], Field(max_length=10)] | None = None
    looking_for: Line | None = None
    open_to_visitors: StrictBool = False
    shared: Annotated[list[FieldName], Field(max_length=len(CONTENT_FIELDS))] = []
    # "space": this space's members only; "twins": every twin; or twins by twinning id or node URL.
    audience: Literal["space", "twins"] | Annotated[list[TwinRef], Field(min_length=1, max_length=200)] = "space"

    @field_validator("shared")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("name each field once")
        return value


def invalid(field: str, message: str) -> NoReturn:
    """Raise the validation-error problem for one field (same shape as the body parser's)."""
    raise Problem(ProblemType.VALIDATION_ERROR, f"{field}: {message}", errors=[{"field": field, "message": message}])
