"""The ticket signing keys older releases kept in ``<data dir>/keys/``, read for ``db upgrade``.

That folder held ``index.json`` (``{"version": 1, "active": KEY_ID, "keys": [{"key_id",
"created_at", "signed_until", "retired_at"}]}``) and one unencrypted PKCS#8 PEM per key.
:meth:`OldKeyFolder.signing_keys` turns them into store records (private keys sealed with
today's secret); after the move the folder is renamed ``keys.moved`` so it is moved once, and
kept so that nothing is lost.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import CorruptData, UnknownSchema
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.domain.ticket_codes import key_id_of
from cinema_cli.file_faults import file_faults

_INDEX_VERSION = 1


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


class OldKeyFolder:
    """``<data dir>/keys`` as an older cinema-cli left it (the ``OldSigningKeys`` port)."""

    def __init__(self, folder: Path, secret: Callable[[], bytes | None]) -> None:
        self.folder = folder
        self._secret = secret

    @property
    def location(self) -> str:
        return str(self.folder)

    def _index(self) -> dict[str, Any] | None:
        path = self.folder / "index.json"
        try:
            data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise CorruptData(
                f"the key index {path} cannot be read: {error}; it was left as it was",
                path=str(path),
            ) from None
        if not isinstance(data, dict) or data.get("version") != _INDEX_VERSION:
            raise UnknownSchema(f"the key index {path} has an unknown version", path=str(path))
        return data

    def signing_keys(self) -> list[SigningKeyRecord]:
        """Every key of the folder as a store record, sealed; ``[]`` when there is none."""
        index = self._index()
        if index is None:
            return []
        secret = self._secret()
        return [self._record(entry, index.get("active"), secret) for entry in index["keys"]]

    def _record(
        self, entry: dict[str, Any], active: str | None, secret: bytes | None
    ) -> SigningKeyRecord:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from cinema_cli.adapters.key_sealing import seal

        key_id = str(entry["key_id"])
        path = self.folder / f"{key_id}.pem"
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError):
            raise CorruptData(
                f"the signing key {key_id} in {self.folder} cannot be read; nothing was moved",
                path=str(path),
            ) from None
        if not isinstance(private, Ed25519PrivateKey):
            raise CorruptData(f"the signing key {key_id} is not Ed25519", path=str(path))
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if key_id_of(public) != key_id:
            raise CorruptData(f"the signing key file {path} holds another key", path=str(path))
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        created_at = _instant(entry["created_at"])
        assert created_at is not None
        return SigningKeyRecord(
            key_id=key_id,
            public_key=base64.b64encode(public).decode("ascii"),
            private_key=seal(raw, key_id, secret),
            active=key_id == active,
            created_at=created_at,
            retired_at=_instant(entry.get("retired_at")),
            signed_until=_instant(entry.get("signed_until")),
            history_known="signed_until" in entry,
        )

    def set_aside(self) -> str | None:
        """Rename the folder once its keys are in the store; where it is now (``None`` when
        another process already did)."""
        for n in range(1, 100):
            target = self.folder.with_name(f"{self.folder.name}.moved" + (f"-{n}" if n > 1 else ""))
            if target.exists():
                continue
            if not self.folder.exists():
                return None  # another process moved it
            with file_faults(self.folder, action="rename"):
                self.folder.rename(target)
            return str(target)
        return None
