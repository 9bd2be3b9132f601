"""Checks of the translation catalogs: every marked string in every catalog, every string translated,
the same placeholders in every language (Babel's checkers), and no unmarked words in a template.

Each check returns sentences naming what is wrong, so a failing test says what to fix.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "node"
LOCALE = NODE / "locale"
TEMPLATES = NODE / "web" / "templates"
METHODS = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
OPTIONS = {"web/templates/**.html": {"trimmed": "true"}}


Key = tuple[str | None, str]  # (context, msgid)


def marked_messages(source: Path = NODE) -> set[Key]:
    """Every message the code and the templates mark (what `make i18n` extracts), as Babel extracts it."""
    found: set[Key] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        source, METHODS, options_map=OPTIONS, strip_comment_tags=True
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def read_catalog(path: Path, language: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language)


def missing_from(catalog: Catalog, marked: set[Key]) -> list[str]:
    ids = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    return [
        f"not in the {catalog.locale} catalog: {message!r}" + (f" (in context {context!r})" if context else "")
        for context, message in sorted(marked - ids, key=lambda k: (k[1], k[0] or ""))
    ]


def untranslated(catalog: Catalog) -> list[str]:
    problems = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(forms):
            problems.append(f"{catalog.locale}: no translation for {message.id!r}")
    return problems


def placeholder_errors(catalog: Catalog) -> list[str]:
    """Babel's checkers (python_format: same placeholders; num_plurals: every plural form)."""
    return [
        f"{catalog.locale}: {message.id!r}: {'; '.join(str(e) for e in errors)}" for message, errors in catalog.check()
    ]


# -- words written in a template without being marked --------------------------------------------

_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-confirm", "data-label", "label"}
_WORD = re.compile(r"[A-Za-z]{2,}")
# What a template may write as it is: the product's name, paths, class names (in blocks), placeholders,
# acronyms (CSV, JSON).
_NOT_PROSE = re.compile(r"Gemellaggio|(?<![A-Za-z])/[\w/.-]*|\b[a-z]+(-[a-z]+)+\b|\b[A-Z]{2,}\b|\x00")
# An English phrase in a string literal inside {{ }} or {% %}: a capitalised word, or two words.
_PHRASE = re.compile(r"^[A-Z][a-z]+\b|[A-Za-z]+ [A-Za-z]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self._skip += 1
        if ("translate", "no") in attrs:  # a code or a name, marked as such for translators and tools
            return
        self.words += [v for k, v in attrs if k in _ATTRIBUTES and v and _WORD.search(_NOT_PROSE.sub(" ", v))]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _WORD.search(_NOT_PROSE.sub(" ", data)):
            self.words.append(data.strip())


def unmarked_template_text(path: Path) -> list[str]:
    """Prose in a template outside {% trans %} and _(): text, labelling attributes, phrase literals."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    data: list[str] = []
    literals: list[str] = []
    in_trans, first_name, last_name = False, False, ""
    calls: list[int] = []  # the parenthesis depths at which a gettext call is open
    parens = 0
    for _line, kind, value in env.lex(path.read_text(encoding="utf-8")):
        if kind == "whitespace":
            continue
        if kind == "operator" and value in "()":
            kind = "lparen" if value == "(" else "rparen"
        if kind == "string":
            value = value[1:-1]
        if kind == "block_begin":
            first_name = True
        elif kind == "name" and first_name:
            in_trans = value in ("trans", "pluralize") or (in_trans and value != "endtrans")
        if kind != "block_begin":
            first_name = False
        if kind == "data":
            data.append("\x00" if in_trans else value)
        elif kind == "variable_begin":
            data.append("\x00")
        elif kind == "block_begin":
            data.append(" ")  # a statement may sit inside a tag: <span{% if x %} lang="it"{% endif %}>
        elif kind == "lparen":
            parens += 1
            if last_name in _GETTEXT:
                calls.append(parens)
        elif kind == "rparen":
            if calls and calls[-1] == parens:
                calls.pop()
            parens -= 1
        elif kind == "string" and not in_trans and not calls and _PHRASE.search(value):
            literals.append(value)
        last_name = value if kind == "name" else ""
    parser = _Text()
    parser.feed("".join(data))
    return [f"{path.name}: {w!r}" for w in parser.words + literals]


_GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
