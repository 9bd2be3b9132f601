"""The shared vocabulary: every term labelled in every language; labels found in any language."""

from __future__ import annotations

from node.i18n import LANGUAGES
from node.profiles import vocabulary
from node.store.card_search import match_expression


def test_vocabulary__every_term_has_a_label_in_every_language():
    for kind in vocabulary.KINDS:
        for term, labels in vocabulary.entries(kind).items():
            assert set(labels) == set(LANGUAGES), (kind, term)
            assert all(label.strip() for label in labels.values()), (kind, term)


def test_vocabulary__labels_in_any_language_name_one_id():
    assert vocabulary.normalize("skills", "progettazione  GRAFICA") == "graphic-design"
    assert vocabulary.normalize("skills", "Diseño gráfico") == "graphic-design"
    assert vocabulary.normalize("skills", "graphic-design") == "graphic-design"
    assert vocabulary.normalize("skills", "letterpress") == "letterpress"  # a free tag stays as written
    assert vocabulary.label("skills", "graphic-design", "it") == "Progettazione grafica"
    assert vocabulary.label("interests", "knitting", "es") == "knitting"


def test_vocabulary__no_label_names_two_ids():
    for kind in vocabulary.KINDS:
        seen: dict[str, str] = {}
        for term, labels in vocabulary.entries(kind).items():
            for label in labels.values():
                assert seen.setdefault(label.casefold(), term) == term, (kind, label)


def test_directory__words_are_quoted_never_fts_syntax():
    assert match_expression('ada OR "x" NEAR(') == '"ada"* "or"* "x"* "near"*'
    assert match_expression("  ,;  ") is None
    assert match_expression(" ".join(["w"] * 50)) == " ".join(['"w"*'] * 8)
