"""Validation problems in words, for the CLI and the pages alike.

The services answer a bad value with a field path and pydantic's message ("String should match
pattern '^https?://'"); people read "address: must start with http:// or https://".
"""

from __future__ import annotations

import re
from typing import Any

# What each field is called in a sentence. Unknown fields fall back to their name with spaces.
FIELD_WORDS = {
    "url": "address",
    "starts_at": "start",
    "ends_at": "end",
    "title": "title",
    "description": "description",
    "timezone": "time zone",
    "room": "room",
    "capacity": "capacity",
    "seats": "seats",
    "audience": "audience",
    "rrule": "recurrence",
    "recurrence": "recurrence",
    "online_url": "online address",
    "resource_id": "resource",
    "twin_id": "twin",
    "slot_id": "slot",
    "event_id": "event",
    "display_name": "name",
    "email": "e-mail address",
    "kind": "kind",
    "name": "name",
    "opening_hours": "opening hours",
    "offer": "what we offer",
    "request": "what we ask for",
    "message": "message",
    "reason": "reason",
    "status": "status",
    "tags": "tags",
    "language": "language",
    "location": "location",
    "period": "month",
    "(body)": "request",
}


def field_in_words(path: str) -> str:
    """'opening_hours.mon.0' -> 'opening hours, mon, item 1'."""
    parts = []
    for part in str(path).split("."):
        if part.isdigit():
            parts.append(f"item {int(part) + 1}")
        else:
            parts.append(FIELD_WORDS.get(part, part.replace("_", " ")))
    return ", ".join(parts)


_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^String should match pattern '\^https\?://.*'$"), "must start with http:// or https://"),
    (re.compile(r"^String should match pattern .*$"), "is not written in the expected form"),
    (re.compile(r"^Field required$"), "is missing"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not something this command knows; check its spelling"),
    (re.compile(r"^Input should be a valid integer.*$"), "should be a whole number"),
    (re.compile(r"^Input should be a valid number.*$"), "should be a number"),
    (re.compile(r"^Input should be a valid string$"), "should be text"),
    (re.compile(r"^Input should be a valid boolean.*$"), "should be true or false"),
    (re.compile(r"^Input should be a valid datetime.*$"), "should be a date and time, like 2027-03-10T09:00"),
    (re.compile(r"^Input should be a valid date.*$"), "should be a date, like 2027-03-10"),
    (re.compile(r"^Input should be a valid list$"), "should be a list"),
    (re.compile(r"^Input should be a valid dictionary.*$"), "should be a set of key: value lines"),
    (re.compile(r"^String should have at least (\d+) characters?$"), r"is too short (at least \1 characters)"),
    (re.compile(r"^String should have at most (\d+) characters?$"), r"is too long (at most \1 characters)"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), r"should be at least \1"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"should be at most \1"),
    (re.compile(r"^Input should be greater than (\S+)$"), r"should be more than \1"),
    (re.compile(r"^Input should be less than (\S+)$"), r"should be less than \1"),
    (re.compile(r"^Input should be (.*)$"), r"should be \1"),
    (re.compile(r"^(?:Value|Assertion) error, (.*)$"), r"\1"),
]


_NAMES_IN_TEXT = re.compile(r"\b(" + "|".join(k for k in FIELD_WORDS if "_" in k) + r")\b")


def message_in_words(message: str) -> str:
    """pydantic's message, or the service's own, with field names inside it in words too."""
    for pattern, words in _MESSAGES:
        if pattern.match(message):
            message = pattern.sub(words, message)
            break
    return _NAMES_IN_TEXT.sub(lambda m: FIELD_WORDS[m.group(1)], message)


def validation_lines(errors: list[dict[str, Any]]) -> list[str]:
    """Every error of a validation problem, one line each: 'start: should be a date and time, ...'."""
    return [f"{field_in_words(e.get('field', ''))}: {message_in_words(str(e.get('message', '')))}" for e in errors]
