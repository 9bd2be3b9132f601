"""Validation problems: pydantic's errors as a problem with field paths (`validation_problem`,
what the API answers), and in words, for the CLI and the pages alike.

The services answer a bad value with a field path and pydantic's message ("String should match
pattern '^https?://'"); people read "address: must start with http:// or https://".
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from node.i18n import N_, _
from protocol.problems import Problem, ProblemType


def validation_problem(exc: ValidationError, prefix: str = "") -> Problem:
    errors = [
        {"field": ".".join(filter(None, [prefix, *map(str, e["loc"])])) or "(body)", "message": e["msg"]}
        for e in exc.errors(include_url=False)[:20]
    ]
    return Problem(ProblemType.VALIDATION_ERROR, f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


# What each field is called in a sentence. Unknown fields fall back to their name with spaces.
FIELD_WORDS = {
    "url": N_("address"),
    "starts_at": N_("start"),
    "ends_at": N_("end"),
    "title": N_("title"),
    "description": N_("description"),
    "timezone": N_("time zone"),
    "room": N_("room"),
    "capacity": N_("capacity"),
    "seats": N_("seats"),
    "audience": N_("audience"),
    "rrule": N_("recurrence"),
    "recurrence": N_("recurrence"),
    "online_url": N_("online address"),
    "resource_id": N_("resource"),
    "twin_id": N_("twin"),
    "slot_id": N_("slot"),
    "event_id": N_("event"),
    "display_name": N_("name"),
    "email": N_("e-mail address"),
    "kind": N_("kind"),
    "name": N_("name"),
    "opening_hours": N_("opening hours"),
    "offer": N_("what we offer"),
    "request": N_("what we ask for"),
    "message": N_("message"),
    "reason": N_("reason"),
    "status": N_("status"),
    "tags": N_("tags"),
    "language": N_("language"),
    "location": N_("location"),
    "period": N_("month"),
    "(body)": N_("request"),
}


def field_in_words(path: str) -> str:
    """'opening_hours.mon.0' -> 'opening hours, mon, item 1'."""
    parts = []
    for part in str(path).split("."):
        if part.isdigit():
            parts.append(_("item %(number)s", number=int(part) + 1))
        else:
            parts.append(_(FIELD_WORDS[part]) if part in FIELD_WORDS else part.replace("_", " "))
    return ", ".join(parts)


# pydantic's messages in words; a group named `n` is the number the words carry.
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^String should match pattern '\^https\?://.*'$"), N_("must start with http:// or https://")),
    (re.compile(r"^String should match pattern .*$"), N_("is not written in the expected form")),
    (re.compile(r"^Field required$"), N_("is missing")),
    (re.compile(r"^Extra inputs are not permitted$"), N_("is not something this command knows; check its spelling")),
    (re.compile(r"^Input should be a valid integer.*$"), N_("should be a whole number")),
    (re.compile(r"^Input should be a valid number.*$"), N_("should be a number")),
    (re.compile(r"^Input should be a valid string$"), N_("should be text")),
    (re.compile(r"^Input should be a valid boolean.*$"), N_("should be true or false")),
    (re.compile(r"^Input should be a valid datetime.*$"), N_("should be a date and time, like 2027-03-10T09:00")),
    (re.compile(r"^Input should be a valid date.*$"), N_("should be a date, like 2027-03-10")),
    (re.compile(r"^Input should be a valid list$"), N_("should be a list")),
    (re.compile(r"^Input should be a valid dictionary.*$"), N_("should be a set of key: value lines")),
    (
        re.compile(r"^String should have at least (?P<n>\d+) characters?$"),
        N_("is too short (at least %(n)s characters)"),
    ),
    (re.compile(r"^String should have at most (?P<n>\d+) characters?$"), N_("is too long (at most %(n)s characters)")),
    (re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"), N_("should be at least %(n)s")),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"), N_("should be at most %(n)s")),
    (re.compile(r"^Input should be greater than (?P<n>\S+)$"), N_("should be more than %(n)s")),
    (re.compile(r"^Input should be less than (?P<n>\S+)$"), N_("should be less than %(n)s")),
]


_NAMES_IN_TEXT = re.compile(r"\b(" + "|".join(k for k in FIELD_WORDS if "_" in k) + r")\b")


def message_in_words(message: str) -> str:
    """pydantic's message, or the service's own, with field names inside it in words too."""
    for pattern, words in _MESSAGES:
        found = pattern.match(message)
        if found:
            message = _(words, **found.groupdict())
            break
    else:
        # "Input should be 'desk' or 'room'", "Value error, <the service's own sentence>": kept as written.
        message = re.sub(r"^(?:Value|Assertion) error, ", "", re.sub(r"^Input should be ", "should be ", message))
    return _NAMES_IN_TEXT.sub(lambda m: _(FIELD_WORDS[m.group(1)]), message)


def validation_lines(errors: list[dict[str, Any]]) -> list[str]:
    """Every error of a validation problem, one line each: 'start: should be a date and time, ...'."""
    return [f"{field_in_words(e.get('field', ''))}: {message_in_words(str(e.get('message', '')))}" for e in errors]
