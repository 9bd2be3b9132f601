"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Signed payloads hold only integers, strings, booleans, null, lists and maps. For those,
RFC 8785's output equals the standard library's compact, key-sorted ``json.dumps`` (with
ECMAScript string escaping, which ``ensure_ascii=False`` matches) as long as no key holds a
character outside the Basic Multilingual Plane: RFC 8785 sorts keys by UTF-16 code units,
Python by code points, and the two orders only differ there. That fast path is exact and
runs in C; everything else (floats, astral keys) goes through the ``rfc8785`` package.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode


MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON: integers beyond this lose precision as IEEE doubles


class NotCanonicalisable(ValueError):
    """The value cannot be put in canonical form (a lone surrogate, a NaN, a non-JSON type)."""


class FloatInPayload(NotCanonicalisable):
    """A float in a value that must hold none (a signed payload)."""


def canonical_json(value: Any, *, floats: bool = True) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value.

    With ``floats=False`` a float anywhere in the value raises FloatInPayload. The fast path's
    own walk already proves there is none, so only values off the fast path are searched.
    """
    try:
        return _canonical(value, floats)
    except RecursionError as exc:
        raise NotCanonicalisable("the value is nested too deeply") from exc


def _canonical(value: Any, floats: bool) -> bytes:
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NotCanonicalisable(f"string is not valid Unicode: {exc.reason}") from exc
    if not floats and contains_float(value):
        raise FloatInPayload("signed payloads hold no floats")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise NotCanonicalisable(str(exc)) from exc


def _plain(value: Any) -> bool:
    """True when the fast path is exact: no floats, no astral characters in keys."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        # RFC 8785 writes numbers as IEEE doubles; integers beyond 2**53 would lose precision.
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is list:
        return all(_plain(item) for item in value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and any(ord(c) > 0xFFFF for c in key)):
                return False
            if not _plain(item):
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
