import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from protocol.canonical import FloatInPayload, NotCanonicalisable, canonical_json, contains_float
from protocol.envelope import on_fast_path
from protocol.models import OBJECT_TYPES, FederatedObject
from protocol.models.common import _IDENT as IDENT_PATTERN

from .strategies import BOUNDED, wire_objects

SAFE_INT = 2**53 - 1

# Keys and strings mix ASCII, controls, BMP and astral characters: key order is where UTF-16
# (RFC 8785) and code point (Python) sorting part ways.
characters = st.one_of(
    st.sampled_from("a\x1f\ue000\uffff\U00010000\U0001f600"),
    st.characters(max_codepoint=0x7F),
    st.characters(max_codepoint=0x1F),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000),
    st.characters(exclude_categories=["Cs"]),
)
strings = st.text(characters, max_size=12)
integers = st.one_of(
    st.integers(-1000, 1000),
    st.integers(SAFE_INT - 1000, SAFE_INT),
    st.integers(-SAFE_INT, -SAFE_INT + 1000),
    st.integers(-SAFE_INT, SAFE_INT),
)
scalars = st.one_of(st.none(), st.booleans(), integers, strings)
json_without_floats = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(strings, inner, max_size=6)),
    max_leaves=30,
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
json_with_floats = st.recursive(
    st.one_of(scalars, finite_floats),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(strings, inner, max_size=6)),
    max_leaves=30,
)


def test_canonical__rfc8785_vectors(vectors_dir: Path) -> None:
    inputs = sorted((vectors_dir / "rfc8785" / "input").glob("*.json"))
    assert len(inputs) >= 6
    wrong = []
    for source in inputs:
        expected = (vectors_dir / "rfc8785" / "output" / source.name).read_bytes()
        if canonical_json(json.loads(source.read_text("utf-8"))) != expected:
            wrong.append(source.name)
    assert wrong == []


@BOUNDED
@given(json_without_floats)
def test_canonical__fast_path_equals_rfc8785_package(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@BOUNDED
@given(json_with_floats)
def test_canonical__floats_equal_rfc8785_package(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, b"1"),
        (-0.0, b"0"),
        (1e21, b"1e+21"),
        (1e-7, b"1e-7"),
        (0.1, b"0.1"),
        (333333333.33333329, b"333333333.3333333"),
        ({"b": 2.5, "a": [1, 4.5]}, b'{"a":[1,4.5],"b":2.5}'),
    ],
)
def test_canonical__floats_use_ecmascript_number_form(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


def test_canonical__astral_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 is D83D DE00 in UTF-16, below U+FFFF; by code point it sorts after.
    value = {"\uffff": 1, "\U0001f600": 2, "a": 3}
    assert canonical_json(value) == '{"a":3,"\U0001f600":2,"\uffff":1}'.encode()


def test_canonical__control_characters_escape_like_ecmascript() -> None:
    value = '\x00\x08\t\n\x0c\r\x1f\x7f\u2028"\\/'
    assert canonical_json(value) == b'"\\u0000\\b\\t\\n\\f\\r\\u001f\x7f\xe2\x80\xa8\\"\\\\/"'


@pytest.mark.parametrize(
    "value",
    ["\ud800", "a\udfffb", {"\udc00": 1}, {"k": ["\ud83d"]}, {"k": "\ud83d", "f": 1.5}],
    ids=["high", "low-inside", "key", "nested", "float-path"],
)
def test_canonical__lone_surrogates_raise(value: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json(value)


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), {"a": float("-inf")}, {1: "a"}, b"bytes", {"a": object()}]
)
def test_canonical__non_json_values_raise(value: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json(value)


@pytest.mark.parametrize("value", [SAFE_INT + 2, -SAFE_INT - 2, 2**64, {"a": [2**60]}])
def test_canonical__integers_beyond_doubles_raise(value: Any) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json(value)


@pytest.mark.parametrize("value", [2**53, -(2**53)])
def test_canonical__first_unsafe_integer_raises_on_both_paths(value: int) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json([value])


def test_canonical__largest_safe_integers_are_written_exactly() -> None:
    assert canonical_json([SAFE_INT, -SAFE_INT]) == b"[9007199254740991,-9007199254740991]"


def test_canonical__booleans_are_not_integers() -> None:
    assert canonical_json({"t": True, "f": False, "n": None}) == b'{"f":false,"n":null,"t":true}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, True), ({"a": [1, {"b": 0.0}]}, True), ({"a": [1, "1.5", True, None]}, False), ("x", False)],
)
def test_canonical__contains_float_finds_nested_floats(value: Any, expected: bool) -> None:
    assert contains_float(value) is expected


@pytest.mark.parametrize(
    "value",
    [1.5, {"a": [1, {"b": 0.0}]}, {"\U0001f600": 2.0}, [2**60, 1.0]],
    ids=["top", "nested", "astral", "bigint"],
)
def test_canonical__payload_mode_refuses_floats(value: Any) -> None:
    with pytest.raises(FloatInPayload) as caught:
        canonical_json(value, floats=False)
    assert isinstance(caught.value, NotCanonicalisable)


@BOUNDED
@given(json_without_floats)
def test_canonical__payload_mode_equals_plain_mode_without_floats(value: Any) -> None:
    assert canonical_json(value, floats=False) == canonical_json(value)


@BOUNDED
@given(wire_objects())
def test_canonical__validated_objects_equal_rfc8785_package(obj: FederatedObject) -> None:
    raw = obj.to_wire()
    assert canonical_json(raw, floats=False, validated=on_fast_path(obj, raw)) == rfc8785.dumps(raw)


def test_canonical__nesting_beyond_orjson_equals_rfc8785_package() -> None:
    value: Any = "x"
    for depth in range(300):
        value = [value] if depth % 2 else {"k": value}
    assert canonical_json(value) == rfc8785.dumps(value)


def test_canonical__validated_integers_beyond_doubles_still_raise() -> None:
    # OPT_STRICT_INTEGER keeps the skipped walk exact for integers: the package decides.
    with pytest.raises(NotCanonicalisable):
        canonical_json({"amount": 2**60}, validated=True)


def _admits_more_than_plain(schema: Any) -> bool:
    """A JSON schema fragment that admits a float, or a map whose keys are not fixed names."""
    if isinstance(schema, list):
        return any(_admits_more_than_plain(item) for item in schema)
    if not isinstance(schema, dict):
        return False
    if schema == {} or schema.get("type") == "number" or schema.get("additionalProperties") not in (None, False):
        return True
    if any(pattern != IDENT_PATTERN for pattern in schema.get("patternProperties", {})):
        return True  # map keys other than identifiers (ASCII by their pattern)
    return any(_admits_more_than_plain(value) for key, value in schema.items() if key not in ("default", "examples"))


@pytest.mark.parametrize("type_name", sorted(OBJECT_TYPES))
def test_canonical__free_form_fields_follow_the_model_schema(type_name: str) -> None:
    # The envelope code walks only the fields a model names free-form: every other field must
    # admit nothing off the fast path, and each free-form one must admit more.
    model = OBJECT_TYPES[type_name]
    schema = model.model_json_schema()
    for name, field in schema["properties"].items():
        rest = {**schema, "properties": {name: field}}
        assert _admits_more_than_plain(rest) is (name in model.free_form), name


@pytest.mark.parametrize("validated", [True, False])
def test_canonical__bytes_hold_no_more_memory_than_their_length(validated: bool) -> None:
    # orjson's own output keeps its worst-case buffer (13 times a long string): the inbox holds a
    # batch's messages at once, so a twin's fat events cost the node that much each.
    value: dict[str, Any] = {"description": "x" * 19_000, "id": "fat", "version": 1}
    tracemalloc.start()
    try:
        message = canonical_json(value, floats=False, validated=validated)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == rfc8785.dumps(value)
    assert held < len(message) + 1024, f"{held} bytes held for a message of {len(message)}"
