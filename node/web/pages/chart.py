"""A small server-side SVG chart of given vs taken per resource kind (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from node.http.pages.timefmt import number
from node.i18n import _
from node.words import units

GIVEN, TAKEN, INK, GRID, TRACK = "#1d5bb8", "#b86200", "#1b2330", "#d9dee5", "#e9edf2"
# Narrow enough to be drawn at about its own size on a phone (so 14 px text stays 14 px), with
# each kind's name above its bars rather than in a column beside them.
WIDTH, VALUE_W, LABEL_H, FONT = 330, 118, 24, 15
LABEL_W, BAR_W = 0, WIDTH - VALUE_W
BAR_H, BAR_GAP, GROUP_GAP, TOP = 20, 4, 18, 0


@dataclass(frozen=True)
class Bars:
    """One resource kind: what we gave the twin's members and what ours took there."""

    label: str
    unit: str
    given: int
    taken: int
    given_allowance: int | None = None
    taken_allowance: int | None = None


def given_taken_svg(rows: list[Bars], title: str) -> Markup:
    """Horizontal bars, two per kind, on a track as long as the allowance (dashed end mark).

    Each kind has its own scale: days and hours are not comparable, given and taken are.
    """
    if not rows:
        return Markup("")
    height = TOP + len(rows) * (LABEL_H + 2 * BAR_H + BAR_GAP + GROUP_GAP) - GROUP_GAP + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" role="img" '
        f'aria-labelledby="chart-t chart-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">',
        f'<title id="chart-t">{escape(title)}</title>',
        f'<desc id="chart-d">{escape(_describe(rows))}</desc>',
    ]
    y = TOP
    for row in rows:
        top = max(1, row.given, row.taken, row.given_allowance or 0, row.taken_allowance or 0)
        parts.append(f'<text x="0" y="{y + FONT}" font-weight="600" fill="{INK}">{escape(row.label)}</text>')
        y += LABEL_H
        parts.append(f'<line x1="0" y1="{y - 2}" x2="0" y2="{y + 2 * BAR_H + BAR_GAP + 2}" stroke="{GRID}"/>')
        parts += _bar(y, row.given, row.given_allowance, top, GIVEN, row.unit)
        parts += _bar(y + BAR_H + BAR_GAP, row.taken, row.taken_allowance, top, TAKEN, row.unit)
        y += 2 * BAR_H + BAR_GAP + GROUP_GAP
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(y: int, value: int, allowance: int | None, top: int, colour: str, unit: str) -> list[str]:
    length = round(BAR_W * value / top)
    parts = []
    if allowance:
        track = round(BAR_W * allowance / top)
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{track}" height="{BAR_H}" rx="2" fill="{TRACK}"/>')
        parts.append(
            f'<line x1="{LABEL_W + track}" y1="{y - 2}" x2="{LABEL_W + track}" y2="{y + BAR_H + 2}" stroke="{INK}" '
            'stroke-width="2" stroke-dasharray="3 2"/>'
        )
    parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{max(length, 2)}" height="{BAR_H}" rx="2" fill="{colour}"/>')
    label = (
        _("%(value)s of %(allowance)s", value=number(value), allowance=units(allowance, unit))
        if allowance
        else units(value, unit)
    )
    end = max(length, round(BAR_W * (allowance or 0) / top), 2)
    parts.append(f'<text x="{LABEL_W + end + 6}" y="{y + BAR_H - 4}" fill="{INK}">{escape(label)}</text>')
    return parts


def _describe(rows: list[Bars]) -> str:
    return "; ".join(
        _(
            "%(kind)s: given %(given)s, taken %(taken)s",
            kind=r.label,
            given=units(r.given, r.unit),
            taken=units(r.taken, r.unit),
        )
        for r in rows
    )
