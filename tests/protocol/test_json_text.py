import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.json_text import loads

from .strategies import BOUNDED

# Every kind of number (ints of any size, floats of any exponent), strings of any code point
# (lone surrogates too: the standard library writes them as escapes), nested values.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(st.characters(), max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30,
)
texts = st.one_of(
    values.map(lambda v: json.dumps(v).encode()),
    values.map(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")),
    values.map(lambda v: json.dumps(v, ensure_ascii=False, indent=1)),
    st.binary(max_size=40),
    st.text(st.sampled_from('[]{}",:0123456789.eE+-tfrulnasNI \\'), max_size=40).map(str.encode),
)


def outcome(text: bytes | str, parse: Any) -> Any:
    """The parsed value written out exactly (so -0.0, NaN and int/float differences show), or the error class."""
    try:
        return repr(_exact(parse(text)))
    except RecursionError:
        return "RecursionError"
    except ValueError:
        return "ValueError"


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return ("float", value.hex() if math.isfinite(value) or math.isinf(value) else "nan")
    if isinstance(value, list):
        return [_exact(v) for v in value]
    if isinstance(value, dict):
        return [(k, _exact(v)) for k, v in value.items()]
    return (type(value).__name__, value)


@BOUNDED
@given(texts)
def test_loads__same_result_as_standard_library(text: bytes | str) -> None:
    assert outcome(text, loads) == outcome(text, json.loads)


@pytest.mark.parametrize(
    "text",
    [
        b"18446744073709551616",
        b"-9223372036854775809",
        b'{"v": 123456789012345678901234567890}',
        b"1e400",
        b"NaN",
        b'"\\ud800"',
        b"\xef\xbb\xbf[1]",
        b"[1,]",
        b"[" * 2000 + b"]" * 2000,
        '"\ud800"',
        b'{"a": 1, "a": 2}',
        b"-0.0",
        b"[" * 500 + b"]" * 500,
        '{"a": [1]}'.encode("utf-16"),
    ],
    ids=[
        "u64+1",
        "i64-1",
        "30-digit",
        "overflow",
        "nan",
        "lone-escape",
        "bom",
        "trailing-comma",
        "deep",
        "surrogate-str",
        "duplicate-key",
        "negative-zero",
        "deeper-than-the-native-parser",
        "utf-16",
    ],
)
def test_loads__what_the_native_parser_reads_otherwise_reads_as_the_standard_library(text: bytes | str) -> None:
    assert outcome(text, loads) == outcome(text, json.loads)
