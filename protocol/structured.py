"""The few Structured Field Values (RFC 8941) that request signatures are made of, by hand.

Every signed request writes a ``Signature-Input`` and a ``Signature`` dictionary and every
verified one reads them back. The general implementation, ``http_sf``, works character by
character and took as long as the Ed25519 operation itself; this module writes and reads
only the shapes the node's requests use:

- ``Signature-Input``: members ``label=("c1" "c2");created=1;keyid="k"``, an inner list of
  sf-strings without parameters, carrying sf-integer and sf-string parameters;
- ``Signature`` and ``Content-Digest``: members ``label=:base64:``, byte sequences.

The readers accept the canonical spelling of these shapes alone (the one ``http_sf.ser``
writes), with optional spaces or tabs around the commas between members, and answer
``None`` for anything else: another shape, another spelling of the same value (``created=01``,
base64 without padding), a duplicate label or parameter. Their callers then hand the field
to ``http_sf``, so that what is not read exactly here is read by the general parser rather
than guessed at. tests/protocol/test_structured.py holds the two to the same results.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Final, NamedTuple

__all__ = [
    "InnerList",
    "is_key",
    "parse_byte_sequences",
    "parse_signature_input",
    "ser_byte_sequence",
    "ser_inner_list",
    "ser_string",
]

_KEY: Final = r"[a-z*][a-z0-9_.*-]*"
# Printable ASCII but DQUOTE and backslash, or one of those two escaped; written as runs
# between escapes, which the regex engine takes at once rather than character by character.
_STRING: Final = r'"[ !#-\[\]-~]*(?:\\[\\"][ !#-\[\]-~]*)*"'
# The canonical spelling only: no leading zero, no "-0".
_INTEGER: Final = r"0|-?[1-9][0-9]{0,14}"
# Padded, so that the length alone says where the padding goes; pad bits are checked apart.
_BASE64: Final = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
_PARAMETER: Final = rf";({_KEY})=({_STRING}|{_INTEGER})"
_PARAMETERS: Final = rf"(?:;{_KEY}=(?:{_STRING}|{_INTEGER}))*"

_KEY_RE: Final = re.compile(_KEY)
_STRING_RE: Final = re.compile(_STRING)
_STRING_CHARS: Final = re.compile(r"[ -~]*")
_PARAMETER_RE: Final = re.compile(_PARAMETER)
_NODE_KEYS: Final = frozenset({"sig1", "created", "keyid", "nonce", "tag"})  # what a node writes: keys, known
_NODE_PARAMETERS: Final = re.compile(rf";created=({_INTEGER});keyid=({_STRING});nonce=({_STRING});tag=({_STRING})")
_ESCAPE: Final = re.compile(r'\\([\\"])')
_INNER_LIST_MEMBER: Final = re.compile(rf"({_KEY})=(\(((?:{_STRING}(?: {_STRING})*)?)\)({_PARAMETERS}))")
_BYTES_MEMBER: Final = re.compile(rf"({_KEY})=:({_BASE64}):")
_SEPARATOR: Final = re.compile(r"[ \t]*,[ \t]*")
_MAX_INTEGER: Final = 999_999_999_999_999
_BASE64_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALUE: Final = {char: value for value, char in enumerate(_BASE64_ALPHABET)}
_SPARE_BITS: Final = (0, 0b11, 0b1111)  # by the number of "=" at the end


class InnerList(NamedTuple):
    """An inner list of sf-strings with its parameters, and its canonical serialisation."""

    items: tuple[str, ...]
    params: dict[str, int | str]
    serialised: str


def is_key(text: object) -> bool:
    """Whether ``text`` is an sf-key (a dictionary label or parameter name)."""
    return isinstance(text, str) and (text in _NODE_KEYS or _KEY_RE.fullmatch(text) is not None)


def ser_string(text: str) -> str:
    """An sf-string; raises ValueError for characters it cannot hold (controls, non-ASCII)."""
    if not isinstance(text, str) or not _STRING_CHARS.fullmatch(text):
        raise ValueError(f"{text!r} is not printable ASCII")
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def ser_inner_list(items: Sequence[str], params: Mapping[str, int | str]) -> str:
    """``("a" "b");name=value...`` with sf-string items and sf-integer or sf-string parameters.

    Raises ValueError for what has no such serialisation (a bad key, a value of another type,
    an integer of more than 15 digits, a string with characters an sf-string cannot hold).
    """
    inner = _ser_items(items if isinstance(items, tuple) else tuple(items))
    return inner + "".join([f";{_ser_key(name)}={_ser_bare_item(value)}" for name, value in params.items()])


def ser_byte_sequence(data: bytes) -> str:
    """``:base64:``."""
    return ":" + base64.b64encode(data).decode("ascii") + ":"


def parse_signature_input(value: str) -> dict[str, InnerList] | None:
    """The members of a dictionary of inner lists of sf-strings, or None if not in that shape."""
    only = _INNER_LIST_MEMBER.fullmatch(value)  # the one signature a node sends: no search for commas
    matches = [only] if only is not None else _members(value, _INNER_LIST_MEMBER)
    if matches is None:
        return None
    members: dict[str, InnerList] = {}
    for match in matches:
        label, serialised, items, params = match.groups()
        parsed = _parameters(params)
        if label in members or parsed is None:
            return None
        members[label] = InnerList(_items(items), parsed, serialised)
    return members


def parse_byte_sequences(value: str) -> dict[str, bytes] | None:
    """The members of a dictionary of byte sequences, or None if not in that shape."""
    only = _BYTES_MEMBER.fullmatch(value)  # one signature, one digest: no search for commas
    matches = [only] if only is not None else _members(value, _BYTES_MEMBER)
    if matches is None:
        return None
    members: dict[str, bytes] = {}
    for match in matches:
        label, text = match.groups()
        data = _canonical_base64(text)
        if label in members or data is None:
            return None
        members[label] = data
    return members


def _members(value: str, member: re.Pattern[str]) -> list[re.Match[str]] | None:
    """Each member of a dictionary whose members all match ``member``, or None."""
    matches, position, end = [], 0, len(value)
    while (match := member.match(value, position)) is not None:
        matches.append(match)
        if match.end() == end:
            return matches
        separator = _SEPARATOR.match(value, match.end())
        if separator is None or separator.end() == end:
            return None
        position = separator.end()
    return None


def _parameters(text: str) -> dict[str, int | str] | None:
    ours = _NODE_PARAMETERS.fullmatch(text)
    if ours is not None:  # the parameters a node writes, in its order: no search for each
        created, keyid, nonce, tag = ours.groups()
        return {"created": int(created), "keyid": _string(keyid), "nonce": _string(nonce), "tag": _string(tag)}
    pairs = _PARAMETER_RE.findall(text)
    params = {name: _string(value) if value[0] == '"' else int(value) for name, value in pairs}
    return params if len(params) == len(pairs) else None  # a repeated name: another spelling


@lru_cache(maxsize=64)
def _items(text: str) -> tuple[str, ...]:
    # A node covers one of two lists of components: read once, not on every request.
    return tuple(_string(item) for item in _STRING_RE.findall(text))


@lru_cache(maxsize=64)
def _ser_items(items: tuple[str, ...]) -> str:
    return "(" + " ".join([ser_string(item) for item in items]) + ")"


def _string(text: str) -> str:
    inner = text[1:-1]
    return _ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def _canonical_base64(text: str) -> bytes | None:
    data = binascii.a2b_base64(text)  # the pattern admits nothing it could refuse
    # Non-zero pad bits decode to the same bytes: another spelling of them. Read from the last
    # character before the padding, whose low bits (4 with "==", 2 with "=") carry no data.
    padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    return data if not padding or not _BASE64_VALUE[text[-padding - 1]] & _SPARE_BITS[padding] else None


def _ser_key(name: str) -> str:
    if not is_key(name):
        raise ValueError(f"{name!r} is not an sf-key")
    return name


def _ser_bare_item(value: int | str) -> str:
    if type(value) is int and -_MAX_INTEGER <= value <= _MAX_INTEGER:
        return str(value)
    if isinstance(value, str):
        return ser_string(value)
    raise ValueError(f"{value!r} is neither an sf-integer nor an sf-string")
