"""Every signed object a node keeps, checked again against the keys it keeps beside them.

Not receiving from a peer (that is `PeerDirectory.receive`): these envelopes were verified when
they arrived or were signed here. Checking them again proves that nothing altered them since:
after a move to another database (node/store/move.py), or a restore (`gemella db check
--signatures`). The same code reads either database: it is given a way to run a query.

`SIGNED_COLUMNS` names every column that holds a signed envelope; tests/node/test_db_move_scale.py
finds the envelopes in a node's tables and fails if one is stored in a column not listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from protocol.envelope import open_envelope, read_envelope, signer_of
from protocol.json_text import loads
from protocol.keys import VerifyKey
from protocol.problems import Problem

Rows = Callable[[str], Iterable[tuple[Any, ...]]]  # run a query without parameters, yield its rows
OwnKey = Callable[[str], VerifyKey | None]  # the node's own key (current or old) by kid

# (table, column, what a person calls one): every place a signed envelope is stored.
SIGNED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("peers", "document", "twins' node documents"),
    ("twinnings", "proposal", "twinning proposals"),
    ("twinnings", "acceptance", "twinning acceptances"),
    ("objects", "envelope", "federated objects"),
    ("outbox", "envelope", "objects waiting to be delivered"),
    ("hosted_reservations", "receipt", "receipts signed for twins' members"),
    ("home_reservations", "receipt", "receipts the hosts signed for this space's members"),
    ("hosted_waitlist", "place", "waitlist places signed for twins' members"),
)


class SignatureMismatch(Exception):
    """A stored object no longer verifies, or no stored key can verify it; the message says which."""


@dataclass(frozen=True)
class Checked:
    what: str
    count: int


def check_signatures(rows: Rows, node_id: str, own_key: OwnKey) -> list[Checked]:
    """Verify every stored envelope; raise SignatureMismatch at the first that fails."""
    keys = {(n, k): VerifyKey.from_b64url(p) for n, k, p in rows("SELECT node_id, kid, public_key FROM peer_keys")}

    def key_of(signer: str, kid: str) -> VerifyKey | None:
        return own_key(kid) if signer == node_id else keys.get((signer, kid))

    return [Checked(what, _check_column(rows, table, column, what, key_of)) for table, column, what in SIGNED_COLUMNS]


def _check_column(
    rows: Rows, table: str, column: str, what: str, key_of: Callable[[str, str], VerifyKey | None]
) -> int:
    count = 0
    for (text,) in rows(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'):
        _check_one(text, what, key_of)
        count += 1
    return count


def _check_one(text: str, what: str, key_of: Callable[[str, str], VerifyKey | None]) -> None:
    try:
        envelope = read_envelope(loads(text))
        signer, kid = signer_of(envelope)
    except (Problem, ValueError) as exc:
        raise SignatureMismatch(f"one of the {what} is not a signed object any more") from exc
    key = key_of(signer, kid)
    if key is None:
        raise SignatureMismatch(f"one of the {what} is signed by {signer} with key {kid}, which is not stored")
    try:
        open_envelope(envelope, key, signer=signer)
    except Problem as exc:
        what_id = envelope.object.get("id", "?")
        raise SignatureMismatch(f"one of the {what} ({what_id}, from {signer}) no longer verifies") from exc
