"""Field types shared by every wire object.

Wire models are frozen, refuse unknown fields, and validate strictly: a string is not an
integer, a float is not an integer. Instants are RFC 3339 strings with an offset; time zones
are IANA names this machine's zone database knows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

MAX_SAFE_INT = 2**53 - 1
# Instants lie in [1970, 9000) UTC: far enough from datetime's limits (years 1 and 9999) that no
# offset, period or window a node adds can overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000
_EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LATEST_YEAR, 1, 1, tzinfo=UTC)

# Node ids and instants are checked by pydantic-core's own regex engine, not by Python
# callbacks: they are the most frequent fields on the wire and the inbox validates each one.
_PORT = r"[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"  # 0..65535
# Scheme, host, optional port, optional path that does not end with a slash.
_NODE_ID = rf"^https?://[A-Za-z0-9.-]+(?::(?:{_PORT}))?(?:/[A-Za-z0-9._~%/-]*[A-Za-z0-9._~%-])?$"
_NODE_ID_TEXT = re.compile(_NODE_ID)
NODE_ID_RULE = "a node id is an http(s) base URL without a trailing slash, query or fragment"
# Whole seconds (a fraction of zeros is the same instant), an offset or Z.
_RFC3339 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.0+)?(?:Z|[+-][0-9]{2}:[0-9]{2})$"
# Names the zone database ships that are not places: refused as a space's or an event's zone.
_NOT_PLACES = {"localtime", "Factory", "posixrules"}
_IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class WireModel(BaseModel):
    """Base of every model that crosses the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON form that is signed and sent (None-valued fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(
        name for name in available_timezones() if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
    )


def check_node_id(value: str) -> str:
    """The node id rule for values read outside a wire model (configuration)."""
    if not _NODE_ID_TEXT.fullmatch(value):
        raise ValueError(NODE_ID_RULE)
    return value


def check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


def _check_instant(value: datetime) -> datetime:
    """Node code may pass datetimes: the same rules as the wire's strings."""
    if value.microsecond:
        raise ValueError("instants are whole seconds")
    if not in_instant_range(value):
        raise ValueError(f"instants lie from {EARLIEST_YEAR}-01-01T00:00:00Z to before {LATEST_YEAR}-01-01T00:00:00Z")
    return value


class _NodeIdRule:
    """A node id: an http(s) base URL without a trailing slash, query or fragment."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.str_schema(pattern=_NODE_ID, max_length=200),
            custom_error_type="node_id",
            custom_error_message=NODE_ID_RULE,
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "maxLength": 200}


class _InstantRule:
    """An instant: an RFC 3339 string with an offset, in whole seconds, in [1970, 9000) UTC."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        in_range = {"tz_constraint": "aware", "ge": _EARLIEST, "lt": _LATEST}
        wire = core_schema.chain_schema(
            [core_schema.str_schema(pattern=_RFC3339), core_schema.datetime_schema(strict=False, **in_range)]  # type: ignore[arg-type]
        )
        given = core_schema.no_info_after_validator_function(
            _check_instant, core_schema.datetime_schema(strict=True, tz_constraint="aware")
        )
        # The wire's strings first, and no retry in lax mode: each instant received costs one
        # attempt, not a failed one first (the custom error hides which branch refused).
        return core_schema.custom_error_schema(
            core_schema.union_schema([wire, given], mode="left_to_right"),
            custom_error_type="instant",
            custom_error_message=(
                "an instant is an RFC 3339 string in whole seconds such as 2026-03-10T18:00:00-04:00, "
                f"from {EARLIEST_YEAR} to before {LATEST_YEAR}"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


def in_instant_range(value: datetime) -> bool:
    """Is this aware instant within [1970, 9000) UTC? (False too if its offset overflows.)"""
    try:
        return _EARLIEST <= value.astimezone(UTC) < _LATEST
    except OverflowError:
        return False


NodeId = Annotated[str, _NodeIdRule]
Ident = Annotated[str, StringConstraints(pattern=_IDENT)]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(check_zone)]
Instant = Annotated[AwareDatetime, _InstantRule]
Version = Annotated[int, Field(ge=1, le=MAX_SAFE_INT)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Text = Annotated[str, StringConstraints(max_length=200)]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")]
ResourceKind = Literal["desk", "meeting_room", "phone_booth", "event_space"]
Base64Url = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", max_length=200)]


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of a validated zone name."""
    return ZoneInfo(name)


def offset_matches_zone(instant: datetime, tz: str) -> bool:
    """True when the instant's written offset is the zone's offset at that instant."""
    return offset_in(instant, ZoneInfo(tz))


def offset_in(instant: datetime, tz: ZoneInfo) -> bool:
    """`offset_matches_zone` with the zone already looked up (a model checking several instants)."""
    return same_wall_clock(instant.astimezone(tz), instant)


def same_wall_clock(local: datetime, written: datetime) -> bool:
    """Whether two aware datetimes of the same instant read the same on the wall, that is whether
    their offsets are equal. Read from the fields, not from `utcoffset()`: a wire instant's
    tzinfo is pydantic-core's, which answers through a Python call (0.1 µs each, on the path of
    every event received). Offsets lie within a day either way of UTC and are whole seconds
    (the wire's are minutes, the zone database's seconds), so two readings of one instant differ
    by whole seconds and by less than two days: the same day of the month, hour, minute and
    second mean the same reading."""
    return (
        local.second == written.second
        and local.minute == written.minute
        and local.hour == written.hour
        and local.day == written.day
    )


class ObjectRef(WireModel):
    """Names a federated object by its origin and id."""

    origin: NodeId
    id: Ident


class FederatedObject(WireModel):
    """Every federated object has a type, an origin (its only writer), an id and a version."""

    # The fields whose value is any JSON. Passing the model proves every other field canonicalises
    # on the fast path (no float, no map with free keys), so only these need the walk that proves
    # it. A test derives them from the model's schema.
    free_form: ClassVar[tuple[str, ...]] = ()

    type: str
    origin: NodeId
    id: Ident
    version: Version

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type, self.origin, self.id)
