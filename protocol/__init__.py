"""Gemellaggio's wire protocol (v1): pure code, no I/O.

- `protocol.models`: the frozen wire objects and their registry.
- `protocol.canonical`: RFC 8785 canonical JSON.
- `protocol.keys`: Ed25519 keys, key ids, fingerprints.
- `protocol.envelope`: signing and opening object envelopes.
- `protocol.httpsig`: RFC 9421 request signatures with RFC 9530 Content-Digest (the fast path
  for our profile in `httpsig_profile` and `structured`, the library path in `httpsig_library`).
- `protocol.problems`: RFC 9457 problem documents with stable types.
"""

from .canonical import canonical_json
from .envelope import object_hash, open_envelope, read_envelope, seal, seal_raw, signer_of
from .keys import SigningKey, VerifyKey, b64url_decode, b64url_encode, fingerprint, format_fingerprint, key_id
from .problems import Problem, ProblemType

__all__ = [
    "Problem",
    "ProblemType",
    "SigningKey",
    "VerifyKey",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "fingerprint",
    "format_fingerprint",
    "key_id",
    "object_hash",
    "open_envelope",
    "read_envelope",
    "seal",
    "seal_raw",
    "signer_of",
]
