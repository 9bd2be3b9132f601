"""The move's row digest (node/store/move_verify.py): the same rows in any order give the same
digest, as each database hands them back; any change to one row gives another."""

from __future__ import annotations

from node.store.move_verify import digest

ROWS = [(1, "Ada", b"\x00\x01", None), (2, "Bea", b"", 1.5), (3, "Ada", b"\x00\x01", None)]


def test_digest__same_rows_in_another_order_are_equal() -> None:
    assert digest(ROWS) == digest(list(reversed(ROWS)))
    assert digest(ROWS)[0] == 3


def test_digest__values_as_postgresql_returns_them_are_equal() -> None:
    """psycopg gives bytea as memoryview or bytes, booleans as bool; SQLite ints and bytes."""
    from_postgresql = [(1, "Ada", memoryview(b"\x00\x01"), None), (2, "Bea", b"", 1.5), (3, "Ada", b"\x00\x01", None)]
    assert digest(from_postgresql) == digest(ROWS)
    assert digest([(True, "x")]) == digest([(1, "x")])


def test_digest__one_changed_value_or_a_row_twice_differs() -> None:
    changed = [ROWS[0], (2, "Bea", b"", 2.5), ROWS[2]]
    assert digest(changed)[1] != digest(ROWS)[1]
    assert digest([(1, "12")])[1] != digest([(11, "2")])[1], "values stay apart"
    assert digest([(1, "x")])[1] != digest([(1, b"x")])[1], "text is not bytes"
    twice = [*ROWS, ROWS[0]]
    assert digest(twice)[0] == 4 and digest(twice)[1] != digest(ROWS)[1]
