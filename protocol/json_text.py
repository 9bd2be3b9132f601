"""JSON text to values: orjson's speed with exactly the standard library's results.

orjson parses several times faster than ``json.loads`` and gives the same value for every
text it accepts but one kind: an integer beyond 64 bits, which it turns into a float. Such
a number is a run of at least 19 digits. A text with such a run (a long number, or a long
string of digits) and any text orjson refuses (NaN, a lone surrogate, a byte order mark,
nesting past 1024) go to the standard library, so a caller sees exactly what ``json.loads``
would give, errors included. A property test holds the two to that.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS_ONLY = bytes(ord("0") if chr(byte).isdigit() and byte < 128 else ord(".") for byte in range(256))
_LONG_RUN = b"0" * 19


def loads(text: bytes | str) -> Any:
    """``json.loads(text)``, faster; raises what it raises (ValueError, RecursionError)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_RUN not in data.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
