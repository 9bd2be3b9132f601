"""The reader's language: negotiation, plural forms, the pseudo-locale, and one language per task."""

from __future__ import annotations

import asyncio

import pytest

from node.i18n import CLOSE, OPEN, Catalogs, _, current, ngettext, parse_accept_language, pseudo, reading


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", "it"),
        ("fr-FR, es-419;q=0.5, en;q=0.4", "es"),
        ("en;q=0, es;q=0.1", "es"),
        ("de, fr", None),
        ("*", None),
        ("", None),
        ("it;q=abc, es", "es"),
        ("<script>, ;;;, ==", None),
    ],
)
def test_i18n__negotiates_accept_language(catalogs: Catalogs, header: str, expected: str | None) -> None:
    assert catalogs.negotiate(header) == expected


def test_i18n__accept_language_is_read_in_bounded_pieces() -> None:
    assert len(parse_accept_language(",".join(["fr"] * 10_000))) == 20


def test_i18n__plural_forms_follow_the_language(catalogs: Catalogs) -> None:
    singular, plural = (
        "Only %(num)s seat left on this slot: choose fewer seats.",
        "Only %(num)s seats left on this slot: choose fewer seats.",
    )
    with reading(catalogs.reader("it")):
        assert ngettext(singular, plural, 1).startswith("Resta solo 1 posto ")
        assert ngettext(singular, plural, 2).startswith("Restano solo 2 posti ")
        assert ngettext(singular, plural, 1_000_000).startswith("Restano solo 1.000.000 di posti ")
    with reading(catalogs.reader("es")):
        assert ngettext(singular, plural, 1).startswith("Solo queda 1 lugar ")
        assert ngettext(singular, plural, 3).startswith("Solo quedan 3 lugares ")
    assert ngettext(singular, plural, 1) == "Only 1 seat left on this slot: choose fewer seats."


def test_i18n__pseudo_locale_wraps_and_lengthens_but_keeps_placeholders_and_markup() -> None:
    text = "Printed by <code>gemella init</code> for %(node_name)s &amp; https://x.example/a"
    wrapped = pseudo(text)
    assert wrapped.startswith(OPEN) and wrapped.endswith(CLOSE)
    for kept in ("<code>", "</code>", "%(node_name)s", "&amp;", "https://x.example/a"):
        assert kept in wrapped
    assert "Printed" not in wrapped
    prose = "Sorry, this slot is full: someone took the last seat."
    assert len(pseudo(prose)) >= len(prose) * 1.3


async def test_i18n__each_task_reads_its_own_language(catalogs: Catalogs) -> None:
    async def speak(language: str) -> list[str]:
        seen = []
        with reading(catalogs.reader(language)):
            for _turn in range(20):
                await asyncio.sleep(0)  # let the other tasks run in between
                seen.append(f"{current().language}:{_('Sign out')}")
        return seen

    results = await asyncio.gather(*(speak(lang) for lang in ("en", "it", "es") * 5))
    expected = {"en": "en:Sign out", "it": "it:Esci", "es": "es:Cerrar sesión"}
    for language, seen in zip(("en", "it", "es") * 5, results, strict=True):
        assert set(seen) == {expected[language]}
    assert current().language == "en"  # nothing leaks out of a task


def test_i18n__template_gettext_escapes_the_values_not_the_translation(catalogs: Catalogs) -> None:
    from node.i18n import template_gettext, template_ngettext

    with reading(catalogs.reader("it")):
        text = template_gettext("Remove %(name)s", name="<script>x</script>")
        assert str(text) == "Rimuovi &lt;script&gt;x&lt;/script&gt;"
        members = template_ngettext("%(count)s member", "%(count)s members", 2, count="<b>2</b>")
        assert "&lt;b&gt;" in str(members)


@pytest.mark.parametrize(
    ("saved", "expected"), [("it", "it"), ("it-IT", "it"), ("es-419", "es"), ("pt-BR", "en"), (None, "en")]
)
def test_i18n__a_saved_language_tag_finds_its_catalog(saved: str | None, expected: str) -> None:
    from node.i18n import reader_for

    assert reader_for(saved, "en").language == expected
