"""The node's profile of RFC 9421, written by hand: signing and verifying the kind of request
nodes send each other, in a few microseconds beside the Ed25519 operation.

The profile is a request whose signature covers derived components among ``@method``,
``@target-uri``, ``@authority``, ``@scheme``, ``@path`` and ``@query`` (section 2.2) and
header fields named plainly, without parameters (section 2.1: each field line stripped of
spaces and tabs, the lines of one field joined with ", "); whose signature parameters are
those of section 2.3; and whose ``Signature-Input`` and ``Signature`` are in the canonical
spelling (``protocol.structured``). That is all the node's signatures are, all the npm
implementation writes for them, and all the RFC's B.2.6 vector is.

Each function answers ``None`` for whatever it does not handle exactly as pyauth's
``http-message-signatures`` does: a component with parameters or any other derived one, a
missing field, a field line with a control or non-ASCII character, a URL with user info, an
IP literal or a fragment, a method that is not an uppercase token, another spelling of the
fields, a signature the library would not select. ``protocol.httpsig`` then hands the
request to the library, which handles it or refuses it with its own reason.
tests/protocol/test_httpsig_profile.py holds the two to byte-identical bases and headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from protocol.keys import SigningKey, VerifyKey
from protocol.problems import Problem, ProblemType
from protocol.structured import (
    InnerList,
    is_key,
    parse_byte_sequences,
    parse_signature_input,
    ser_byte_sequence,
    ser_inner_list,
)

__all__ = ["field_lines", "field_value", "sign_by_hand", "signature_base", "verify_by_hand"]

_ALGORITHM: Final = "ed25519"
# The signature parameters RFC 9421 defines (section 2.3), with the type each must have.
_PARAMETER_TYPES: Final[dict[str, type]] = {
    "created": int,
    "expires": int,
    "alg": str,
    "keyid": str,
    "nonce": str,
    "tag": str,
}
_METHOD: Final = re.compile(r"[A-Z0-9!#$%&'*+.^_`|~-]+")  # RFC 9110 5.6.2 token, in upper case
_FIELD_NAME: Final = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")  # the same, in lower case
_FIELD_LINE: Final = re.compile(r"[\t -~]*")
# RFC 3986, without user info, IP literals and fragments. Each part is a run of allowed
# characters and percent escapes, written so that the regex engine takes a run at once.
_CHARS: Final = "-A-Za-z0-9._~!$&'()*+,;="  # unreserved and sub-delims


def _run(more: str = "") -> str:
    return rf"[{_CHARS}{more}]*(?:%[0-9A-Fa-f]{{2}}[{_CHARS}{more}]*)*"


_URL: Final = re.compile(
    rf"([A-Za-z][A-Za-z0-9+.-]*)://({_run()})(?::([0-9]*))?(/{_run(':@/')})?(?:\?({_run(':@/?')}))?"
)
_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}


class _Target(NamedTuple):
    """A request's method and its URL's parts, spelt as in the URL."""

    method: str
    scheme: str
    host: str
    port: str | None
    path: str
    query: str | None

    @property
    def authority(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def query_suffix(self) -> str:
        return "" if self.query is None else "?" + self.query


def _target_uri(target: _Target) -> str:
    # RFC 9110 4.2.3: an empty path is "/", except in an OPTIONS request for the whole server.
    path = target.path if target.method == "OPTIONS" else target.path or "/"
    return f"{target.scheme}://{target.authority}{path}{target.query_suffix}"


def _authority(target: _Target) -> str:
    # RFC 9421 2.2.3: normalised as RFC 9110 4.2.3 says: lower case, no default port.
    port = target.port
    if port and port.lstrip("0") == _DEFAULT_PORTS.get(target.scheme.lower()):
        port = None
    return f"{target.host.lower()}:{port}" if port else target.host.lower()


_DERIVED: Final[dict[str, Callable[[_Target], str]]] = {
    "@method": lambda target: target.method,
    "@target-uri": _target_uri,
    "@authority": _authority,
    "@scheme": lambda target: target.scheme.lower(),
    "@path": lambda target: target.path or "/",
    "@query": lambda target: "?" + (target.query or ""),
}


def sign_by_hand(
    method: str,
    url: str,
    headers: Mapping[str, str],
    key: SigningKey,
    components: Sequence[str],
    params: Mapping[str, int | str],
    label: str,
) -> dict[str, str] | None:
    """``Signature-Input`` and ``Signature`` for a request in the profile, or None.

    ``params`` are ``created``, ``keyid`` and optionally ``nonce`` and ``tag``, in that order.
    """
    if not is_key(label) or not _well_typed(params):
        return None
    try:
        signature_params = ser_inner_list(components, params)
    except ValueError:  # a component or a value an sf-string cannot hold: the library says why
        return None
    base = signature_base(method, url, field_lines(headers), components, signature_params)
    if base is None:
        return None
    return {
        "Signature-Input": f"{label}={signature_params}",
        "Signature": f"{label}={ser_byte_sequence(key.sign(base))}",
    }


def verify_by_hand(
    method: str,
    url: str,
    headers: Mapping[str, str],
    key: VerifyKey,
    required_tag: str | None,
    lines: Mapping[str, list[str]] | None = None,
) -> InnerList | None:
    """The verified ``Signature-Input`` member of a request in the profile, or None.

    Selects the signature as the library does; with ``required_tag``, the one member so
    tagged, else the only member. Refuses (``signature-invalid``) only a request it read
    exactly whose signature does not verify: the library, building the same base, could
    not accept it either. The member has a ``keyid`` and a ``created``. ``lines``, when the
    caller has them, are ``field_lines(headers)``.
    """
    lines = field_lines(headers) if lines is None else lines
    selected = _select(lines, required_tag)
    if selected is None:
        return None
    member, signature = selected
    base = signature_base(method, url, lines, member.items, member.serialised)
    if base is None:
        return None
    if not key.verify(signature, base):
        raise Problem(ProblemType.SIGNATURE_INVALID, "the signature does not verify")
    return member


def field_lines(headers: Mapping[str, str]) -> dict[str, list[str]]:
    """The header's field lines by lower-case name, in the order the mapping gives them."""
    lines: dict[str, list[str]] = {}
    for name, value in headers.items():
        lines.setdefault(name.lower(), []).append(value)
    return lines


def field_value(lines: Mapping[str, list[str]], name: str) -> str | None:
    """A field's value as a signature covers it, or None if absent or not plain printable ASCII."""
    values = lines.get(name)
    if values is None:
        return None
    if len(values) == 1:  # nearly always: no generators for the one line
        value = values[0]
        return value.strip(" \t") if _FIELD_LINE.fullmatch(value) else None
    if not all(_FIELD_LINE.fullmatch(value) for value in values):
        return None
    return ", ".join(value.strip(" \t") for value in values)


def signature_base(
    method: str, url: str, lines: Mapping[str, list[str]], components: Sequence[str], signature_params: str
) -> bytes | None:
    """The bytes to sign for ``components`` and the serialised ``@signature-params``, or None.

    ``components`` are bare names (``@method``, ``content-type``); ``lines`` come from
    ``field_lines``.
    """
    plan = _plan(method, url, components if isinstance(components, tuple) else tuple(components))
    if plan is None:
        return None
    base = []
    for line, field in plan:
        if field is None:
            base.append(line)
            continue
        value = field_value(lines, field)
        if value is None:
            return None
        base.append(f"{line}{value}\n")
    base.append(f'"@signature-params": {signature_params}')
    return "".join(base).encode("ascii")


@lru_cache(maxsize=64)  # bounded: a URL may be as long as a request line (8 KiB), whoever sent it
def _plan(method: str, url: str, components: tuple[str, ...]) -> tuple[tuple[str, str | None], ...] | None:
    """The lines of a signature base for these components: a derived component's whole line,
    or a field's name and the field to read. A twin sends the same few requests again and
    again: the URL is parsed and the derived values written once, not on every request."""
    target = _parse_target(method, url)
    if target is None or len(set(components)) != len(components):
        return None
    plan: list[tuple[str, str | None]] = []
    for name in components:
        if name in _DERIVED:
            plan.append((f'"{name}": {_DERIVED[name](target)}\n', None))
        elif name != "set-cookie" and _FIELD_NAME.fullmatch(name):
            plan.append((f'"{name}": ', name))
        else:  # Several Set-Cookie lines need the "bs" parameter, which is the library's to handle.
            return None
    return tuple(plan)


def _select(lines: Mapping[str, list[str]], required_tag: str | None) -> tuple[InnerList, bytes] | None:
    # As the library does: both headers name the same labels, every member is well typed, one
    # is selected, it has a keyid, no parameter RFC 9421 does not define and no alg but ours.
    # As verify_request needs: it has a created.
    value, signature_value = field_value(lines, "signature-input"), field_value(lines, "signature")
    inputs = None if value is None else parse_signature_input(value)
    signatures = None if signature_value is None else parse_byte_sequences(signature_value)
    if inputs is None or signatures is None or inputs.keys() != signatures.keys():
        return None
    if not all(_well_typed(member.params) for member in inputs.values()):
        return None
    chosen = [label for label, m in inputs.items() if required_tag is None or m.params.get("tag") == required_tag]
    if len(chosen) != 1:
        return None
    params = inputs[chosen[0]].params
    if not params.keys() <= _PARAMETER_TYPES.keys() or params.get("alg", _ALGORITHM) != _ALGORITHM:
        return None
    if "keyid" not in params or "created" not in params:
        return None
    return inputs[chosen[0]], signatures[chosen[0]]


def _well_typed(params: Mapping[str, object]) -> bool:
    # type(), not isinstance(): a bool is not an sf-integer. Other parameters may be anything.
    return all(type(value) is _PARAMETER_TYPES.get(name, type(value)) for name, value in params.items())


def _parse_target(method: str, url: str) -> _Target | None:
    # The library checks the method and the URL even when no component uses them.
    match = _URL.fullmatch(url)
    if match is None or not match[2] or not _METHOD.fullmatch(method):
        return None
    scheme, host, port, path, query = match.groups()
    return _Target(method, scheme, host, port, path or "", query)
