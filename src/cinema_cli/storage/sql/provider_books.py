"""The test provider's books in SQL: the ``provider_charges`` table (schema version 6).

One row per charge; its id is ``<idempotency key>#<round>`` (the primary key), so of two
hosts charging with the same key at once the database keeps one charge and both read it
back. A refund is added to its charge's row while that row is locked (``FOR UPDATE`` on
PostgreSQL, the write lock on SQLite), so each reason is refunded once across all hosts.
The whole record is kept as JSON in ``record``; the columns beside it are what queries
filter and order on.
"""

from __future__ import annotations

from abc import abstractmethod

from cinema_cli.services.ports.payments import BookCharge
from cinema_cli.storage.sql.codec import Codec, dumps
from cinema_cli.storage.sql.driver import Database, Params, Row
from cinema_cli.storage.sql.statements import _insert, _upsert

BOOK_COLUMNS = (
    "id",
    "idempotency_key",
    "round",
    "reference",
    "closed",
    "created_at",
    "record",
)
_SELECT = "SELECT record FROM provider_charges"
_ADD_SQL = _insert("provider_charges", BOOK_COLUMNS) + " ON CONFLICT (id) DO NOTHING"
_PUT_SQL = _upsert("provider_charges", BOOK_COLUMNS, ("id",))

PROVIDER_CHARGES_TABLE = """
CREATE TABLE provider_charges (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    round INTEGER NOT NULL CHECK (round >= 1),
    reference TEXT NOT NULL UNIQUE,
    closed INTEGER NOT NULL CHECK (closed IN (0, 1)),
    created_at {ts} NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (idempotency_key, round)
);
CREATE INDEX provider_charges_created ON provider_charges (created_at, id)
"""
"""Migration 6: the test payment provider's books."""


def _book_charge(row: Row) -> BookCharge:
    import orjson

    from cinema_cli.storage.records import from_record

    return from_record(BookCharge, orjson.loads(row[0]))


class SqlProviderBooksReader:
    """The books' queries (mixed into the SQL reader)."""

    @abstractmethod
    def _rows(self, sql: str, params: Params | None = None) -> list[Row]: ...

    @abstractmethod
    def _lock(self) -> str: ...

    def provider_charges(self, idempotency_key: str | None = None) -> list[BookCharge]:
        if idempotency_key is None:
            rows = self._rows(f"{_SELECT} ORDER BY created_at, id")
        else:
            rows = self._rows(
                f"{_SELECT} WHERE idempotency_key = :key ORDER BY round{self._lock()}",
                {"key": idempotency_key},
            )
        return [_book_charge(r) for r in rows]

    def provider_charge(self, reference: str) -> BookCharge | None:
        rows = self._rows(f"{_SELECT} WHERE reference = :ref{self._lock()}", {"ref": reference})
        return _book_charge(rows[0]) if rows else None


class SqlProviderBooksWriter(SqlProviderBooksReader):
    """The books' writes (mixed into the SQL unit of work)."""

    @abstractmethod
    def _database(self) -> Database: ...

    @abstractmethod
    def _codec(self) -> Codec: ...

    def _book_params(self, charge: BookCharge) -> Params:
        from cinema_cli.storage.records import to_record

        return {
            "id": charge.id,
            "idempotency_key": charge.idempotency_key,
            "round": charge.round,
            "reference": charge.reference,
            "closed": int(charge.closed),
            "created_at": self._codec().ts_in(charge.created_at),
            "record": dumps(to_record(charge)),
        }

    def add_provider_charge(self, charge: BookCharge) -> BookCharge:
        db = self._database()
        if db.run(_ADD_SQL, self._book_params(charge)) == 1:
            return charge
        found = db.rows(f"{_SELECT} WHERE id = :id{self._lock()}", {"id": charge.id})
        return _book_charge(found[0])

    def put_provider_charge(self, charge: BookCharge) -> None:
        self._database().run(_PUT_SQL, self._book_params(charge))
