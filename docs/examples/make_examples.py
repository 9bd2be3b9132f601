"""Regenerate the generated parts of docs/PROTOCOL.md from the code.

    python docs/examples/make_examples.py           # rewrite docs/PROTOCOL.md in place
    python docs/examples/make_examples.py --check   # exit 1 if the document is not current

Each generated part sits between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->``: the field tables (read from the models), the problem types
(read from ``protocol.problems``) and the two worked examples, a signed envelope and a signed
request. The examples use the RFC 9421 test key (Appendix B.1.4) from ``tests/vectors``
beside the repository, a fixed ``created`` and a fixed nonce, so they are reproducible by
anyone, with any implementation; the script checks each example verifies before writing it.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from pydantic import AfterValidator, AwareDatetime, BaseModel  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402

from protocol import models  # noqa: E402
from protocol.canonical import canonical_json  # noqa: E402
from protocol.envelope import open_envelope, read_envelope, seal  # noqa: E402
from protocol.httpsig import NonceCache, sign_request, verify_request  # noqa: E402
from protocol.keys import SigningKey, b64url_encode, format_fingerprint  # noqa: E402
from protocol.problems import ProblemType  # noqa: E402

DOC = REPO / "docs" / "PROTOCOL.md"
TEST_KEYS = REPO / "tests" / "vectors" / "rfc9421"
NYC = "https://nyc.example"
LONDON = "https://london.example"
CREATED = 1749567600  # 2025-06-10T15:00:00Z
NONCE = b64url_encode(b"gemellaggio-demo")  # 16 bytes, as new_nonce() makes them

BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w:-]+) -->\n)(.*?)(<!-- END GENERATED: (?P=name) -->)", re.S)

# Field types with a name of their own in the document (section "Field types").
_IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_B64URL = r"^[A-Za-z0-9_-]+$"
# After-validators, or the rule classes whose schema pydantic-core checks natively.
_NAMED_BY_VALIDATOR = {"_NodeIdRule": "node id", "check_zone": "time zone", "_InstantRule": "instant"}
_NAMED_BY_PATTERN = {_IDENT: "identifier", _UUID: "UUID"}

OBJECTS = [models.OBJECT_TYPES[name] for name in models.OBJECT_TYPES]
PARTS = [
    models.Terms,
    models.Allowance,
    models.BookingRules,
    models.Resource,
    models.Target,
    models.AllowanceUse,
    models.ObjectRef,
    models.RetractedObject,
    models.EventText,
    models.VerifyKeyEntry,
    models.OldVerifyKeyEntry,
    models.Endpoints,
]
MESSAGES = [
    models.Envelope,
    models.Signature,
    models.InboxBatch,
    models.InboxResult,
    models.ItemResult,
    models.FeedPage,
    models.FeedItem,
]


# --- field tables -----------------------------------------------------------------------


def _constraints(metadata: Iterable[Any]) -> tuple[dict[str, Any], list[str]]:
    """The bounds and patterns in pydantic metadata, and the names of its after-validators."""
    bounds: dict[str, Any] = {}
    validators: list[str] = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            inner, names = _constraints(item.metadata)
            bounds.update(inner)
            validators += names
        elif isinstance(item, AfterValidator):
            validators.append(item.func.__name__)
        elif isinstance(item, type):
            validators.append(item.__name__)
        else:
            for attr in ("ge", "le", "gt", "lt", "min_length", "max_length", "pattern"):
                if getattr(item, attr, None) is not None:
                    bounds[attr] = getattr(item, attr)
    return bounds, validators


def _number(value: int) -> str:
    return "2^53 \u2212 1" if value == models.common.MAX_SAFE_INT else f"{value:,}".replace(",", " ")


def _size(bounds: dict[str, Any], unit: str) -> str:
    low, high = bounds.get("min_length"), bounds.get("max_length")
    if low and high:
        return f", {low}\u2013{_number(high)} {unit}"
    if high is not None:
        return f", at most {_number(high)} {unit}"
    return f", at least {low} {unit}" if low else ""


def _range(bounds: dict[str, Any]) -> str:
    low, high = bounds.get("ge"), bounds.get("le")
    if low is not None and high is not None:
        return f" {_number(low)} to {_number(high)}"
    if low is not None:
        return f" ≥ {_number(low)}"
    return f" ≤ {_number(high)}" if high is not None else ""


def describe(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    """A field's type and constraints in words, for the document's tables."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = get_args(annotation)
        return describe(base, [*extra, *metadata])
    bounds, validators = _constraints(metadata)
    if origin in (typing.Union, types.UnionType):
        # Fixed values first, whatever order the model tries them in (a speed matter, not a meaning).
        arms = sorted(
            (arm for arm in get_args(annotation) if arm is not type(None)), key=lambda a: get_origin(a) is not Literal
        )
        return " or ".join(describe(arm) for arm in arms)
    if origin is Literal:
        return " or ".join(f"`{json.dumps(value)}`" for value in get_args(annotation))
    if origin is list:
        return f"list of {describe(get_args(annotation)[0])}{_size(bounds, 'items')}"
    if origin is dict:
        key, value = get_args(annotation)
        if key is str and value is Any:
            return "JSON object" + _size(bounds, "members")
        return f"map of {describe(key)} to {describe(value)}{_size(bounds, 'entries')}"
    if annotation is Any:
        return "any JSON value"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    named = [_NAMED_BY_VALIDATOR[v] for v in validators if v in _NAMED_BY_VALIDATOR]
    if named or annotation is AwareDatetime:
        return named[0] if named else "instant"
    if bounds.get("pattern") in _NAMED_BY_PATTERN:
        return _NAMED_BY_PATTERN[bounds["pattern"]]
    if annotation is str:
        if bounds.get("pattern") == _B64URL:
            return "base64url" + _size(bounds, "characters")
        pattern = f", matching `{bounds['pattern']}`" if "pattern" in bounds else ""
        return "string" + _size(bounds, "characters") + pattern
    if annotation is int:
        return "integer" + _range(bounds)
    if annotation is bool:
        return "boolean"
    raise ValueError(f"no description for {annotation!r}")


def _presence(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    default = field.get_default(call_default_factory=True)
    if default is None:
        return "optional"
    if isinstance(default, BaseModel):
        return "optional, defaults as its fields"
    return f"optional, default `{json.dumps(default, separators=(',', ':'))}`"


def field_table(model: type[BaseModel]) -> str:
    rows = ["| field | type and constraints | presence |", "| --- | --- | --- |"]
    for name, field in model.model_fields.items():
        kind = describe(field.annotation, field.metadata).replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {_presence(field)} |")
    return "\n".join(rows) + "\n"


def problem_table() -> str:
    rows = ["| type (slug) | status | title | sender retries |", "| --- | --- | --- | --- |"]
    rows += [
        f"| `{kind.value}` | {kind.status} | {kind.default_title} | {'yes' if kind.retryable else 'no'} |"
        for kind in ProblemType
    ]
    return "\n".join(rows) + "\n"


# --- worked examples --------------------------------------------------------------------


def test_key() -> SigningKey:
    """The RFC 9421 test key test-key-ed25519: private part in .key, public part in .pem."""
    key = SigningKey.from_pem((TEST_KEYS / "test-key-ed25519.key").read_bytes())
    public = serialization.load_pem_public_key((TEST_KEYS / "test-key-ed25519.pem").read_bytes())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw == key.verify_key.raw, "the .key and .pem test files are not one key pair"
    return key


def example_event() -> models.Event:
    return models.Event(
        origin=NYC,
        id="ev-2025-06-watch-party",
        version=2,
        title="Watch party: hackathon finals at TheCube",
        summary="London's finals live on our big screen.",
        starts_at="2025-06-10T18:00:00-04:00",
        ends_at="2025-06-10T20:30:00-04:00",
        timezone="America/New_York",
        venue="WeCreate NYC",
        room="Main hall",
        capacity=60,
        language="en",
        tags=["hackathon", "watch-party"],
        audience=[LONDON],
        exported_from={"origin": LONDON, "id": "hack-2025-finals"},
    )


def _json_block(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```\n"


def envelope_example() -> str:
    key = test_key()
    envelope = seal(example_event(), key)
    wire = envelope.model_dump(mode="json")
    opened = open_envelope(read_envelope(json.loads(json.dumps(wire))), key.verify_key, signer=NYC)
    assert opened == example_event()
    public = key.verify_key
    return (
        f"Public key (base64url): `{public.b64url}`  \n"
        f"Fingerprint: `{public.fingerprint}`, shown as `{format_fingerprint(public.fingerprint)}`  \n"
        f"Key id: `{public.kid}`\n\n"
        "The object's canonical form, the exact bytes signed (one line, no trailing newline):\n\n"
        "```\n" + canonical_json(wire["object"]).decode() + "\n```\n\n"
        "The envelope (shown indented; any JSON spelling of it verifies):\n\n" + _json_block(wire)
    )


def _signature_base(method: str, url: str, headers: dict[str, str]) -> str:
    """The RFC 9421 signature base of our policy's components, written out for the reader."""
    params = headers["Signature-Input"].split("=", 1)[1]
    lines = [
        f'"@method": {method}',
        f'"@target-uri": {url}',
        f'"content-digest": {headers["Content-Digest"]}',
        f'"content-type": {headers["Content-Type"]}',
        f'"@signature-params": {params}',
    ]
    return "\n".join(lines)


def request_example() -> str:
    key = test_key()
    keyid = f"{NYC}#{key.kid}"
    envelope = seal(example_event(), key).model_dump(mode="json")
    body = json.dumps({"items": [envelope]}, ensure_ascii=False, separators=(",", ":")).encode()
    url = LONDON + "/federation/v1/inbox"
    headers = {"Content-Type": "application/json"}
    headers |= sign_request("POST", url, headers, body, key, keyid, created=CREATED, nonce=NONCE)
    verify_request("POST", url, headers, body, key.verify_key, nonces=NonceCache(), now=CREATED)
    base = _signature_base("POST", url, headers)
    signature = _sf_bytes(headers["Signature"])
    assert key.verify_key.verify(signature, base.encode()), "the written-out base does not verify"
    head = "\n".join(f"{name}: {value}" for name, value in headers.items())
    return (
        f"Signer `{NYC}`, key id in the request `{keyid}`, `created` {CREATED}, nonce `{NONCE}`.\n\n"
        "```http\n"
        f"POST /federation/v1/inbox HTTP/1.1\nHost: london.example\n{head}\n\n{body.decode()}\n"
        "```\n\n"
        "The signature base (RFC 9421 section 2.5) the signature is computed over:\n\n"
        "```\n" + base + "\n```\n"
    )


def _sf_bytes(value: str) -> bytes:
    """The bytes of a one-member Structured Field dictionary such as `sig1=:<base64>:`."""
    return base64.b64decode(value.split("=", 1)[1].strip(":"))


# --- the document -----------------------------------------------------------------------


def generators() -> dict[str, Callable[[], str]]:
    blocks: dict[str, Callable[[], str]] = {
        f"fields:{model.__name__}": (lambda m=model: field_table(m)) for model in [*OBJECTS, *PARTS, *MESSAGES]
    }
    blocks["problems"] = problem_table
    blocks["example:envelope"] = envelope_example
    blocks["example:request"] = request_example
    return blocks


def render(document: str) -> str:
    """The document with every generated block brought up to date.

    Raises ValueError if a block the code can generate is missing from the document, or the
    document has a block the code does not know.
    """
    blocks = generators()
    found = [match["name"] for match in BLOCK.finditer(document)]
    missing, unknown = set(blocks) - set(found), set(found) - set(blocks)
    if missing or unknown:
        raise ValueError(f"generated blocks missing: {sorted(missing)}, unknown: {sorted(unknown)}")
    return BLOCK.sub(lambda m: m[1] + blocks[m["name"]]() + m[4], document)


def main(argv: list[str]) -> int:
    current = DOC.read_text("utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{DOC} is not current: run python docs/examples/make_examples.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, "utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
