"""The hand-written Structured Field Values (protocol/structured.py), held to ``http_sf``.

``http_sf`` is the reference: what ours writes, it writes; what ours reads, it reads alike;
what ours does not read (``None``), the callers hand to it.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import http_sf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.structured import (
    InnerList,
    is_key,
    parse_byte_sequences,
    parse_signature_input,
    ser_byte_sequence,
    ser_inner_list,
    ser_string,
)

from .strategies import BOUNDED

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
keys = st.from_regex(r"[a-z*][a-z0-9_.*-]{0,8}", fullmatch=True)
strings = st.text(PRINTABLE, max_size=16)
integers = st.integers(-999_999_999_999_999, 999_999_999_999_999)
parameters = st.dictionaries(keys, st.one_of(integers, strings), max_size=5)
inner_lists = st.tuples(st.lists(strings, max_size=6), parameters)
signature_inputs = st.dictionaries(keys, inner_lists, min_size=1, max_size=3)
byte_sequences = st.dictionaries(keys, st.binary(max_size=80), min_size=1, max_size=3)
# What the edits below insert: the field's own syntax, and what is near it.
EDIT_CHARS = ' \t,;=()":\\?*-.01239aAzZ+/_\x7f\x00é'


def as_http_sf(members: dict[str, InnerList]) -> dict[str, Any]:
    """Our parse as http_sf gives it: label -> ([(item, {}), ...], params)."""
    return {label: ([(item, {}) for item in m.items], m.params) for label, m in members.items()}


def http_sf_inner_lists(value: dict[str, tuple[list[str], dict[str, Any]]]) -> dict[str, Any]:
    return {label: ([(item, {}) for item in items], params) for label, (items, params) in value.items()}


def http_sf_parse(value: str) -> Any:
    """http_sf's dictionary, or None where it refuses the value."""
    try:
        return http_sf.parse(value.encode(), tltype="dictionary")
    except ValueError:
        return None


@st.composite
def edited(draw: st.DrawFn, canonical: st.SearchStrategy[str]) -> str:
    """A canonical value with up to three characters inserted, deleted or replaced."""
    text = draw(canonical)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(EDIT_CHARS))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        end = at if edit == "insert" else at + 1
        text = text[:at] + ("" if edit == "delete" else char) + text[end:]
    return text


# --- Writing ---


@BOUNDED
@given(text=strings)
def test_ser_string__writes_what_http_sf_writes(text: str) -> None:
    assert ser_string(text) == http_sf.ser((text, {}))


@pytest.mark.parametrize("text", ["tab\there", "new\nline", "caf\u00e9", "\x7f", "\x00"])
def test_ser_string__refuses_what_http_sf_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        http_sf.ser((text, {}))
    with pytest.raises(ValueError):
        ser_string(text)


@BOUNDED
@given(inner_list=inner_lists)
def test_ser_inner_list__writes_what_http_sf_writes(inner_list: tuple[list[str], dict[str, Any]]) -> None:
    items, params = inner_list

    assert "l=" + ser_inner_list(items, params) == http_sf.ser({"l": ([(item, {}) for item in items], params)})


@pytest.mark.parametrize(
    "params",
    [{"Created": 1}, {"": 1}, {"1a": 1}, {"a": 10**15}, {"a": True}, {"a": 1.5}, {"a": b"x"}, {"a": "\n"}],
    ids=["uppercase key", "empty key", "digit first", "16 digits", "boolean", "decimal", "bytes", "control"],
)
def test_ser_inner_list__refuses_what_has_no_serialisation_here(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ser_inner_list(["@method"], params)


@BOUNDED
@given(data=st.binary(max_size=80))
def test_ser_byte_sequence__writes_what_http_sf_writes(data: bytes) -> None:
    assert ser_byte_sequence(data) == http_sf.ser((data, {}))


@pytest.mark.parametrize(("text", "expected"), [("sig1", True), ("*a-b_c.d", True), ("Sig", False), ("1a", False)])
def test_is_key__as_rfc8941(text: str, expected: bool) -> None:
    assert is_key(text) is expected


# --- Reading Signature-Input ---


@BOUNDED
@given(value=signature_inputs)
def test_parse_signature_input__reads_what_http_sf_writes(value: dict[str, tuple[list[str], dict[str, Any]]]) -> None:
    text = http_sf.ser(http_sf_inner_lists(value))

    members = parse_signature_input(text)

    assert members is not None
    assert as_http_sf(members) == http_sf_inner_lists(value)
    for label, member in members.items():
        assert f"{label}={member.serialised}" == http_sf.ser({label: as_http_sf(members)[label]})


@BOUNDED
@given(text=edited(signature_inputs.map(lambda value: http_sf.ser(http_sf_inner_lists(value)))))
def test_parse_signature_input__what_it_reads_http_sf_reads_alike_and_canonical(text: str) -> None:
    _read_as_http_sf_reads_it(text)


def _read_as_http_sf_reads_it(text: str) -> None:
    """What `parse_signature_input` reads (if anything) is what http_sf reads, each member canonical."""
    members = parse_signature_input(text)

    if members is not None:
        assert as_http_sf(members) == http_sf_parse(text)
        for label, member in members.items():
            assert f"{label}={member.serialised}" == http_sf.ser({label: as_http_sf(members)[label]})


# What a node writes: one member, its four parameters in the node's order (read on a path of its own).
node_inputs = st.builds(
    lambda items, created, keyid, nonce, tag: {
        "sig1": (items, {"created": created, "keyid": keyid, "nonce": nonce, "tag": tag})
    },
    st.sampled_from([["@method", "@target-uri", "content-digest", "content-type"], ["@method", "@target-uri"]]),
    integers,
    strings,
    strings,
    strings,
)


@BOUNDED
@given(text=edited(node_inputs.map(lambda value: http_sf.ser(http_sf_inner_lists(value)))))
def test_parse_signature_input__reads_the_nodes_shape_and_its_edits_as_http_sf(text: str) -> None:
    _read_as_http_sf_reads_it(text)


@BOUNDED
@given(value=node_inputs)
def test_parse_signature_input__reads_what_a_node_writes(value: dict[str, tuple[list[str], dict[str, Any]]]) -> None:
    members = parse_signature_input(http_sf.ser(http_sf_inner_lists(value)))

    assert members is not None and as_http_sf(members) == http_sf_inner_lists(value)
    assert list(members["sig1"].params) == ["created", "keyid", "nonce", "tag"]


@pytest.mark.parametrize(
    "text",
    [
        'sig1=( "a" )',
        'sig1=("a"  "b")',
        'sig1=("a");created=01',
        'sig1=("a");created=-0',
        'sig1=("a");created=1;created=2',
        'sig1=("a");sf',
        'sig1=("a");a=?1',
        'sig1=("a");a=?0',
        'sig1=("a");a=token',
        'sig1=("a");a=1.5',
        'sig1=("a");a=:AA==:',
        'sig1=("a";sf)',
        "sig1=(a)",
        'sig1=("a"), sig1=("b")',
        'sig1="a"',
    ],
)
def test_parse_signature_input__leaves_other_shapes_and_spellings_to_http_sf(text: str) -> None:
    assert http_sf_parse(text) is not None
    assert parse_signature_input(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        'sig1=("a"),',
        ',sig1=("a")',
        'sig1=("a)',
        'Sig1=("a")',
        'sig1=("\\a")',
        'sig1=("a");created=1000000000000000',
    ],
)
def test_parse_signature_input__refuses_what_http_sf_refuses(text: str) -> None:
    assert parse_signature_input(text) is None
    assert not http_sf_parse(text)


def test_parse_signature_input__spaces_and_tabs_around_commas() -> None:
    members = parse_signature_input('a=("x");k=1 \t,\t b=()')

    assert members is not None
    assert as_http_sf(members) == http_sf_parse('a=("x");k=1, b=()')


# --- Reading Signature and Content-Digest ---


@BOUNDED
@given(value=byte_sequences)
def test_parse_byte_sequences__reads_what_http_sf_writes(value: dict[str, bytes]) -> None:
    text = http_sf.ser({label: (data, {}) for label, data in value.items()})

    assert parse_byte_sequences(text) == value


@BOUNDED
@given(text=edited(byte_sequences.map(lambda value: http_sf.ser({k: (v, {}) for k, v in value.items()}))))
def test_parse_byte_sequences__what_it_reads_http_sf_reads_alike_and_canonical(text: str) -> None:
    members = parse_byte_sequences(text)

    if members is not None:
        parsed = http_sf_parse(text)
        assert {label: (data, {}) for label, data in members.items()} == parsed
        assert http_sf.ser(parsed) == re.sub(r"[ \t]*,[ \t]*", ", ", text)  # canonical


@pytest.mark.parametrize(
    "text",
    ["a=:AB==:", "a=:AA:", "a=:AAA:", "a=:AA==:;p=1", "a=:AA==:, a=:AA==:", "a=?1"],
    ids=["pad bits", "no padding", "short padding", "parameters", "duplicate", "boolean"],
)
def test_parse_byte_sequences__leaves_other_shapes_and_spellings_to_http_sf(text: str) -> None:
    assert http_sf_parse(text) is not None
    assert parse_byte_sequences(text) is None


def test_parse_byte_sequences__pad_bits_would_respell_a_signature() -> None:
    # "AB==" and "AA==" both decode to one zero byte: only the canonical one is read here.
    assert base64.b64decode("AB==") == base64.b64decode("AA==")
    assert parse_byte_sequences("a=:AA==:") == {"a": b"\x00"}
