"""Which text of an event a reader gets: its title and summary in the reader's language where the
origin gave one (the translations extension), and the name of the language it is written in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from node.i18n import _, current


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
    try:
        return str(Locale.parse(tag, sep="-").get_display_name(locale) or tag)
    except (ValueError, UnknownLocaleError):
        return tag


def language_list(tags: Iterable[str] | None) -> str:
    """ "Italian and Spanish", "italiano e spagnolo": several languages, listed the reader's way."""
    names = [language_name(tag) for tag in tags or ()]
    return str(format_list(names, locale=current().locale)) if names else ""


def in_language(tag: str | None) -> str:
    """ "In Spanish", as shown beside an event; empty when its language is not known."""
    name = language_name(tag)
    return _("In %(language)s", language=name) if name else ""
