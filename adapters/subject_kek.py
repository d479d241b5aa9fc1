"""Key-encryption keys: subject keys are stored wrapped, under a key the store does not hold.

A data subject's key is sealed with AES-256-GCM under the current key-encryption key (KEK)
before it is written to `subject_keys`, so a copy of the database alone decrypts nothing.
The KEKs form a ring, `id:base64` entries separated by commas or newlines, the first being
the one that wraps new keys; older ones only unwrap, until `lif subjects rewrap` has moved
every key to the current one (rotation). The ring comes from, in order:

1. `LIF_SUBJECT_KEK` (a secret from the environment, e.g. a secrets manager);
2. `LIF_SUBJECT_KEK_FILE`;
3. on the embedded default only, a file generated once under the user's configuration
   directory (`$XDG_CONFIG_HOME/lif/subject-keks/`), never beside the database.

A ring file inside the database's own directory is refused: a copy of that directory would
carry both. `SubjectKeyCipher` is the same sealing as an `eventsourcing` `Cipher`, so the
library's cipher cases can be run against what we write.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from adapters.private_files import create_private_file
from adapters.settings import Settings

_ENTRY = re.compile(r"^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]{43,44})$")
_FORMAT = b"\x01"


class KekError(ValueError):
    """The key ring is missing, malformed, or cannot unwrap what it is given."""


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]
    """(id, 32-byte key), the current one first."""

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, kek_id: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == kek_id:
                return key
        raise KekError(f"No key-encryption key {kek_id!r} in the ring: add it (after the current one) to unwrap.")

    @classmethod
    def parse(cls, text: str, source: str) -> KeyRing:
        keys: list[tuple[str, bytes]] = []
        for entry in filter(None, (e.strip() for e in re.split(r"[,\n]", text))):
            match = _ENTRY.fullmatch(entry)
            key = base64.urlsafe_b64decode(match.group(2).replace("+", "-").replace("/", "_")) if match else b""
            if match is None or len(key) != 32:
                raise KekError(f"{source}: each entry is id:base64 of 32 random bytes (see `lif subjects new-kek`).")
            keys.append((match.group(1), key))
        if not keys:
            raise KekError(f"{source} holds no key-encryption key.")
        if len({kek_id for kek_id, _ in keys}) != len(keys):
            raise KekError(f"{source}: a key-encryption key id is repeated.")
        return cls(tuple(keys))


def new_entry(kek_id: str) -> str:
    """A fresh ring entry, `id:base64`."""
    return f"{kek_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


def _aad(kek_id: str, subject_ref: str) -> bytes:
    return f"lif-subject-key|{kek_id}|{subject_ref}".encode()


def wrap(ring: KeyRing, subject_ref: str, key: bytes) -> tuple[str, bytes]:
    """(kek id, sealed key); the subject is bound in, so a wrapped key cannot be moved to another."""
    kek_id, kek = ring.current
    nonce = os.urandom(12)
    return kek_id, _FORMAT + nonce + AESGCM(kek).encrypt(nonce, key, _aad(kek_id, subject_ref))


def unwrap(ring: KeyRing, subject_ref: str, kek_id: str, sealed: bytes) -> bytes:
    if not sealed.startswith(_FORMAT):
        raise KekError("A stored subject key is not in the wrapped format.")
    try:
        return AESGCM(ring.key(kek_id)).decrypt(sealed[1:13], sealed[13:], _aad(kek_id, subject_ref))
    except InvalidTag:
        raise KekError(f"The key of {subject_ref} does not unwrap under {kek_id!r}: wrong key ring?") from None


def default_ring_file(settings: Settings) -> Path:
    """Where the embedded default keeps its generated ring: one file per store, outside it."""
    if settings.persistence == "sqlite":
        store = os.path.abspath(settings.sqlite_path)
    else:
        store = f"{settings.postgres_dsn}#{settings.postgres_schema or 'public'}"
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "lif" / "subject-keks" / f"{hashlib.sha256(store.encode()).hexdigest()[:24]}.keys"


def load_key_ring(settings: Settings) -> KeyRing:
    if settings.subject_kek is not None:
        return KeyRing.parse(settings.subject_kek.get_secret_value(), "LIF_SUBJECT_KEK")
    path = Path(settings.subject_kek_file) if settings.subject_kek_file else default_ring_file(settings)
    if settings.persistence == "sqlite":
        db_dir = Path(settings.sqlite_path).resolve().parent
        if path.resolve().parent == db_dir:
            raise KekError(
                f"LIF_SUBJECT_KEK_FILE {path} is in the database's directory: keep it elsewhere, "
                "so that a copy of the database does not carry the key that unlocks it."
            )
    if not path.exists():
        if settings.subject_kek_file:
            raise KekError(f"LIF_SUBJECT_KEK_FILE {path} does not exist.")
        create_private_file(path, new_entry("k1") + "\n")
    return KeyRing.parse(path.read_text(), str(path))


class SubjectKeyCipher(Cipher):
    """The KEK's AES-256-GCM sealing as an `eventsourcing` cipher (`LIF_SUBJECT_KEK` in its
    environment), so that the library's cipher cases run against it."""

    KEK = "LIF_SUBJECT_KEK"

    def __init__(self, environment: Environment) -> None:
        text = environment.get(self.KEK)
        if not text:
            raise OSError(f"{self.KEK} not set in the environment")
        self.ring = KeyRing.parse(text, self.KEK)

    def encrypt(self, plaintext: bytes) -> bytes:
        kek_id, sealed = wrap(self.ring, "", plaintext)
        return kek_id.encode() + b":" + sealed

    def decrypt(self, ciphertext: bytes) -> bytes:
        kek_id, _, sealed = ciphertext.partition(b":")
        try:
            return unwrap(self.ring, "", kek_id.decode(), sealed)
        except KekError as exc:
            raise ValueError(str(exc)) from exc
