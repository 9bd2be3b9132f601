"""The reciprocity ledger: what we gave each twin's members here, and what our members took
there, per month, against the agreement's allowances, computed from the signed receipts.

`given` comes from the receipts we signed as host; `taken` from the receipts the twin signed
and we verified as home. Each figure can be proved to the other side by the receipts
themselves (`receipts=1`), which anyone holding the signer's key can verify. Months are
taken in the host's zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from node.core import Node
from node.store import Twinning
from protocol.models import Terms

from .agreement import find_twinning, terms_of
from .hosted_store import HostedRepository
from .periods import month_of, parse_month
from .reservation_store import HomeRepository


class Ledger:
    def __init__(self, node: Node, hosted: HostedRepository, home: HomeRepository) -> None:
        self.node = node
        self.hosted = hosted
        self.home = home

    async def report(self, twin: str | None, period: str | None, with_receipts: bool) -> dict[str, Any]:
        month = parse_month(period) if period else month_of(self.node.clock.now(), self.node.settings.node.timezone)
        if twin:
            twinnings = [await find_twinning(self.node, twin, "twin")]
        else:
            twinnings = _latest_per_peer(await self.node.store.twinnings.list())
        items = [await self._twin_entry(t, month, with_receipts) for t in twinnings]
        return {"node": self.node.id, "period": month, "twins": items}

    async def opening_month(self) -> str:
        """The month a ledger page opens on: this one if anything happened in it, else the latest
        month with a receipt (an empty month first would hide what there is), else this one."""
        now = month_of(self.node.clock.now(), self.node.settings.node.timezone)
        months = set(await self.hosted.list_months()) | set(await self.home.list_months())
        if now in months or not months:
            return now
        return max(months)

    async def _twin_entry(self, twinning: Twinning, month: str, with_receipts: bool) -> dict[str, Any]:
        we_give, we_receive = terms_of(twinning)
        hosted = await self.hosted.list_for_month(month, home=twinning.peer_id)
        abroad = await self.home.list_for_month(month, host=twinning.peer_id)
        given = _totals((h.kind, h.unit, h.units, h.seats) for h in hosted if h.status == "confirmed")
        taken = _totals((r.kind or "", r.unit or "", r.units or 0, r.seats) for r in abroad if r.status == "confirmed")
        entry: dict[str, Any] = {
            "twin": twinning.peer_id,
            "twinning_id": twinning.id,
            "status": twinning.status,
            "given": _against(given, we_give),
            "taken": _against(taken, we_receive),
            "cancelled": {
                "given": sum(1 for h in hosted if h.status == "cancelled"),
                "taken": sum(1 for r in abroad if r.status == "cancelled"),
            },
            # The front desk's word: the host's own for `given`, the host's receipts for `taken`.
            "attendance": {
                "given": _attendance(h.attendance for h in hosted if h.status == "confirmed"),
                "taken": _attendance(r.attendance for r in abroad if r.status == "confirmed"),
            },
        }
        if with_receipts:
            entry["receipts"] = {
                "given": [h.receipt for h in hosted],
                "taken": [r.receipt for r in abroad if r.receipt is not None],
            }
        return entry


def _totals(rows: Iterable[tuple[str, str, int, int]]) -> dict[tuple[str, str], dict[str, int]]:
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for kind, unit, units, seats in rows:
        entry = totals.setdefault((kind, unit), {"units": 0, "seats": 0, "reservations": 0})
        entry["units"] += units
        entry["seats"] += seats
        entry["reservations"] += 1
    return totals


def _against(totals: dict[tuple[str, str], dict[str, int]], terms: Terms) -> list[dict[str, Any]]:
    """Totals per kind and unit, each with the allowance the agreement sets for that kind."""
    kinds = {(a.kind, a.unit) for a in terms.allowances} | set(totals)
    lines = []
    for kind, unit in sorted(kinds):
        line: dict[str, Any] = {"kind": kind, "unit": unit, **totals.get((kind, unit), _zero())}
        allowance = terms.allowance_for(kind)
        if allowance is not None and allowance.unit == unit:
            line["allowance"] = {"amount": allowance.amount, "period": allowance.period}
            if allowance.period == "month":
                line["allowance"]["remaining"] = allowance.amount - line["units"]
        lines.append(line)
    return lines


def _attendance(marks: Iterable[str | None]) -> dict[str, int]:
    """Confirmed reservations: how many were reserved, attended (checked in), and no-shows."""
    counts = {"reserved": 0, "attended": 0, "no_show": 0}
    for mark in marks:
        counts["reserved"] += 1
        if mark == "checked_in":
            counts["attended"] += 1
        elif mark == "no_show":
            counts["no_show"] += 1
    return counts


def _zero() -> dict[str, int]:
    return {"units": 0, "seats": 0, "reservations": 0}


def _latest_per_peer(twinnings: list[Twinning]) -> list[Twinning]:
    """One agreement per twin: the live one, else the most recent (the list is newest first)."""
    chosen: dict[str, Twinning] = {}
    for t in twinnings:
        if t.status in ("proposed", "pending", "declined"):
            continue  # never active: nothing was shared
        current = chosen.get(t.peer_id)
        if current is None or (current.status in ("ended", "declined") and t.status not in ("ended", "declined")):
            chosen[t.peer_id] = t
    return sorted(chosen.values(), key=lambda t: t.peer_id)
