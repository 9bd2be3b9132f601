import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "examples" / "make_examples.py"
DOC = REPO / "docs" / "PROTOCOL.md"


@pytest.fixture(scope="module")
def make_examples(vectors_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_examples", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert vectors_dir / "rfc9421" == module.TEST_KEYS
    return module


def test_protocol_doc__generated_parts_are_current(make_examples: ModuleType) -> None:
    document = DOC.read_text("utf-8")
    assert make_examples.render(document) == document, "run: python docs/examples/make_examples.py"


def test_protocol_doc__every_model_has_its_table(make_examples: ModuleType) -> None:
    document = DOC.read_text("utf-8")
    for name in make_examples.generators():
        assert f"<!-- BEGIN GENERATED: {name} -->" in document


def test_protocol_doc__a_missing_block_is_an_error(make_examples: ModuleType) -> None:
    document = DOC.read_text("utf-8").replace("BEGIN GENERATED: fields:Slot", "BEGIN GENERATED: fields:Slots")
    with pytest.raises(ValueError, match="fields:Slot"):
        make_examples.render(document)


def test_protocol_doc__examples_use_the_rfc9421_test_key(make_examples: ModuleType, vectors_dir: Path) -> None:
    vector = (vectors_dir / "rfc9421" / "b26-ed25519.json").read_text("utf-8")
    assert "test-key-ed25519" in vector
    example = make_examples.request_example()
    assert f'keyid="https://nyc.example#{make_examples.test_key().kid}"' in example
    assert 'tag="gemellaggio-v1"' in example and f"created={make_examples.CREATED}" in example


def test_protocol_doc__internal_links_resolve() -> None:
    document = DOC.read_text("utf-8")
    anchors = {_anchor(title) for title in re.findall(r"^#{1,6} (.+)$", document, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", document))
    assert links - anchors == set()


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
