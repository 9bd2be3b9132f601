"""`gemella event ...`: publish, update, cancel, postpone, move online, export, list, flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TextIO
from urllib.parse import quote, urlencode

import click
import yaml

from .api import client_from, emit
from .words import load_yaml_mapping

HINTS = {"event": "List them with `gemella event list`; publish one with `gemella event publish FILE.yaml`"}

EXAMPLE = """\
# An event for `gemella event publish FILE.yaml`. Times are the space's local wall time
# (or give an offset, 2027-03-16T18:00-04:00). Only title, starts_at and ends_at are required.
title: Founders' meetup
summary: Ten-minute stories from founders, then drinks.   # one line, up to 500 characters
description: |                                            # as long as you like (up to 20,000)
  Bring a question for the founders.
starts_at: 2027-03-16T18:00
ends_at: 2027-03-16T20:00
# timezone: America/New_York     # IANA zone; default: the space's own
venue: WeCreate NYC
room: Loft
# address: 100 Example Street
# online_url: https://meet.example/founders   # for a hybrid or online event
capacity: 30                     # seats; 0 means no limit
language: en
tags: [founders, meetup]
audience: all                    # every twin; or a list of twins by twinning id or node URL
# A series: every Tuesday until the end of June (RFC 5545; UNTIL in UTC). starts_at is the first one.
# rrule: FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T235959Z
# exdates: [2027-03-23T18:00]    # occurrences left out, as local times
"""


@click.group()
def event() -> None:
    """Publish, update, cancel and export events (times are the space's local time)."""


def _plain(value: Any) -> Any:
    """YAML reads 2026-03-10T18:00:00 as a datetime; the API wants the text back."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read(file: TextIO | None, fields: tuple[str, ...]) -> dict[str, Any]:
    """The body from a YAML file, then each --field KEY=VALUE (VALUE read as YAML: 30, [a, b], null)."""
    body = load_yaml_mapping(file, "an event", "gemella event publish --example") if file is not None else {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--field takes KEY=VALUE, not {item!r}")
        body[key.strip()] = yaml.safe_load(value) if value else None
    return dict(_plain(body))


def _when(item: dict[str, Any]) -> str:
    start, end = item["starts_at"], item["ends_at"]
    day = start[:10]
    until = end[11:16] if end[:10] == day else end[:16].replace("T", " ")
    return f"{day} {start[11:16]}-{until} {item['timezone']}"


def _line(item: dict[str, Any]) -> str:
    status = "" if item["status"] == "scheduled" else f" [{item['status'].replace('_', ' ')}]"
    here = item["here"]["starts_at"]
    return (
        f"{item['id']}  {_when(item)} (here {here[:16].replace('T', ' ')})  {item['title']}{status}"
        f"  @ {item['origin_name']}"
    )


def _call(ctx: click.Context, method: str, path: str, body: Any | None = None) -> Any:
    return client_from(ctx, HINTS).call(method, path, body)


def _said(ctx: click.Context, item: dict[str, Any], verb: str) -> None:
    base = client_from(ctx).base
    extra = f", audience {item['audience']}" if "audience" in item else ""
    emit(
        ctx,
        item,
        f"{verb} event {item['id']} (version {item['version']}) at {item['origin_name']} via {base}:\n"
        f"  {item['title']}, {_when(item)}, status {item['status']}{extra}",
    )


@event.command()
@click.argument("file", type=click.File("r"), required=False)
@click.option("--example", is_flag=True, help="Print an example FILE, every field explained, and stop.")
@click.pass_context
def publish(ctx: click.Context, file: TextIO | None, example: bool) -> None:
    """Publish the event described in FILE (YAML: title, starts_at, ends_at, ... audience).

    `gemella event publish --example > meetup.yaml` writes a file to start from.
    """
    if example:
        click.echo(EXAMPLE, nl=False)
        return
    if file is None:
        raise click.UsageError("give the event's FILE.yaml; `gemella event publish --example` prints one to start from")
    item = _call(ctx, "POST", "/api/v1/events", _read(file, ()))
    _said(ctx, item, "Published")


@event.command()
@click.argument("event_id")
@click.argument("file", type=click.File("r"), required=False)
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", help="A field to change (repeatable).")
@click.pass_context
def update(ctx: click.Context, event_id: str, file: TextIO | None, fields: tuple[str, ...]) -> None:
    """Change EVENT_ID: the fields in FILE and/or --field KEY=VALUE; twins get the new version."""
    body = _read(file, fields)
    if not body:
        raise click.UsageError("nothing to change: give a FILE or --field KEY=VALUE")
    item = _call(ctx, "PATCH", f"/api/v1/events/{quote(event_id)}", body)
    _said(ctx, item, "Updated")


@event.command()
@click.argument("event_id")
@click.pass_context
def cancel(ctx: click.Context, event_id: str) -> None:
    """Cancel EVENT_ID (it stays visible as cancelled, here and at the twins)."""
    item = _call(ctx, "DELETE", f"/api/v1/events/{quote(event_id)}")
    _said(ctx, item, "Cancelled")


@event.command()
@click.argument("event_id")
@click.option("--starts-at", help="The new start, local time (leave out: date to be announced).")
@click.option("--ends-at", help="The new end (default: the same duration).")
@click.pass_context
def postpone(ctx: click.Context, event_id: str, starts_at: str | None, ends_at: str | None) -> None:
    """Mark EVENT_ID postponed, optionally with its new time."""
    body: dict[str, Any] = {"status": "postponed"}
    body.update({k: v for k, v in (("starts_at", starts_at), ("ends_at", ends_at)) if v})
    item = _call(ctx, "PATCH", f"/api/v1/events/{quote(event_id)}", body)
    _said(ctx, item, "Postponed")


@event.command(name="move-online")
@click.argument("event_id")
@click.option("--url", "online_url", required=True, help="Where to join (https://...).")
@click.pass_context
def move_online(ctx: click.Context, event_id: str, online_url: str) -> None:
    """Move EVENT_ID online, at URL."""
    body = {"status": "moved_online", "online_url": online_url}
    item = _call(ctx, "PATCH", f"/api/v1/events/{quote(event_id)}", body)
    _said(ctx, item, "Moved online")


@event.command()
@click.argument("event_id")
@click.argument("file", type=click.File("r"), required=False)
@click.option("--origin", help="The twin whose event it is (when two twins use the same id).")
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", help="starts_at, room, capacity...")
@click.pass_context
def export(ctx: click.Context, event_id: str, file: TextIO | None, origin: str | None, fields: tuple[str, ...]) -> None:
    """Re-host a twin's EVENT_ID here, with our room and local time (FILE and/or --field)."""
    body = _read(file, fields)
    if origin:
        body["origin"] = origin
    item = _call(ctx, "POST", f"/api/v1/events/{quote(event_id)}/export", body)
    _said(ctx, item, f"Re-hosted {item['exported_from']['name']}'s {item['exported_from']['id']} as")


@event.command(name="list")
@click.option("--origin", default="all", show_default=True, help="all, local, or a twin's URL.")
@click.option("--from", "start", help="From (date or local time; default now).")
@click.option("--to", "end", help="To (default 180 days after --from).")
@click.pass_context
def list_(ctx: click.Context, origin: str, start: str | None, end: str | None) -> None:
    """Events here and at the twins, in both time zones."""
    query = {k: v for k, v in (("origin", origin), ("from", start), ("to", end)) if v}
    client = client_from(ctx)
    result = client.call("GET", "/api/v1/events?" + urlencode(query))
    lines = [_line(i) for i in result["items"]]
    header = f"Events at {client.base} from {result['from'][:16]} to {result['to'][:16]} ({result['timezone']}):"
    none = "\n  none yet; publish one with `gemella event publish FILE.yaml` (see `gemella event publish --example`)"
    emit(ctx, result, "\n".join([header, *lines]) if lines else header + none)


@event.command()
@click.argument("event_id")
@click.option("--origin", help="The twin whose event it is.")
@click.pass_context
def show(ctx: click.Context, event_id: str, origin: str | None) -> None:
    """Show one event in full."""
    suffix = "?" + urlencode({"origin": origin}) if origin else ""
    item = _call(ctx, "GET", f"/api/v1/events/{quote(event_id)}{suffix}")
    emit(ctx, item, yaml.safe_dump(item, sort_keys=False, allow_unicode=True).rstrip())


@event.command()
@click.pass_context
def flags(ctx: click.Context) -> None:
    """Re-hosted events whose origin changed their time or status: decide with `event resolve`."""
    result = _call(ctx, "GET", "/api/v1/events/flags")
    lines = []
    for item in result["items"]:
        for flag in item["flags"]:
            lines.append(f"{item['id']}  {item['title']}\n  {flag['notice']}")
    text = "\n".join(lines) if lines else "No open flags."
    emit(ctx, result, text + ("\nFollow or keep: gemella event resolve ID --follow|--keep" if lines else ""))


@event.command()
@click.argument("event_id")
@click.option("--follow/--keep", required=True, help="Take the origin's change, or keep ours as it is.")
@click.pass_context
def resolve(ctx: click.Context, event_id: str, follow: bool) -> None:
    """Answer the open flag on EVENT_ID."""
    action = "follow" if follow else "keep"
    item = _call(ctx, "POST", f"/api/v1/events/{quote(event_id)}/flags/resolve", {"action": action})
    _said(ctx, item, "Followed the origin's change:" if follow else "Kept as it is:")
