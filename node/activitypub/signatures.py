"""HTTP signatures as the fediverse verifies them today: draft-cavage-http-signatures-12, RSA-SHA256.

Mastodon, Mobilizon and most servers verify only this draft (with RSA), so the bridge signs with
it and an RSA key of its own; the twin protocol keeps Ed25519 and RFC 9421 (protocol/httpsig.py).
The few lines are written here and tested against an independent implementation (bovine).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # `cryptography` is loaded when the bridge signs or verifies: an idle node holds ~10 MB less
    from cryptography.hazmat.primitives.asymmetric import rsa

SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")  # the contract: extend, never rename
_PARAM = re.compile(r'\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)')
MAX_HEADER_CHARS = 4096


class SignatureRefused(Exception):
    """The request's signature is missing, malformed, stale or does not verify; the text says which."""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str
    headers: tuple[str, ...]
    signature: bytes


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def sign(method: str, url: str, body: bytes, key: rsa.RSAPrivateKey, key_id: str, now: datetime) -> dict[str, str]:
    """The Host, Date, Digest and Signature headers for a request (Digest only with a body)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    values = {
        "(request-target)": f"{method.lower()} {target}",
        "host": parts.netloc,
        "date": http_date(now),
    }
    if method.upper() != "GET":
        values["digest"] = digest(body)
    names = [name for name in SIGNED_HEADERS if name in values]
    message = "\n".join(f"{name}: {values[name]}" for name in names).encode()
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    header = f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",signature="{signature}"'
    out = {"Host": values["host"], "Date": values["date"], "Signature": header}
    if "digest" in values:
        out["Digest"] = values["digest"]
    return out


def parse(header: str) -> ParsedSignature:
    if len(header) > MAX_HEADER_CHARS:
        raise SignatureRefused("the Signature header is too long")
    params = dict(_PARAM.findall(header))
    if "keyId" not in params or "signature" not in params:
        raise SignatureRefused("the Signature header names no keyId or no signature")
    if params.get("algorithm", "hs2019") not in ("rsa-sha256", "hs2019"):
        raise SignatureRefused(f"the signature algorithm {params['algorithm']} is not supported")
    try:
        raw = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureRefused("the signature is not base64") from exc
    names = tuple(params.get("headers", "date").lower().split())
    return ParsedSignature(params["keyId"], names, raw)


def check_request(
    parsed: ParsedSignature,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    max_age_seconds: int,
) -> None:
    """The request's covered headers, Date and Digest are what a signed POST must have (the key is checked apart)."""
    required = {"(request-target)", "host", "date"} | ({"digest"} if method.upper() == "POST" else set())
    missing = required - set(parsed.headers)
    if missing:
        raise SignatureRefused(f"the signature does not cover {', '.join(sorted(missing))}")
    try:
        sent = parsedate_to_datetime(headers.get("Date", ""))
    except (TypeError, ValueError) as exc:
        raise SignatureRefused("the Date header is not an HTTP date") from exc
    if sent.tzinfo is None or abs((now - sent).total_seconds()) > max_age_seconds:
        raise SignatureRefused("the Date header is too far from now")
    if "digest" in parsed.headers and headers.get("Digest", "") != digest(body):
        raise SignatureRefused("the Digest header does not match the body")


def verify(parsed: ParsedSignature, method: str, target: str, headers: Mapping[str, str], public_pem: str) -> None:
    """Raises SignatureRefused unless the signature over the covered headers verifies with the key."""
    lines = []
    for name in parsed.headers:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            raise SignatureRefused(f"the signed header {name} is missing")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_pem.encode())
    except ValueError as exc:
        raise SignatureRefused("the actor's public key is not a PEM key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureRefused("the actor's public key is not an RSA key")
    try:
        key.verify(parsed.signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureRefused("the signature does not verify with the actor's key") from exc
