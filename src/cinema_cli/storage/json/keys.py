"""The ticket signing key ring in the JSON data folder: ``signing-keys.json``, one document
per key (its id). The data folder's write lock makes "at most one active key" hold across
every process sharing the folder: a unit of work reads the ring and writes it under the lock."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cinema_cli.domain.signing_keys import SigningKeyRecord, key_order
from cinema_cli.storage.json.reader import load_entity
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.records import to_record

_FILE = "signing-keys.json"
_TABLE = "keys"


class JsonKeyReader:
    """The key ring's queries (mixed into the JSON reader)."""

    _session: Session
    root: Path

    @property
    def _keys_file(self) -> Path:
        return self.root / _FILE

    def signing_keys(self) -> list[SigningKeyRecord]:
        rows = self._session.raw_table(self._keys_file, _TABLE)
        return sorted((load_entity(SigningKeyRecord, r) for r in rows.values()), key=key_order)


class JsonKeyWriter(JsonKeyReader, ABC):
    """The key ring's writes (mixed into the JSON unit of work, which holds the write lock)."""

    @abstractmethod
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        """Stage one row of a file in the unit of work (the JSON transaction provides it)."""

    def _stored_key(self, key_id: str) -> SigningKeyRecord | None:
        row = self._session.raw_table(self._keys_file, _TABLE).get(key_id)
        return None if row is None else load_entity(SigningKeyRecord, row)

    def _save_key(self, record: SigningKeyRecord) -> None:
        self._put(self._keys_file, _TABLE, record.key_id, to_record(record))

    def add_signing_key(self, record: SigningKeyRecord) -> SigningKeyRecord:
        stored = self._stored_key(record.key_id)
        if stored is not None:
            return stored
        if record.active:
            active = next((k for k in self.signing_keys() if k.active), None)
            if active is not None:
                return active
        self._save_key(record)
        return record

    def retire_signing_key(self, key_id: str, at: datetime) -> None:
        stored = self._stored_key(key_id)
        if stored is not None and stored.active:
            self._save_key(stored.retired(at))

    def note_key_signed(self, key_id: str, valid_until: datetime) -> None:
        stored = self._stored_key(key_id)
        if stored is None or not stored.history_known:
            return
        if stored.signed_until is None or stored.signed_until < valid_until:
            self._save_key(replace(stored, signed_until=valid_until))

    def reseal_signing_key(self, key_id: str, old: str, new: str) -> bool:
        stored = self._stored_key(key_id)
        if stored is None or stored.private_key != old:
            return False
        self._save_key(replace(stored, private_key=new))
        return True
