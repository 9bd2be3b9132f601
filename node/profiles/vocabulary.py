"""The shared vocabulary of skills and interests, shipped in every language the node speaks.

Cards carry vocabulary ids ("graphic-design") and free tags; people read labels in their own
language, and a search in any language finds the id, because the directory indexes every
label of every id a card chose.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Literal

from node.i18n import PSEUDO, pseudo

Kind = Literal["skills", "interests"]
KINDS: tuple[Kind, ...] = ("skills", "interests")


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    text = (resources.files("node.profiles") / "vocabulary.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {kind: data[kind] for kind in KINDS}


@lru_cache(maxsize=1)
def _by_label() -> dict[str, dict[str, str]]:
    """Per kind: every id and every label (case-folded) -> the id."""
    found: dict[str, dict[str, str]] = {}
    for kind, entries in _vocabulary().items():
        index = found.setdefault(kind, {})
        for term_id, labels in entries.items():
            index[term_id.casefold()] = term_id
            for label in labels.values():
                index.setdefault(label.casefold(), term_id)
    return found


def entries(kind: Kind) -> dict[str, dict[str, str]]:
    """id -> {language: label}."""
    return _vocabulary()[kind]


def normalize(kind: Kind, term: str) -> str:
    """The vocabulary id a member meant (by id or by a label in any language), or their free tag."""
    cleaned = " ".join(term.split())
    return _by_label()[kind].get(cleaned.casefold(), cleaned)


def known(kind: Kind, term: str) -> str | None:
    """The vocabulary id for an id or label, or None for a free tag."""
    return _by_label()[kind].get(" ".join(term.split()).casefold())


def label(kind: Kind, term: str, language: str) -> str:
    """A term in words for a reader of `language`: its label, or the free tag as written."""
    labels = _vocabulary()[kind].get(term)
    if labels is None:
        return term
    if language == PSEUDO:  # the pseudo-locale shows that the label follows the reader's language
        return pseudo(labels["en"])
    return labels.get(language) or labels["en"]


def search_terms(skills: list[str] | None, interests: list[str] | None) -> str:
    """The text the directory indexes for these terms: every label in every language, free tags as written."""
    words: list[str] = []
    for kind, terms in (("skills", skills), ("interests", interests)):
        for term in terms or []:
            labels = _vocabulary()[kind].get(term)
            words.extend(labels.values() if labels else [term])
    return " ".join(words)
