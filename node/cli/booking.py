"""`gemella resource|slot|member|reservation|ledger ...`: sharing space with twins and reserving abroad.

Operator commands use the operator token; `reservation ...` uses a member's token (--token or
GEMELLA_TOKEN). Each command says what it did and at which node.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

import click

from .api import client_from, emit, twin_ref

RESOURCE_HINTS = {
    "resource": "List them with `gemella resource list`; "
    "add one with `gemella resource add --kind desk --name NAME --capacity N`",
    "twin": "List them with `gemella twin list`; propose one with `gemella twin propose URL`",
    "slot": "List them with `gemella slot list`; offer one with `gemella slot offer RESOURCE_ID --twin TWIN ...`",
    "member": "List them with `gemella member list`; add one with `gemella member add --name NAME --email EMAIL`",
    "reservation": "List them with `gemella reservation list`",
}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _query(**params: str | None) -> str:
    present = {k: v for k, v in params.items() if v}
    return "?" + urlencode(present) if present else ""


# -- resources ----------------------------------------------------------------------------------


@click.group()
def resource() -> None:
    """This space's desks, meeting rooms, phone booths and event spaces."""


@resource.command(name="add")
@click.option("--kind", required=True, type=click.Choice(["desk", "meeting_room", "phone_booth", "event_space"]))
@click.option("--name", required=True, help="e.g. 'Hot desks' or 'Hudson room'.")
@click.option("--capacity", required=True, type=click.IntRange(1, 10_000), help="Seats it holds.")
@click.option("--id", "resource_id", help="An id of your choice (default: generated).")
@click.option("--hours", multiple=True, metavar="DAY=HH:MM-HH:MM", help="Opening hours, e.g. mon=09:00-18:00.")
@click.pass_context
def resource_add(
    ctx: click.Context, kind: str, name: str, capacity: int, resource_id: str | None, hours: tuple[str, ...]
) -> None:
    """Add a resource (opening hours are the space's local time; none means always open)."""
    body: dict[str, Any] = {"kind": kind, "name": name, "capacity": capacity}
    if resource_id:
        body["id"] = resource_id
    if hours:
        body["opening_hours"] = _hours(hours)
    client = client_from(ctx, RESOURCE_HINTS)
    result = client.call("POST", "/api/v1/resources", body)
    emit(
        ctx,
        result,
        f"Added {result['kind']} '{result['name']}' ({result['capacity']} seats) as {result['id']} at {client.base}.",
    )


def _hours(items: tuple[str, ...]) -> dict[str, list[str]]:
    hours: dict[str, list[str]] = {}
    for item in items:
        day, sep, span = item.partition("=")
        if not sep or day not in DAYS:
            raise click.UsageError(f"--hours takes DAY=HH:MM-HH:MM with DAY one of {', '.join(DAYS)}, not {item!r}")
        hours.setdefault(day, []).append(span)
    return hours


@resource.command(name="list")
@click.pass_context
def resource_list(ctx: click.Context) -> None:
    """List this space's resources."""
    client = client_from(ctx)
    result = client.call("GET", "/api/v1/resources")
    lines = [f"{r['id']:14}  {r['kind']:12}  {r['capacity']:>5}  {r['name']}" for r in result["items"]]
    emit(
        ctx,
        result,
        "\n".join(lines)
        if lines
        else f"No resources at {client.base} yet. Add one with "
        "`gemella resource add --kind desk --name 'Hot desks' --capacity 10`.",
    )


# -- slots ------------------------------------------------------------------------------------


@click.group()
def slot() -> None:
    """Offer space-time to one twin, withdraw it, list what is offered both ways."""


@slot.command(name="offer")
@click.argument("resource_id")
@click.option("--twin", "twin_id", required=True, help="The twin: its name, twinning id or node URL.")
@click.option("--from", "starts_at", required=True, help="Start, local wall time (2027-03-10T09:00) or with offset.")
@click.option("--to", "ends_at", required=True, help="End, likewise.")
@click.option("--seats", required=True, type=click.IntRange(1, 10_000))
@click.pass_context
def slot_offer(ctx: click.Context, resource_id: str, twin_id: str, starts_at: str, ends_at: str, seats: int) -> None:
    """Offer SEATS of RESOURCE_ID to one twin, from --from to --to."""
    client = client_from(ctx, RESOURCE_HINTS)
    twin_id = twin_ref(client, twin_id)
    body = {"resource_id": resource_id, "twin_id": twin_id, "starts_at": starts_at, "ends_at": ends_at, "seats": seats}
    result = client.call("POST", "/api/v1/slots", body)
    emit(
        ctx,
        result,
        f"Offered {result['seats']} seats of {result['resource']['name']} to {result['twin']}: "
        f"{_span(result)}.\n  Slot {result['id']} at {client.base}.",
    )


@slot.command(name="withdraw")
@click.argument("slot_id")
@click.pass_context
def slot_withdraw(ctx: click.Context, slot_id: str) -> None:
    """Withdraw a slot; its reservations are cancelled and their home nodes told."""
    client = client_from(ctx, RESOURCE_HINTS)
    result = client.call("DELETE", f"/api/v1/slots/{quote(slot_id, safe='')}")
    told = ", ".join(result["notified"]) or "nobody (no reservations)"
    emit(ctx, result, f"Withdrew slot {result['id']} at {client.base}; told {told}.")


@slot.command(name="list")
@click.option("--twin", "twin_id", help="List what this twin (name, id or URL) offers us instead.")
@click.option("--from", "start", help="From this time (local).")
@click.option("--to", "end", help="Until this time (local).")
@click.pass_context
def slot_list(ctx: click.Context, twin_id: str | None, start: str | None, end: str | None) -> None:
    """List the slots we offer (operator), or those a twin offers us (--twin; members too)."""
    client = client_from(ctx, RESOURCE_HINTS)
    query = _query(**{"from": start, "to": end})
    if twin_id:
        twin_id = twin_ref(client, twin_id)
        result = client.call("GET", f"/api/v1/twins/{quote(twin_id, safe=':/')}/slots{query}")
        lines = [
            f"{s['id']}  {s['resource']['name']} ({s['resource']['kind']})  {s['remaining']}/{s['seats']} left  "
            f"{_span(s['host_time'])} = {_span(s['our_time'])}  [{s['status']}]"
            for s in result["items"]
        ]
        emit(ctx, result, "\n".join(lines) if lines else f"{result['twin']} offers us nothing in that time.")
        return
    result = client.call("GET", f"/api/v1/slots{query}")
    lines = [
        f"{s['id']}  {s['resource']['name']} -> {s['twin']}  {s['remaining']}/{s['seats']} left  {_span(s)}  "
        f"[{s['status']}]"
        for s in result["items"]
    ]
    emit(
        ctx,
        result,
        "\n".join(lines)
        if lines
        else f"No slots offered from {client.base}. Offer one with "
        "`gemella slot offer RESOURCE_ID --twin TWIN --from START --to END --seats N`.",
    )


def _span(item: dict[str, Any]) -> str:
    return f"{item['starts_at'][:16].replace('T', ' ')} - {item['ends_at'][:16].replace('T', ' ')} {item['timezone']}"


# -- members ----------------------------------------------------------------------------------


@click.group()
def member() -> None:
    """This space's members (they reserve abroad with their own token)."""


@member.command(name="add")
@click.option("--name", "display_name", required=True, help="The name hosts will see.")
@click.option("--email", required=True, help="Kept here only, never sent to a twin.")
@click.pass_context
def member_add(ctx: click.Context, display_name: str, email: str) -> None:
    """Add a member; prints their token and calendar URL once."""
    client = client_from(ctx)
    for existing in client.call("GET", "/api/v1/members")["items"]:
        if str(existing.get("email", "")).casefold() == email.strip().casefold():
            raise click.ClickException(
                f"{existing['display_name']} ({existing['id']}) already has the e-mail address {email.strip()} here; "
                "each member has their own address"
            )
    result = client.call("POST", "/api/v1/members", {"display_name": display_name, "email": email})
    emit(
        ctx,
        result,
        f"Added member {result['display_name']} ({result['id']}) at {client.base}.\n"
        f"  token:        {result['token']}\n  calendar URL: {result['calendar_url']}\n"
        "Give both to the member: they are shown once and stored only as hashes.",
    )


@member.command(name="list")
@click.pass_context
def member_list(ctx: click.Context) -> None:
    """List members."""
    client = client_from(ctx)
    result = client.call("GET", "/api/v1/members")
    lines = [f"{m['id']}  {m['display_name']} <{m['email']}>" for m in result["items"]]
    emit(
        ctx,
        result,
        "\n".join(lines)
        if lines
        else f"No members at {client.base} yet. Add one with `gemella member add --name NAME --email EMAIL`.",
    )


@member.command(name="remove")
@click.argument("member_id")
@click.pass_context
def member_remove(ctx: click.Context, member_id: str) -> None:
    """Remove a member: their personal data and tokens are deleted; receipts keep the opaque id."""
    client = client_from(ctx, RESOURCE_HINTS)
    result = client.call("DELETE", f"/api/v1/members/{quote(member_id, safe='')}")
    emit(ctx, result, f"Removed member {member_id} at {client.base}: personal data and tokens deleted.")


# -- reservations (member token) -------------------------------------------------------------------


@click.group()
def reservation() -> None:
    """Reserve abroad, cancel, list (with a member's token)."""


@reservation.command(name="make")
@click.argument("reservation_id", required=False)
@click.option("--slot", "slot_id", help="A slot a twin offers us.")
@click.option("--event", "event_id", help="An event of a twin.")
@click.option("--twin", "twin_id", help="The twin (name, twinning id or node URL), if the id alone is ambiguous.")
@click.option("--seats", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--waitlist", is_flag=True, help="If it is full, join its waitlist.")
@click.pass_context
def reservation_make(
    ctx: click.Context,
    reservation_id: str | None,
    slot_id: str | None,
    event_id: str | None,
    twin_id: str | None,
    seats: int,
    waitlist: bool,
) -> None:
    """Reserve a slot or an event place. Give RESERVATION_ID (a UUID) to retry one safely."""
    if (slot_id is None) == (event_id is None):
        raise click.UsageError("give --slot or --event (one of them)")
    rid = reservation_id or str(uuid.uuid4())
    body: dict[str, Any] = {"seats": seats, **({"slot_id": slot_id} if slot_id else {"event_id": event_id})}
    if waitlist:
        body["waitlist"] = True
    client = client_from(ctx, RESOURCE_HINTS)
    if twin_id:
        body["twin_id"] = twin_ref(client, twin_id)
    result = client.call("PUT", f"/api/v1/reservations/{rid}", body)
    emit(ctx, result, _said(result))


def _said(r: dict[str, Any]) -> str:
    target = f"{r['target']['kind']} {r['target']['id']}"
    if r["status"] == "waiting":
        return f"Reservation {r['id']} is on the waitlist of {target} at {r['host']}: number {r['position']} in line."
    if r["status"] == "offered":
        return (
            f"Reservation {r['id']}: a seat is held for you until {r['offer_expires_at']}.\n"
            f"  Take it with `gemella reservation confirm {r['id']}`."
        )
    if r["status"] == "lapsed":
        return f"Reservation {r['id']}: the seat offered from the waitlist was not confirmed in time."
    if r["status"] == "pending":
        return (
            f"Reservation {r['id']} is pending: {r['host']} did not answer yet ({r.get('last_error')}).\n"
            f"  It is retried; run `gemella reservation make {r['id']} ...` again or list to see the outcome."
        )
    when = f"{_span(r['host_time'])} (here {_span(r['our_time'])})" if "host_time" in r else ""
    units = f", {_count(r['units'], r['unit'])}" if r.get("units") is not None else ""
    return (
        f"Reservation {r['id']} {r['status']}: {_count(r['seats'], 'seat')}, {target} at {r['host']}{units}\n  {when}"
    )


@reservation.command(name="cancel")
@click.argument("reservation_id")
@click.pass_context
def reservation_cancel(ctx: click.Context, reservation_id: str) -> None:
    """Cancel a reservation (within the host's cancellation window)."""
    result = client_from(ctx, RESOURCE_HINTS).call("DELETE", f"/api/v1/reservations/{quote(reservation_id, safe='')}")
    emit(ctx, result, _said(result))


@reservation.command(name="confirm")
@click.argument("reservation_id")
@click.pass_context
def reservation_confirm(ctx: click.Context, reservation_id: str) -> None:
    """Take the seat a host offers you from its waitlist (before the offer ends)."""
    path = f"/api/v1/reservations/{quote(reservation_id, safe='')}/confirm"
    result = client_from(ctx, RESOURCE_HINTS).call("POST", path)
    emit(ctx, result, _said(result))


@reservation.command(name="list")
@click.pass_context
def reservation_list(ctx: click.Context) -> None:
    """List my reservations abroad."""
    client = client_from(ctx)
    result = client.call("GET", "/api/v1/reservations")
    lines = [
        f"{r['id']}  {r['status']:9}  {r['seats']} x {r['target']['kind']} {r['target']['id']} at {r['host']}"
        + (f"  {_span(r['host_time'])}" if "host_time" in r else "")
        for r in result["items"]
    ]
    emit(
        ctx,
        result,
        "\n".join(lines)
        if lines
        else f"No reservations at {client.base}. Reserve with `gemella reservation make --slot SLOT_ID` "
        "(see `gemella slot list --twin TWIN`).",
    )


# -- the ledger -------------------------------------------------------------------------------------


@click.command()
@click.option("--twin", help="One twin (name, twinning id or node URL); default: all.")
@click.option("--period", help="A month, YYYY-MM (default: this month here).")
@click.option("--receipts", is_flag=True, help="Include the signed receipts (with --json).")
@click.pass_context
def ledger(ctx: click.Context, twin: str | None, period: str | None, receipts: bool) -> None:
    """Reciprocity: what we gave each twin's members and what ours took there, from signed receipts."""
    client = client_from(ctx, RESOURCE_HINTS)
    if twin:
        twin = twin_ref(client, twin)
    query = _query(twin=twin, period=period, receipts="1" if receipts else None)
    result = client.call("GET", f"/api/v1/ledger{query}")
    lines = [f"Ledger of {result['node']} for {result['period']}:"]
    for entry in result["twins"]:
        lines.append(f"  {entry['twin']} ({entry['status']})")
        for side in ("given", "taken"):
            for line in entry[side]:
                allowance = line.get("allowance")
                of = f" of {allowance['amount']} per {allowance['period']}" if allowance else ""
                lines.append(
                    f"    {side:5}  {line['kind']:12} {_count(line['units'], line['unit']):>10}{of}"
                    f"  in {_count(line['reservations'], 'reservation')}"
                )
    if not result["twins"]:
        lines.append("  no twins yet; propose one with `gemella twin propose URL`")
    emit(ctx, result, "\n".join(lines))


def _count(n: int, unit: str) -> str:
    """'1 seat', '2 seats', '0 days'."""
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"
