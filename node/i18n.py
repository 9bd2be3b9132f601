"""The reader's language: catalogs, the per-request choice, and the gettext functions that read it.

Pages and mails are written in English and translated through gettext catalogs
(node/locale/<lang>/LC_MESSAGES/messages.po, compiled in memory when first needed, so no
compiled file is kept in the repository). The language of the text being written is held in a
`ContextVar`, set per request by the pages' middleware (or around a mail): aiohttp runs each
request in its own context, so two requests in different languages never see each other's,
unlike translations installed on the shared Jinja environment (pallets/jinja#1323,
aio-libs/aiohttp-jinja2#187). The Jinja environment gets `_gettext`/`_ngettext` once; they
read the ContextVar on every call.

Messages use named placeholders (`_("Reserved %(what)s at %(host)s", what=..., host=...)`), so
translators can move them, and Babel's checkers can compare them between languages.

Babel is imported where it is called, and a reader's locale parsed at its first date or number:
with the catalogs, Babel waits for the first page, mail or calendar, so an idle node, or one that
only federates, does not hold it (about 1.5 MB with pytz).
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

if TYPE_CHECKING:
    from babel import Locale

LANGUAGES = ("en", "it", "es")
NAMES = {"en": "English", "it": "Italiano", "es": "Español"}  # each in its own language
PSEUDO = "en-XA"  # every string wrapped and lengthened: finds untranslated text and tight layouts
# Dates and times in English follow British usage (Tue 10 Mar, 24-hour clock), as the pages always did.
FORMAT_LOCALES = {"en": "en_GB", "it": "it_IT", "es": "es_ES", PSEUDO: "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
_MAX_PREFERENCES = 20  # of an Accept-Language header: more is noise, and bounded work


@dataclass(frozen=True)
class Reader:
    """What the text being written is read in: a language, its translations, its formats."""

    language: str
    translations: gettext.NullTranslations

    @cached_property
    def locale(self) -> Locale:
        """Its formats (Babel's locale), at the first date or number written: Babel, like the
        catalogs, waits for the first page, mail or calendar (an idle node need not hold it)."""
        from babel import Locale

        return Locale.parse(FORMAT_LOCALES[self.language])


ENGLISH = Reader("en", gettext.NullTranslations())
_reader: ContextVar[Reader] = ContextVar("gemella_reader", default=ENGLISH)


def current() -> Reader:
    return _reader.get()


@contextmanager
def reading(reader: Reader) -> Iterator[Reader]:
    """Write everything inside in `reader`'s language (a page, a mail), then go back."""
    token = _reader.set(reader)
    try:
        yield reader
    finally:
        _reader.reset(token)


def _(message: str, **values: Any) -> str:
    """`message` in the reader's language, with its named placeholders filled."""
    text = _reader.get().translations.gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """The form for `num` in the reader's language; `%(num)s` is the number, written their way."""
    reader = _reader.get()
    text = reader.translations.ngettext(singular, plural, num)
    return text % {"num": _number(num, reader.locale), **values}


def format_number(value: float) -> str:
    """A number written the reader's way: 1,234 in English, 1.234 in Italian and Spanish."""
    return _number(value, _reader.get().locale)


@lru_cache(maxsize=4096)
def _number(value: float, locale: Locale) -> str:
    # Cached: Babel reads the locale's pattern on every call, and pages show the same few numbers often.
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=locale))


def pgettext(context: str, message: str, **values: Any) -> str:
    """`message` as meant in `context` (a status of an event or of a reservation: Italian and
    Spanish give them different genders)."""
    text = _reader.get().translations.pgettext(context, message)
    return text % values if values else text


def format_moment(moment: datetime) -> str:
    """A day and a time in the reader's style, in the zone `moment` is written in: Tue, 10 Mar 2026, 18:05;
    mar 10 mar 2026, 18:05. (Pages have more formats in node/http/pages/timefmt.py.)"""
    return _moment(moment.date(), moment.hour, moment.minute, _reader.get().locale)


@lru_cache(maxsize=4096)
def _moment(day: date, hour: int, minute: int, locale: Locale) -> str:
    # Cached: Babel parses its patterns on every call, and a page shows many times of a few days.
    from babel.dates import format_skeleton, format_time, get_datetime_format

    when = format_skeleton("yMMMEd", day, locale=locale)
    clock = format_time(time(hour, minute), "short", locale=locale)
    return str(get_datetime_format("medium", locale=locale)).replace("{1}", when).replace("{0}", clock)


def format_long_moment(moment: datetime) -> tuple[str, str]:
    """(the day written out, the time) in the reader's style, for mails: ("Tuesday 8 December 2026",
    "09:00"), ("martedì 8 dicembre 2026", "09:00"), ("martes, 8 de diciembre de 2026", "9:00")."""
    from babel.dates import format_date, format_time

    locale = _reader.get().locale
    day = format_date(moment.date(), "full", locale=locale)
    return str(day), str(format_time(time(moment.hour, moment.minute), "short", locale=locale))


def zone_city(zone: str) -> str:
    """The city of an IANA zone, in the reader's language: America/New_York -> New York, Nueva York."""
    return _city(zone, _reader.get().locale)


@lru_cache(maxsize=512)
def _city(zone: str, locale: Locale) -> str:
    from babel.dates import get_timezone_location

    try:
        return str(get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True))
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is defined; it is translated where it is shown."""
    return message


def template_gettext(message: str, **values: Any) -> Markup:
    """`_()` in templates: the translation is ours, so it is markup; the values are escaped as they
    are filled in (Jinja's new-style gettext does the same, through more layers)."""
    return Markup(_reader.get().translations.gettext(message)) % values


def template_ngettext(singular: str, plural: str, num: int, **values: Any) -> Markup:
    reader = _reader.get()
    text = Markup(reader.translations.ngettext(singular, plural, num))
    return text % {"num": _number(num, reader.locale), **values}


def template_pgettext(context: str, message: str, **values: Any) -> Markup:
    return Markup(_reader.get().translations.pgettext(context, message)) % values


def gettext_for_templates(message: str) -> str:
    """Jinja's `_`/`gettext` (new style: Jinja fills the placeholders and escapes their values)."""
    return _reader.get().translations.gettext(message)


def ngettext_for_templates(singular: str, plural: str, num: int) -> str:
    return _reader.get().translations.ngettext(singular, plural, num)


def pgettext_for_templates(context: str, message: str) -> str:
    return _reader.get().translations.pgettext(context, message)


class Catalogs:
    """Every language's translations, compiled from the .po files once, at the first use."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self._readers = {code: _load(directory, code) for code in LANGUAGES}
        self._readers[PSEUDO] = Reader(PSEUDO, PseudoTranslations())

    def reader(self, language: str) -> Reader:
        return self._readers.get(language, self._readers["en"])

    def knows(self, language: str | None) -> bool:
        return language in self._readers

    def negotiate(self, accept_language: str | None) -> str | None:
        """The best of our languages for an Accept-Language header (Babel's negotiation), if any."""
        preferred = parse_accept_language(accept_language or "")
        return negotiate(preferred)


@lru_cache(maxsize=1)
def catalogs() -> Catalogs:
    """The catalogs shipped with the node, compiled once per process (they never change while it runs)."""
    return Catalogs()


def reader_for(language: str | None, default: str) -> Reader:
    """The reader for a saved language tag (a member's, for a mail or a calendar: "it", "it-IT",
    "es-419"), else the space's default."""
    chosen = negotiate([language]) if language else None
    return catalogs().reader(chosen or default)


def negotiate(preferred: list[str]) -> str | None:
    """The first of our languages that matches one of `preferred` (language tags, best first)."""
    if not preferred:
        return None
    from babel import negotiate_locale

    return negotiate_locale(preferred, LANGUAGES, sep="-")


def _load(directory: Path, language: str) -> Reader:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Reader(language, gettext.GNUTranslations(compiled))


_LANGUAGE_RANGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$|^\*$")


def parse_accept_language(header: str) -> list[str]:
    """Language ranges by preference (RFC 9110 section 12.5.4); `q=0` and malformed parts dropped."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:_MAX_PREFERENCES]):
        name, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if _LANGUAGE_RANGE.match(name) and name != "*" and weight > 0:
            ranked.append((-weight, index, name.lower()))
    return [name for _w, _i, name in sorted(ranked)]


# -- the pseudo-locale ---------------------------------------------------------------------------

_KEEP = re.compile(r"(%\([A-Za-z_]+\)[sd]|%%|<[^>]*>|&[#A-Za-z0-9]+;|https?://\S+)")
# Every ASCII letter has a look-alike, so any plain ASCII word left on a pseudo page was not translated.
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçďéƒĝĥîĵķĺɱñõþǫŕšţüṽŵẋýžÅƁÇĎÉƑĜĤÎĴĶĹṀÑÕÞǪŔŠŢÜṼŴẊÝŽ",
)
OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧: a translated string, as the pseudo-locale shows it


def pseudo(message: str) -> str:
    """⟦Ŕéééšéérvéé⟧: accented, a third longer, wrapped; placeholders and markup kept as they are."""
    if not message:
        return message
    parts = _KEEP.split(message)
    return OPEN + "".join(p if _KEEP.fullmatch(p) else _stretch(p) for p in parts) + CLOSE


def _stretch(text: str) -> str:
    return re.sub(r"([aeiouAEIOU])", r"\1\1", text).translate(_ACCENTED)


class PseudoTranslations(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)


__all__ = [
    "ENGLISH",
    "LANGUAGES",
    "NAMES",
    "N_",
    "PSEUDO",
    "Catalogs",
    "Reader",
    "_",
    "catalogs",
    "current",
    "ngettext",
    "reader_for",
    "reading",
]
