"""Operator page: the reciprocity ledger per twin and month, from the signed receipts, with a
chart of what we gave the twin's members against what ours took there."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from node.booking.periods import parse_month
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash
from node.http.pages.timefmt import month_label, parse, when
from node.i18n import _
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from node.words import resource_kind, unit_name, units
from protocol.problems import Problem

from .chart import Bars, given_taken_svg

routes = web.RouteTableDef()


@routes.get("/admin/ledger")
@operator_only
async def ledger(request: web.Request, who: Principal) -> web.Response:
    node = request.app[ASSEMBLED]
    period = request.query.get("period", "")
    if period:
        parse_month(period)  # a malformed or far-off month is a validation error, with how to write it
    else:
        period = await node.booking.ledger.opening_month()
    message: dict[str, str] | None = None
    try:
        report = await node.booking.ledger.report(None, period, True)
    except Problem as problem:
        message = flash(operator_sentence(problem, _("show the ledger")), "error")
        report = {"twins": [], "period": period}
    names = {}
    for entry in report["twins"]:
        row = await node.store.peers.get(entry["twin"])
        names[entry["twin"]] = row.name if row else entry["twin"]
    twins = [_entry(e, names[e["twin"]]) for e in report["twins"]]
    context = {"twins": twins, "period": period, "month_label": _label(period), **_neighbours(period)}
    return render_admin(request, "admin_ledger.html", context, who, "/admin/ledger", message=message)


def _entry(entry: dict[str, Any], name: str) -> dict[str, Any]:
    given = {(g["kind"], g["unit"]): g for g in entry["given"]}
    taken = {(t["kind"], t["unit"]): t for t in entry["taken"]}
    rows = []
    for key in sorted(set(given) | set(taken)):
        g, t = given.get(key, {}), taken.get(key, {})
        rows.append(
            {
                "kind": key[0],
                "unit": key[1],
                "unit_name": unit_name(key[1]),
                "given": g.get("units", 0),
                "given_reservations": g.get("reservations", 0),
                "given_allowance": (g.get("allowance") or {}).get("amount"),
                "taken": t.get("units", 0),
                "taken_reservations": t.get("reservations", 0),
                "taken_allowance": (t.get("allowance") or {}).get("amount"),
            }
        )
    bars = [
        Bars(resource_kind(r["kind"]), r["unit"], r["given"], r["taken"], r["given_allowance"], r["taken_allowance"])
        for r in rows
    ]
    receipts = entry.get("receipts", {})
    return {
        "twin": entry["twin"],
        "name": name,
        "status": entry["status"],
        "rows": rows,
        "chart": given_taken_svg(bars, _("Given to and taken from %(twin)s", twin=name)),
        "cancelled": entry["cancelled"],
        "attendance": entry["attendance"],
        "given_receipts": [_receipt(r) for r in receipts.get("given", [])],
        "taken_receipts": [_receipt(r) for r in receipts.get("taken", [])],
    }


def _receipt(envelope: dict[str, Any]) -> dict[str, Any]:
    obj = envelope["object"]
    return {
        "id": obj["id"],
        "status": obj["status"],
        "kind": str(obj.get("kind", "")),
        "seats": obj.get("seats"),
        "units": units(int(obj.get("units") or 0), str(obj.get("unit"))),
        "when": when(obj["starts_at"], obj["ends_at"]) if obj.get("starts_at") else "",
        "starts": parse(obj["starts_at"]) if obj.get("starts_at") else None,
        "zone": obj.get("timezone", ""),
        "member": obj.get("member_id", "")[:8],
        "version": obj.get("version"),
    }


def _neighbours(period: str) -> dict[str, str]:
    year, month = int(period[:4]), int(period[5:])
    before = date(year - (month == 1), 12 if month == 1 else month - 1, 1)
    after = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return {"previous": f"{before:%Y-%m}", "next": f"{after:%Y-%m}"}


def _label(period: str) -> str:
    return month_label(date(int(period[:4]), int(period[5:]), 1))
