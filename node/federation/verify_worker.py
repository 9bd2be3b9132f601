"""The verifier process: Ed25519 verdicts for the inbox, on a core of their own.

A node's event loop and its verifying threads share one GIL, so verification could not run
while the loop prepared the next objects (docs/ARCHITECTURE.md, "Where a pushed object's CPU
goes"). The inbox starts this module as a process (node/federation/verifier.py) and writes it
frames on its standard input; it answers each with one verdict a signature on its standard
output, in order, and exits when its input closes (the node stopped or died: no orphan).

It imports only libsodium's binding (not `protocol`, whose package loads the models: 35 MB and
0.1 s), so it costs little memory, and it calls libsodium exactly as `VerifyKey.verify` does
in-process (protocol/keys.py), so the two give the same verdicts; tests/node/test_verifier.py
holds them to it on honest and forged signatures.

A frame: HEADER (item count, payload bytes), then per item the 32-byte public key, the 64-byte
signature, the message's length (MESSAGE_LENGTH) and the message. An answer: HEADER (item
count, 0), then one byte per item, 1 if its signature verifies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
from typing import BinaryIO

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

HEADER = struct.Struct("<II")
MESSAGE_LENGTH = struct.Struct("<I")
KEY_BYTES, SIGNATURE_BYTES = 32, 64


def verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """`VerifyKey.verify` (protocol/keys.py) without the `protocol` package."""
    try:
        crypto_sign_open(signature + message, public_key)
    except BadSignatureError:
        return False
    return True


def verdicts(payload: bytes, count: int) -> bytearray:
    """One byte per item of a frame's payload: 1 if its signature verifies."""
    view, found, at = memoryview(payload), bytearray(count), 0
    for index in range(count):
        raw, at = bytes(view[at : at + KEY_BYTES]), at + KEY_BYTES
        signature, at = bytes(view[at : at + SIGNATURE_BYTES]), at + SIGNATURE_BYTES
        (length,), at = MESSAGE_LENGTH.unpack_from(view, at), at + MESSAGE_LENGTH.size
        message, at = bytes(view[at : at + length]), at + length
        found[index] = verifies(raw, signature, message)
    return found


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Answer frames until `source` ends."""
    while len(header := source.read(HEADER.size)) == HEADER.size:
        count, size = HEADER.unpack(header)
        payload = source.read(size)
        if len(payload) != size:
            return
        sink.write(HEADER.pack(count, 0) + verdicts(payload, count))
        sink.flush()


if __name__ == "__main__":
    # Ctrl-C in the node's terminal reaches this process too: the node stops, closes our input,
    # and we end then, without a traceback of our own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Woken by each chunk the node writes, a normal process takes the writer's core from it
    # at once (it slept, so it is owed time), and the node's loop stalls inside its write.
    # A batch process is not favoured on waking: it runs on the other core, or after.
    with contextlib.suppress(AttributeError, OSError):  # Linux only
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    with contextlib.suppress(BrokenPipeError):  # the node went away while we answered
        serve(sys.stdin.buffer, sys.stdout.buffer)
