"""Staff tokens in ``<data dir>/api-tokens.json``: owner-only (0600), written atomically.

The file holds ``{"version": 1, "tokens": [...]}`` with SHA-256 hashes, never secrets.
Writers serialise on a lock file beside it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cinema_cli.adapters.files import private_dir
from cinema_cli.domain.errors import CorruptData, UnknownSchema
from cinema_cli.durable_files import write_private
from cinema_cli.lock_files import held_lock
from cinema_cli.services.ports.staff_tokens import StaffToken

FILE_VERSION = 1


def _record(token: StaffToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "secret_hash": token.secret_hash,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def _token(record: dict[str, Any]) -> StaffToken:
    revoked = record.get("revoked_at")
    return StaffToken(
        id=record["id"],
        name=record["name"],
        role=record["role"],
        secret_hash=record["secret_hash"],
        created_at=datetime.fromisoformat(record["created_at"]),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


class StaffTokenFile:
    """The :class:`~cinema_cli.services.ports.staff_tokens.StaffTokenStore` of one data folder."""

    def __init__(self, path: Path, *, lock_timeout: float = 10.0) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    def tokens(self) -> list[StaffToken]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            document = json.loads(raw)
            version = document.get("version")
            records = document["tokens"]
        except (ValueError, KeyError, AttributeError, TypeError):
            raise CorruptData(f"{self.path} is not a token file; it was left untouched") from None
        if version != FILE_VERSION:
            raise UnknownSchema(f"{self.path} has version {version!r}, expected {FILE_VERSION}")
        return [_token(record) for record in records]

    def add(self, token: StaffToken) -> None:
        self._change(lambda tokens: [*tokens, token])

    def replace(self, token: StaffToken) -> None:
        self._change(lambda tokens: [token if t.id == token.id else t for t in tokens])

    def _change(self, edit: Any) -> None:
        private_dir(self.path.parent)
        with held_lock(
            self.path.with_name(self.path.name + ".lock"),
            timeout=self.lock_timeout,
            busy=f"{self.path} is locked by another process",
        ):
            tokens = edit(self.tokens())
            document = {"version": FILE_VERSION, "tokens": [_record(t) for t in tokens]}
            write_private(self.path, json.dumps(document, indent=2).encode() + b"\n")
