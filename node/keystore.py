"""The node's signing keys on disk: DIR/keys/signing.pem (mode 0600) and old_keys.json.

Old private keys are not kept: after a rotation only the old public key is needed, for the
objects it signed, and it is published in the node document's `old_verify_keys`.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from protocol.keys import SigningKey, VerifyKey

SIGNING_FILE = "signing.pem"
OLD_KEYS_FILE = "old_keys.json"


class KeyFileError(Exception):
    """The key files are missing, unreadable, or readable by others."""


@dataclass(frozen=True)
class OldKey:
    kid: str
    public_key: str  # base64url raw
    expired_at: str


class KeyStore:
    def __init__(self, directory: Path, current: SigningKey, old: dict[str, OldKey]) -> None:
        self.directory = directory
        self.current = current
        self.old = old

    @classmethod
    def create(cls, directory: Path) -> KeyStore:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        store = cls(directory, SigningKey.generate(), {})
        _write_private(directory / SIGNING_FILE, store.current)
        store._write_old()
        return store

    @classmethod
    def load(cls, directory: Path) -> KeyStore:
        path = directory / SIGNING_FILE
        try:
            mode = path.stat().st_mode
            pem = path.read_bytes()
        except OSError as exc:
            raise KeyFileError(f"{path}: cannot read the signing key ({exc.strerror})") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"{path}: the private key is readable by others (mode {oct(mode & 0o777)}); chmod 600 it"
            )
        try:
            current = SigningKey.from_pem(pem)
        except ValueError as exc:
            raise KeyFileError(f"{path}: not an Ed25519 private key in PEM") from exc
        old_path = directory / OLD_KEYS_FILE
        old = {}
        if old_path.exists():
            for kid, entry in json.loads(old_path.read_text(encoding="utf-8")).items():
                old[kid] = OldKey(kid, entry["key"], entry["expired_at"])
        return cls(directory, current, old)

    def rotate(self, at: str) -> SigningKey:
        """Make a new current key; the old one's public half moves to the old keys. Returns the old key."""
        previous = self.current
        fresh = SigningKey.generate()
        self.old[previous.kid] = OldKey(previous.kid, previous.verify_key.b64url, at)
        self._write_old()
        _write_private(self.directory / SIGNING_FILE, fresh)
        self.current = fresh
        return previous

    def verify_key(self, kid: str) -> VerifyKey | None:
        if kid == self.current.kid:
            return self.current.verify_key
        old = self.old.get(kid)
        return VerifyKey.from_b64url(old.public_key) if old else None

    def _write_old(self) -> None:
        data = {k.kid: {"key": k.public_key, "expired_at": k.expired_at} for k in self.old.values()}
        _atomic_write(self.directory / OLD_KEYS_FILE, json.dumps(data, indent=2).encode(), 0o644)


def _write_private(path: Path, key: SigningKey) -> None:
    _atomic_write(path, key.to_pem(), 0o600)


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
