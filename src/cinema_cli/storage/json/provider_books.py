"""The test provider's books in the JSON data folder.

``provider-books/NN.json`` holds the charges, sharded by idempotency key, one document per
(key, round); ``provider-books/refs-NN.json`` finds a charge by its reference. Every write
happens under the data folder's write lock, so :meth:`add_provider_charge` inserts once
across every process sharing the folder, and a refund is added once per reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from cinema_cli.services.ports.payments import BookCharge
from cinema_cli.storage.json.reader import INDEX_SHARDS, load_entity, shard
from cinema_cli.storage.json.session import Session
from cinema_cli.storage.records import to_record

_CHARGES = "charges"
_REFERENCES = "references"


def _charges_file(root: Path, idempotency_key: str) -> Path:
    return root / "provider-books" / f"{shard(idempotency_key, INDEX_SHARDS):02d}.json"


def _references_file(root: Path, reference: str) -> Path:
    return root / "provider-books" / f"refs-{shard(reference, INDEX_SHARDS):02d}.json"


class JsonProviderBooksReader:
    """The books' queries (mixed into the JSON reader)."""

    _session: Session
    root: Path

    def provider_charges(self, idempotency_key: str | None = None) -> list[BookCharge]:
        if idempotency_key is not None:
            rows = self._session.raw_table(_charges_file(self.root, idempotency_key), _CHARGES)
            found = [load_entity(BookCharge, r) for r in rows.values()]
            return sorted(
                (c for c in found if c.idempotency_key == idempotency_key),
                key=lambda c: c.round,
            )
        every: list[BookCharge] = []
        for path in sorted((self.root / "provider-books").glob("[0-9]*.json")):
            rows = self._session.raw_table(path, _CHARGES)
            every.extend(load_entity(BookCharge, r) for r in rows.values())
        return sorted(every, key=lambda c: (c.created_at.isoformat(), c.id))

    def provider_charge(self, reference: str) -> BookCharge | None:
        index = self._session.raw_table(_references_file(self.root, reference), _REFERENCES)
        entry = index.get(reference)
        if entry is None:
            return None
        rows = self._session.raw_table(_charges_file(self.root, entry["key"]), _CHARGES)
        stored = rows.get(entry["id"])
        return None if stored is None else load_entity(BookCharge, stored)


class JsonProviderBooksWriter(JsonProviderBooksReader, ABC):
    """The books' writes (mixed into the JSON unit of work, which holds the write lock)."""

    @abstractmethod
    def _put(self, path: Path, table: str, doc_id: str, data: dict[str, Any]) -> None:
        """Stage one row of a file in the unit of work (the JSON transaction provides it)."""

    def add_provider_charge(self, charge: BookCharge) -> BookCharge:
        path = _charges_file(self.root, charge.idempotency_key)
        stored = self._session.raw_table(path, _CHARGES).get(charge.id)
        if stored is not None:
            return load_entity(BookCharge, stored)
        self.put_provider_charge(charge)
        return charge

    def put_provider_charge(self, charge: BookCharge) -> None:
        path = _charges_file(self.root, charge.idempotency_key)
        self._put(path, _CHARGES, charge.id, to_record(charge))
        self._put(
            _references_file(self.root, charge.reference),
            _REFERENCES,
            charge.reference,
            {"id": charge.id, "key": charge.idempotency_key},
        )
