"""`gemella offers add|list|withdraw`: standing offers from a terminal, a resource offered to one
twin on a weekly schedule ("2 desks, weekdays 09:00-18:00, for London, December to February,
not on 24-26 December")."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click

from .api import client_from, emit, twin_ref

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
HINTS = {
    "resource": "List the resources with `gemella resource list`",
    "offer": "List the standing offers with `gemella offers list`",
}


@click.group()
def offers() -> None:
    """Standing offers: a resource offered to a twin every week, from a date until a date."""


@offers.command(name="add")
@click.argument("resource_id")
@click.option("--twin", required=True, help="The twin: its name, twinning id or node URL.")
@click.option("--seats", required=True, type=click.IntRange(1, 10_000))
@click.option("--days", default="MO,TU,WE,TH,FR", show_default=True, help="Weekdays, e.g. MO,WE,FR.")
@click.option("--from", "from_time", default="09:00", show_default=True, help="Local wall time, HH:MM.")
@click.option("--to", "to_time", default="18:00", show_default=True, help="Local wall time, HH:MM.")
@click.option("--start", "start_date", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", "end_date", help="Last day, YYYY-MM-DD (default: no end).")
@click.option("--except", "exceptions", multiple=True, metavar="YYYY-MM-DD", help="A day without it; repeatable.")
@click.pass_context
def offers_add(ctx: click.Context, resource_id: str, twin: str, days: str, **fields: Any) -> None:
    """Offer RESOURCE_ID to a twin on a weekly schedule."""
    weekdays = [d.strip().upper() for d in days.split(",") if d.strip()]
    unknown = [d for d in weekdays if d not in DAYS]
    if unknown or not weekdays:
        raise click.UsageError(f"--days takes two-letter weekdays such as MO,TU,WE; not {', '.join(unknown) or days!r}")
    client = client_from(ctx, HINTS)
    body = {
        **fields,
        "resource_id": resource_id,
        "twin": twin_ref(client, twin),
        "weekdays": weekdays,
        "exceptions": list(fields["exceptions"]),
    }
    made = client.call("POST", "/api/v1/offers", body)
    emit(
        ctx,
        made,
        f"Offered {_describe(made)} as {made['id']}.\n"
        f"  {made['published']} day(s) published now as slots, the rest as their days come within reach.",
    )


@offers.command(name="list")
@click.pass_context
def offers_list(ctx: click.Context) -> None:
    """The standing offers, with how far each is published."""
    client = client_from(ctx, HINTS)
    result = client.call("GET", "/api/v1/offers")
    lines = [
        f"{o['id']}  {o['status']:9}  {_describe(o)}; {o['occurrences']} day(s) published" for o in result["items"]
    ]
    emit(ctx, result, "\n".join(lines) or f"No standing offers at {client.base}. Make one with `gemella offers add`.")


@offers.command(name="withdraw")
@click.argument("offer_id")
@click.option("--from", "first", help="From this day on, YYYY-MM-DD (default: today).")
@click.pass_context
def offers_withdraw(ctx: click.Context, offer_id: str, first: str | None) -> None:
    """Withdraw a standing offer from a day on; bookings from then are cancelled and their homes told."""
    client = client_from(ctx, HINTS)
    query = f"?from={quote(first)}" if first else ""
    result = client.call("DELETE", f"/api/v1/offers/{quote(offer_id, safe='')}{query}")
    told = ", ".join(result["notified"]) or "nobody (no bookings)"
    emit(
        ctx,
        result,
        f"Withdrew {offer_id} from {first or 'today'} on: {result['withdrawn']} day(s) withdrawn; told {told}.",
    )


def _describe(offer: dict[str, Any]) -> str:
    dates = f"{offer['start_date']} to {offer['end_date'] or 'no end'}"
    skipped = f", not on {', '.join(offer['exceptions'])}" if offer["exceptions"] else ""
    return (
        f"{offer['seats']} seat(s) of {offer['resource_id']} for {offer['twin']}, {','.join(offer['weekdays'])} "
        f"{offer['from_time']}-{offer['to_time']} {offer['timezone']}, {dates}{skipped}"
    )
