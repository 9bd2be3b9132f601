"""`answer_json` writes every answer: orjson for plain values, the standard library otherwise,
and always a JSON text a client reads back as the same value."""

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from node.http.errors import answer_json

TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included
PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(value=PLAIN)
def test_answer_json__reads_back_as_the_value(value: object) -> None:
    # A lone surrogate, which no UTF-8 text holds, comes back from JSON's escape.
    assert json.loads(answer_json(value)) == value


def test_answer_json__what_is_not_plain_is_written_as_the_standard_library_writes_it() -> None:
    moment = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert json.loads(answer_json({"at": moment, "n": 2**70})) == {"at": str(moment), "n": 2**70}


def test_answer_json__a_lone_surrogate_beside_a_value_that_is_not_plain_is_escaped() -> None:
    # The standard library's path writes UTF-8 as is, which a lone surrogate cannot be.
    body = answer_json({"origin": "\ud800", "n": 2**70})
    assert json.loads(body) == {"origin": "\ud800", "n": 2**70}
