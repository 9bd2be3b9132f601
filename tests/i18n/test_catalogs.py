"""The catalogs are complete: every marked string in en, it and es, translated in it and es, with the
same placeholders in every language; and the templates write no prose that is not marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalogs import (
    LOCALE,
    TEMPLATES,
    marked_messages,
    missing_from,
    placeholder_errors,
    read_catalog,
    unmarked_template_text,
    untranslated,
)

LANGUAGES = ("en", "it", "es")


@pytest.fixture(scope="module")
def marked() -> set[tuple[str | None, str]]:
    return marked_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs__every_marked_string_is_in_the_catalog(marked: set[tuple[str | None, str]], language: str) -> None:
    catalog = read_catalog(LOCALE / language / "LC_MESSAGES" / "messages.po", language)
    assert missing_from(catalog, marked) == [], "run `make i18n`, then translate what it adds"


@pytest.mark.parametrize("language", ["it", "es"])
def test_catalogs__every_string_is_translated(language: str) -> None:
    catalog = read_catalog(LOCALE / language / "LC_MESSAGES" / "messages.po", language)
    assert untranslated(catalog) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs__placeholders_and_plural_forms_agree(language: str) -> None:
    catalog = read_catalog(LOCALE / language / "LC_MESSAGES" / "messages.po", language)
    assert placeholder_errors(catalog) == []


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates__write_no_unmarked_prose(template: str) -> None:
    assert unmarked_template_text(TEMPLATES / template) == []


# -- the checks themselves catch what they are for ----------------------------------------------------

BROKEN_PO = """\
msgid ""
msgstr ""
"Language: it\\n"
"Plural-Forms: nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

#, python-format
msgid "Reserved %(seats)s at %(host)s"
msgstr "Prenotati %(posti)s da %(host)s"

msgid "Sign out"
msgstr ""

#, fuzzy
msgid "Sign in"
msgstr "Entra"

#, python-format
msgid "%(num)s seat"
msgid_plural "%(num)s seats"
msgstr[0] "%(num)s posto"
msgstr[1] "%(num)s posti"
"""


def test_catalogs__checks_catch_missing_untranslated_and_mismatched_messages(tmp_path: Path) -> None:
    po = tmp_path / "messages.po"
    po.write_text(BROKEN_PO, encoding="utf-8")
    catalog = read_catalog(po, "it")
    marked = {(None, "Sign out"), (None, "My reservations"), ("event", "Sign out")}
    assert missing_from(catalog, marked) == [
        "not in the it catalog: 'My reservations'",
        "not in the it catalog: 'Sign out' (in context 'event')",
    ]
    assert {p.split(": ", 1)[1] for p in untranslated(catalog)} == {
        "no translation for 'Sign out'",
        "no translation for 'Sign in'",
        "no translation for ('%(num)s seat', '%(num)s seats')",
    }
    errors = "\n".join(placeholder_errors(catalog))
    assert "Reserved %(seats)s at %(host)s" in errors  # a placeholder renamed


def test_templates__unmarked_prose_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{{ _("Events") }}</h1><p>Not marked</p><button aria-label="Close it">{% trans %}Ok{% endtrans %}</button>'
        '{{ m.action(url, "Cancel", kind="danger") }}<a href="/admin/events" class="btn-primary">{{ n }}</a>',
        encoding="utf-8",
    )
    assert unmarked_template_text(page) == ["page.html: 'Not marked'", "page.html: 'Close it'", "page.html: 'Cancel'"]
