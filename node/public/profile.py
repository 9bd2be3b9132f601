"""The space's public profile: what a visitor, a search engine or a twin may read about it.

An operator fills it on /admin/profile. It is kept as a small JSON file in the node's
directory (written atomically), beside config.yaml: it says nothing about members, it is
backed up with the directory, and it needs no migration. Nothing here is ever about a person.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

PROFILE_FILE = "public-profile.json"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as node.booking.resources names them
# schema.org's day names, in the order of `DAYS` (mon..sun).
SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Hours = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]


class SpaceProfile(BaseModel):
    """Every field may stay empty: the page then shows what the node's settings say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    street_address: Line = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    locality: Line = ""
    region: Line = ""
    country: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([A-Z]{2})?$")] = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^([^@\s]+@[^@\s]+)?$")] = (
        ""
    )
    telephone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    # Day (mon..sun) -> ranges "HH:MM-HH:MM"; a day not named is closed.
    opening_hours: Annotated[dict[str, list[Hours]], Field(max_length=7)] = {}

    @field_validator("opening_hours")
    @classmethod
    def _days(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in value.items():
            if day not in DAYS:
                raise ValueError(f"{day!r} is not one of {', '.join(DAYS)}")
            for hours in ranges:
                opens, closes = hours.split("-")
                if closes <= opens:
                    raise ValueError(f"{hours} closes before it opens")
        return {day: value[day] for day in DAYS if value.get(day)}

    def postal_line(self) -> str:
        """The address on one line, as a person writes it."""
        town = " ".join(p for p in (self.postal_code, self.locality) if p)
        return ", ".join(p for p in (self.street_address, town, self.region, self.country) if p)

    def opening_hours_specification(self) -> list[dict[str, str]]:
        """schema.org OpeningHoursSpecification: one entry per day and range."""
        specs = []
        for day, ranges in self.opening_hours.items():
            for hours in ranges:
                opens, closes = hours.split("-")
                specs.append(
                    {
                        "@type": "OpeningHoursSpecification",
                        "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[DAYS.index(day)]}",
                        "opens": opens,
                        "closes": "23:59" if closes == "24:00" else closes,
                    }
                )
        return specs


def load_profile(directory: Path) -> SpaceProfile:
    """The stored profile, or an empty one (a file edited by hand into nonsense reads as empty)."""
    try:
        return SpaceProfile.model_validate_json((directory / PROFILE_FILE).read_bytes())
    except (FileNotFoundError, ValueError):
        return SpaceProfile()


def save_profile(directory: Path, profile: SpaceProfile) -> None:
    """Write the profile so a reader sees the old file or the new one, never half of one."""
    path = directory / PROFILE_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(profile.model_dump(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)
