"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Signed payloads hold only integers, strings, booleans, null, lists and maps. For those,
RFC 8785's output equals orjson's compact, key-sorted output (UTF-8 as is, the ECMAScript
escapes for quote, backslash and control characters) as long as no key holds a character
outside the Basic Multilingual Plane (RFC 8785 sorts keys by UTF-16 code units, orjson by
code points, and the two orders only differ there) and every integer is one an IEEE double
holds exactly (``OPT_STRICT_INTEGER`` refuses the others). That fast path is exact, runs in
native code, and is checked against the ``rfc8785`` package and the RFC's vectors by property
tests; everything else (floats, astral keys) goes through the ``rfc8785`` package.

Proving a value is on the fast path costs a walk of it. A value that already passed a wire
model admitting neither floats nor free-form maps is on it by construction: the caller says
so with ``validated=True`` and the walk is skipped.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

_FAST = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON: integers beyond this lose precision as IEEE doubles


class NotCanonicalisable(ValueError):
    """The value cannot be put in canonical form (a lone surrogate, a NaN, a non-JSON type)."""


class FloatInPayload(NotCanonicalisable):
    """A float in a value that must hold none (a signed payload)."""


def canonical_json(value: Any, *, floats: bool = True, validated: bool = False) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value.

    With ``floats=False`` a float anywhere in the value raises FloatInPayload. The fast path's
    own walk already proves there is none, so only values off the fast path are searched.
    ``validated=True`` promises the value is on the fast path: it passed a wire model and its
    free-form fields are plain (see ``FederatedObject.free_form`` and ``is_plain``).
    """
    try:
        if validated or is_plain(value):  # `validated`, the inbox's case: no walk of the value first
            try:
                return canonical_fast(value)
            except orjson.JSONEncodeError:
                pass  # a lone surrogate, or nesting deeper than orjson goes: the package below decides
        return _exact(value, floats)
    except RecursionError as exc:
        raise NotCanonicalisable("the value is nested too deeply") from exc


def canonical_fast(value: Any) -> bytes:
    """The fast path alone, for a value known to be on it (orjson.JSONEncodeError past orjson's
    nesting limit): orjson's canonical bytes, in an object of their own size. orjson keeps the
    buffer it wrote into, reserved for the worst case of escapes: 4 KiB at least, 13 times a long
    string's length (259 KiB for an event with a 19 kB description). The inbox holds a
    batch's messages until it is stored, so a twin's 47 such events held 12 MiB. The copy
    costs about 0.1 µs for an ordinary object, against some 50 µs to verify its signature."""
    return bytes(memoryview(orjson.dumps(value, option=_FAST)))


def _exact(value: Any, floats: bool) -> bytes:
    """The reference encoder, for what orjson cannot write exactly."""
    if not floats and contains_float(value):
        raise FloatInPayload("signed payloads hold no floats")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise NotCanonicalisable(str(exc)) from exc


def is_plain(value: Any) -> bool:
    """True when the fast path is exact: no floats, no astral characters in keys, no integer beyond 2**53."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        # RFC 8785 writes numbers as IEEE doubles; integers beyond 2**53 would lose precision.
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is list:
        return all(is_plain(item) for item in value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and any(ord(c) > 0xFFFF for c in key)):
                return False
            if not is_plain(item):
                return False
        return True
    return False


def contains_float(value: Any) -> bool:
    """True when a float hides anywhere in the value (signed payloads must hold none)."""
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(contains_float(item) for item in value)
    if isinstance(value, dict):
        return any(contains_float(item) for item in value.values())
    return False
