"""Reading submitted forms: strings trimmed, empty fields as None, numbers checked."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from node.plain import validation_problem
from protocol.models.common import EARLIEST_YEAR, LATEST_YEAR
from protocol.problems import Problem, ProblemType

M = TypeVar("M", bound=BaseModel)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


async def read_form(request: web.Request) -> dict[str, str]:
    """The submitted fields (the CSRF field left out), trimmed; repeated fields keep the last."""
    form = await request.post()
    return {k: _text(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def read_multi(request: web.Request, name: str) -> list[str]:
    form = await request.post()
    return [_text(v) for v in form.getall(name, []) if isinstance(v, str) and _text(v)]


def _text(value: str) -> str:
    """Trimmed, and without NUL characters: nobody types one, and PostgreSQL's text cannot hold it."""
    return value.replace("\x00", "").strip()


def optional(fields: dict[str, str], name: str) -> str | None:
    value = fields.get(name, "")
    return value or None


def integer(fields: dict[str, str], name: str, *, default: int | None = None) -> int | None:
    value = fields.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise Problem(
            ProblemType.VALIDATION_ERROR,
            f"{name}: {value!r} is not a whole number",
            errors=[{"field": name, "message": "not a whole number"}],
        ) from exc


def build(model: type[M], values: dict[str, Any]) -> M:
    """The service's body model from the form's non-empty values; a refused value is a validation problem."""
    return validated(model, {k: v for k, v in values.items() if v is not None})


def validated(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def day_param(value: str | None, default: date, field: str = "from") -> date:
    """A YYYY-MM-DD query parameter, or `default` when missing; a malformed day, or one outside
    the years times may lie in, is a validation error that says how to write it."""
    if not value:
        return default
    try:
        day = date.fromisoformat(value) if _DATE.match(value) else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_YEAR <= day.year < LATEST_YEAR:
        message = f"write the day as YYYY-MM-DD, in the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}"
        raise Problem(
            ProblemType.VALIDATION_ERROR, f"{field}: {message}", errors=[{"field": field, "message": message}]
        )
    return day


def safe_back(value: str | None, default: str) -> str:
    """A local path to return to after an action (never another site). Browsers drop tabs and line
    breaks from a Location, so '/<tab>/evil.example' would be '//evil.example': none is taken."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and value.isprintable():
        return value
    return default
