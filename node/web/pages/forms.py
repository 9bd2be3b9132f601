"""Reading submitted forms: strings trimmed, empty fields as None, numbers checked."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from node.web.errors import validation_problem
from protocol.problems import Problem, ProblemType

M = TypeVar("M", bound=BaseModel)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


async def read_form(request: web.Request) -> dict[str, str]:
    """The submitted fields (the CSRF field left out), trimmed; repeated fields keep the last."""
    form = await request.post()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def read_multi(request: web.Request, name: str) -> list[str]:
    form = await request.post()
    return [v.strip() for v in form.getall(name, []) if isinstance(v, str) and v.strip()]


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


def day_param(value: str | None, default: date) -> date:
    """A YYYY-MM-DD query parameter, or `default` when missing or malformed."""
    if value and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return default


def safe_back(value: str | None, default: str) -> str:
    """A local path to return to after an action (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
