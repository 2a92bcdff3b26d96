"""The ticket signing key ring as the release before the shared ring kept it: a verbatim copy
of that release's ``KeyRing`` (``<data dir>/keys``: ``index.json`` and one PEM per key), so
tests can make a data folder exactly as that release left it and upgrade it.

Only the three methods the signer calls take the (ignored) unit of work of today's signer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cinema_cli.domain.errors import CorruptData, KeyNotFound, UnknownSchema
from cinema_cli.domain.models import utc_text
from cinema_cli.domain.ticket_codes import key_id_of
from cinema_cli.durable_files import make_private_dirs, write_private
from cinema_cli.file_faults import file_faults
from cinema_cli.lock_files import held_lock

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

INDEX_VERSION = 1


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a signing key (never the private part)."""

    key_id: str
    created_at: str
    active: bool


def ensure_private_dir(folder: Path) -> Path:
    """Create ``folder`` for the owner only (tightening it if it exists).

    Missing parents (the data folder) are created owner-only too; ones that exist are left
    as they are. A folder that is already owner-only is not touched (a read-only mount).
    """
    make_private_dirs(folder)
    with file_faults(folder, action="make owner-only"):
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    return folder


class LegacyKeyRing:
    """The signing keys of one data folder, as the release before the shared ring kept them."""

    def __init__(self, folder: Path, clock: Callable[[], datetime]) -> None:
        self.folder = folder
        self._clock = clock
        self._private: dict[str, Ed25519PrivateKey] = {}

    # -- index ---------------------------------------------------------------------------------
    @property
    def _index_path(self) -> Path:
        return self.folder / "index.json"

    def _read_index(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self._index_path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise CorruptData(
                f"the key index {self._index_path} cannot be read: {error}; it was left as it was",
                path=str(self._index_path),
            ) from None
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
            raise UnknownSchema(
                f"the key index {self._index_path} has an unknown version",
                path=str(self._index_path),
            )
        return data

    def _write_index(self, data: dict[str, Any]) -> None:
        write_private(self._index_path, json.dumps(data, indent=2).encode("utf-8") + b"\n")

    def _lock(self) -> AbstractContextManager[None]:
        ensure_private_dir(self.folder)
        return held_lock(
            self.folder / ".lock",
            timeout=30,
            busy=f"another cinema process held the key lock {self.folder / '.lock'} for 30 s",
        )

    def _new_key(self, known: set[str]) -> str:
        """Create a private key file; returns its id (unique in this folder)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        while True:
            private = Ed25519PrivateKey.generate()
            raw = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            key_id = key_id_of(raw)
            if key_id not in known:  # 1 in 4 billion; then simply make another key
                break
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(self.folder / f"{key_id}.pem", pem)
        self._private[key_id] = private
        return key_id

    def _ensure(self) -> dict[str, Any]:
        index = self._read_index()
        if index is not None:
            return index
        with self._lock():
            index = self._read_index()  # another process may have won the race
            if index is None:
                key_id = self._new_key(set())
                index = {
                    "version": INDEX_VERSION,
                    "active": key_id,
                    "keys": [{"key_id": key_id, "created_at": self._now(), "signed_until": None}],
                }
                self._write_index(index)
        return index

    def _now(self) -> str:
        return utc_text(self._clock())

    # -- public API ----------------------------------------------------------------------------
    def list_keys(self) -> list[KeyInfo]:
        """Every key, oldest first (creates the first key when there is none)."""
        index = self._ensure()
        return [
            KeyInfo(key["key_id"], key["created_at"], key["key_id"] == index["active"])
            for key in index["keys"]
        ]

    def known_key_ids(self) -> set[str]:
        """The ids of every key, without creating one (a folder with no keys signed nothing)."""
        index = self._read_index()
        return {key["key_id"] for key in index["keys"]} if index else set()

    def active_key_id(self, unit: object = None) -> str:
        return str(self._ensure()["active"])

    def note_signed(self, key_id: str, valid_until: datetime, unit: object = None) -> None:
        """Remember that ``key_id`` signs a code valid until ``valid_until`` (before it is
        handed out), so that :meth:`door_keys` keeps the key while that code is valid."""
        if not self._needs_note(self._read_index(), key_id, valid_until):
            return  # the usual case: an earlier code of this key is valid as long
        with self._lock():
            index = self._read_index()
            if index is not None and self._needs_note(index, key_id, valid_until):
                for key in index["keys"]:
                    if key["key_id"] == key_id:
                        key["signed_until"] = utc_text(valid_until)
                self._write_index(index)

    @staticmethod
    def _needs_note(index: dict[str, Any] | None, key_id: str, valid_until: datetime) -> bool:
        key = next((k for k in (index or {}).get("keys", []) if k["key_id"] == key_id), None)
        if key is None or "signed_until" not in key:
            return False  # unknown key (verify refuses it) or unknown history (kept for ever)
        noted = key["signed_until"]
        return noted is None or _parse_utc(noted) < valid_until

    def door_keys(self) -> list[KeyInfo]:
        """The keys a door must accept now, oldest first: the active key, and each retired key
        whose last signed code has not expired yet (or whose last code is unknown: it was
        signed before the ring kept count)."""
        index = self._ensure()
        now = self._clock()
        return [
            KeyInfo(key["key_id"], key["created_at"], key["key_id"] == index["active"])
            for key in index["keys"]
            if key["key_id"] == index["active"]
            or "signed_until" not in key
            or (key["signed_until"] is not None and _parse_utc(key["signed_until"]) > now)
        ]

    def rotate(self) -> KeyInfo:
        """Add a new key and make it the one that signs; old keys keep verifying."""
        self._ensure()
        with self._lock():
            index = self._read_index()
            assert index is not None  # _ensure wrote it and keys are never removed
            key_id = self._new_key({key["key_id"] for key in index["keys"]})
            created_at = self._now()
            for key in index["keys"]:
                if key["key_id"] == index["active"]:
                    key["retired_at"] = created_at
            index["keys"].append({"key_id": key_id, "created_at": created_at, "signed_until": None})
            index["active"] = key_id
            self._write_index(index)
        return KeyInfo(key_id, created_at, True)

    def private_key(self, key_id: str, unit: object = None) -> Ed25519PrivateKey:
        if key_id not in self._private:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            if not any(info.key_id == key_id for info in self.list_keys()):
                raise KeyNotFound(f"no signing key has id {key_id!r}", key_id=key_id)
            try:
                loaded = serialization.load_pem_private_key(
                    (self.folder / f"{key_id}.pem").read_bytes(), password=None
                )
            except (OSError, ValueError):
                raise CorruptData(
                    f"the signing key {key_id} in {self.folder} cannot be read",
                    path=str(self.folder / f"{key_id}.pem"),
                ) from None
            if not isinstance(loaded, Ed25519PrivateKey):
                raise CorruptData(
                    f"the signing key {key_id} is not Ed25519",
                    path=str(self.folder / f"{key_id}.pem"),
                )
            self._private[key_id] = loaded
        return self._private[key_id]

    def public_key(self, key_id: str) -> Ed25519PublicKey:
        return self.private_key(key_id).public_key()

    def public_pem(self, key_id: str | None = None) -> str:
        """The public key (SubjectPublicKeyInfo PEM) of ``key_id`` or of the active key."""
        from cryptography.hazmat.primitives import serialization

        public = self.public_key(key_id or self.active_key_id())
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
