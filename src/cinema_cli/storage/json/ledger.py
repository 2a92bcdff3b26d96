"""The payment ledger in the JSON data folder: ``ledger/NN.json``, sharded by idempotency
key, one document per charge attempt (its id). The data folder's write lock makes
:meth:`add_charge` insert-once across every process sharing the folder."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from cinema_cli.domain.ledger import ChargeRecord
from cinema_cli.storage.json.reader import INDEX_SHARDS, load_entity, shard
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.records import to_record

_TABLE = "charges"


def _ledger_file(root: Path, idempotency_key: str) -> Path:
    return root / "ledger" / f"{shard(idempotency_key, INDEX_SHARDS):02d}.json"


def _order(record: ChargeRecord) -> tuple[str, str]:
    return (record.created_at.isoformat(), record.id)


class JsonLedgerReader:
    """The ledger's queries (mixed into the JSON reader)."""

    _session: Session
    root: Path

    def charges(self, idempotency_key: str | None = None) -> list[ChargeRecord]:
        if idempotency_key is not None:
            rows = self._session.raw_table(_ledger_file(self.root, idempotency_key), _TABLE)
            found = [load_entity(ChargeRecord, r) for r in rows.values()]
            return sorted(
                (c for c in found if c.idempotency_key == idempotency_key),
                key=lambda c: c.attempt,
            )
        every: list[ChargeRecord] = []
        for path in sorted((self.root / "ledger").glob("*.json")):
            every.extend(
                load_entity(ChargeRecord, r) for r in self._session.raw_table(path, _TABLE).values()
            )
        return sorted(every, key=_order)


class JsonLedgerWriter(JsonLedgerReader, ABC):
    """The ledger's writes (mixed into the JSON unit of work, which holds the write lock)."""

    @abstractmethod
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        """Stage one row of a file in the unit of work (the JSON transaction provides it)."""

    def add_charge(self, record: ChargeRecord) -> ChargeRecord:
        path = _ledger_file(self.root, record.idempotency_key)
        stored = self._session.raw_table(path, _TABLE).get(record.id)
        if stored is not None:
            return load_entity(ChargeRecord, stored)
        self._put(path, _TABLE, record.id, to_record(record))
        return record

    def put_charge(self, record: ChargeRecord) -> None:
        self._put(
            _ledger_file(self.root, record.idempotency_key), _TABLE, record.id, to_record(record)
        )
