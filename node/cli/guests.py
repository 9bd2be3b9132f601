"""`gemella guests [--date D]`, `gemella guests check-in ID`, `gemella guests no-show ID`: the
front desk from a terminal (twins' members expected here, in this space's time)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click

from .api import client_from, emit

HINTS = {"reservation": "List the guests with `gemella guests list --date YYYY-MM-DD`"}
MARKS = {"expected": "expected", "checked_in": "checked in", "no_show": "no-show"}


@click.group()
def guests() -> None:
    """Twins' members expected here: list them, check them in, record no-shows."""


@guests.command(name="list")
@click.option("--date", "day", help="The day, YYYY-MM-DD in this space's zone (default: today).")
@click.pass_context
def guests_list(ctx: click.Context, day: str | None) -> None:
    """Guests from twins on one day, with their reservation ids."""
    client = client_from(ctx, HINTS)
    result = client.call("GET", "/api/v1/guests" + (f"?date={quote(day)}" if day else ""))
    lines = [f"Guests at {client.base} on {result['date']} ({result['timezone']}):"]
    lines += [f"  {_line(g)}" for g in result["items"]] or ["  nobody from a twin"]
    emit(ctx, result, "\n".join(lines))


@guests.command(name="check-in")
@click.argument("reservation")
@click.pass_context
def check_in(ctx: click.Context, reservation: str) -> None:
    """Check a twin's member in (from the day of their reservation)."""
    _record(ctx, reservation, "check-in", "is checked in")


@guests.command(name="no-show")
@click.argument("reservation")
@click.pass_context
def no_show(ctx: click.Context, reservation: str) -> None:
    """Record that a twin's member did not come (once the reservation has started)."""
    _record(ctx, reservation, "no-show", "is recorded as a no-show; their home space is told")


def _record(ctx: click.Context, reservation: str, action: str, done: str) -> None:
    client = client_from(ctx, HINTS)
    guest = client.call("POST", f"/api/v1/guests/{quote(reservation, safe='')}/{action}")
    emit(ctx, guest, f"{guest['display_name']} ({guest['home_name']}) {done}.")


def _line(guest: dict[str, Any]) -> str:
    times = f"{guest['starts_at'][11:16]}-{guest['ends_at'][11:16]}"
    seats = f"{guest['seats']} seat" + ("s" if guest["seats"] != 1 else "")
    return (
        f"{times}  {guest['display_name']} from {guest['home_name']}: {guest['target']['name']}, {seats}, "
        f"{MARKS.get(guest['attendance'], guest['attendance'])}  [{guest['reservation']}]"
    )
