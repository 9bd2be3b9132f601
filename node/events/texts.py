"""Which text of an event a reader gets: its title and summary in the reader's language where the
origin gave one (the translations extension), and the name of the language it is written in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from node.clock import parse_iso
from node.i18n import _, current, format_moment
from node.words import status_word

from .repository import Flag

if TYPE_CHECKING:
    from babel import Locale


@dataclass(frozen=True)
class EventText:
    title: str
    summary: str
    language: str | None  # BCP 47 tag of this text, when known
    language_name: str  # "Italian", "italiano": for the page; empty when unknown


def event_text(item: Mapping[str, Any]) -> EventText:
    """The event's own text, or its translation into the reader's language (exact tag first,
    then any tag of the same language: "es-419" serves a Spanish reader)."""
    reader = current().language.lower()
    own = item.get("language")
    texts: dict[str, tuple[str, str, str | None]] = {}
    for tag, text in (item.get("translations") or {}).items():
        texts[tag.lower()] = (text["title"], text.get("summary", ""), tag)
    if own:
        texts[own.lower()] = (item["title"], item.get("summary", ""), own)  # its own text wins over a twin
    chosen = texts.get(reader) or next((t for tag, t in texts.items() if tag.split("-")[0] == reader), None)
    title, summary, tag = chosen or (item["title"], item.get("summary", ""), own)
    return EventText(title, summary, tag, language_name(tag))


def language_name(tag: str | None) -> str:
    """A language tag's name in the reader's language: "es" -> "Spanish", "spagnolo", "español"."""
    return _language_name(tag, current().locale) if tag else ""


@lru_cache(maxsize=256)
def _language_name(tag: str, locale: Locale) -> str:
    from babel import Locale, UnknownLocaleError  # Babel waits for a first page or mail (node/i18n.py)

    try:
        return str(Locale.parse(tag, sep="-").get_display_name(locale) or tag)
    except (ValueError, UnknownLocaleError):
        return tag


def language_list(tags: Iterable[str] | None) -> str:
    """ "Italian and Spanish", "italiano e spagnolo": several languages, listed the reader's way."""
    from babel.lists import format_list

    names = [language_name(tag) for tag in tags or ()]
    return str(format_list(names, locale=current().locale)) if names else ""


def in_language(tag: str | None) -> str:
    """ "In Spanish", as shown beside an event; empty when its language is not known."""
    name = language_name(tag)
    return _("In %(language)s", language=name) if name else ""


def notice(flag: Flag, source_name: str, here_name: str, zone: str) -> str:
    """The sentence members read on a copy whose origin changed it."""
    parts = []
    for change in flag.changes:
        name, now = change["field"], change["now"]
        if name == "status":
            parts.append(_("it is now %(status)s", status=status_word(str(now), "event")))
        elif name in ("starts_at", "ends_at"):
            when = format_moment(parse_iso(now).astimezone(ZoneInfo(zone)))
            if name == "starts_at":
                parts.append(_("it now starts %(when)s (%(zone)s)", when=when, zone=zone))
            else:
                parts.append(_("it now ends %(when)s (%(zone)s)", when=when, zone=zone))
        elif name == "online_url":
            parts.append(_("its online link changed"))
        else:
            parts.append(_("its repeat schedule changed"))
    return _(
        "%(origin)s changed the original event: %(changes)s. "
        "%(here)s has not yet decided whether to follow; times here may change.",
        origin=source_name,
        changes="; ".join(dict.fromkeys(parts)),
        here=here_name,
    )
