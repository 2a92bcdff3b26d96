"""The payment ledger in SQL: the ``charges`` table (schema version 2).

Each attempt is one row; its id is unique (``<idempotency key>#<attempt>``) and so is
(idempotency key, attempt), so of two hosts opening the same attempt at once the database
keeps one and both read it back. The whole record is kept as JSON in ``record``; the
columns beside it are what queries filter and order on.
"""

from __future__ import annotations

from abc import abstractmethod

from cinema_cli.domain.ledger import ChargeRecord
from cinema_cli.storage.sql.codec import Codec, dumps
from cinema_cli.storage.sql.driver import Database, Params, Row
from cinema_cli.storage.sql.statements import _insert, _upsert

CHARGE_COLUMNS = (
    "id",
    "idempotency_key",
    "attempt",
    "status",
    "booking_id",
    "created_at",
    "updated_at",
    "record",
)
_SELECT = "SELECT record FROM charges"
_ADD_SQL = _insert("charges", CHARGE_COLUMNS) + " ON CONFLICT (id) DO NOTHING"
_PUT_SQL = _upsert("charges", CHARGE_COLUMNS, ("id",))

CHARGES_TABLE = """
CREATE TABLE charges (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    status TEXT NOT NULL CHECK (status IN ('pending', 'captured', 'refunded', 'failed')),
    booking_id TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (idempotency_key, attempt)
);
CREATE INDEX charges_created ON charges (created_at, id);
CREATE INDEX charges_open ON charges (status, booking_id)
"""
"""Migration 2: the payment ledger."""


def _charge(row: Row) -> ChargeRecord:
    import orjson

    from cinema_cli.storage.records import from_record

    return from_record(ChargeRecord, orjson.loads(row[0]))


class SqlLedgerReader:
    """The ledger's queries (mixed into the SQL reader)."""

    @abstractmethod
    def _rows(self, sql: str, params: Params | None = None) -> list[Row]: ...

    @abstractmethod
    def _lock(self) -> str: ...

    def charges(self, idempotency_key: str | None = None) -> list[ChargeRecord]:
        if idempotency_key is None:
            rows = self._rows(f"{_SELECT} ORDER BY created_at, id")
        else:
            rows = self._rows(
                f"{_SELECT} WHERE idempotency_key = :key ORDER BY attempt{self._lock()}",
                {"key": idempotency_key},
            )
        return [_charge(r) for r in rows]


class SqlLedgerWriter(SqlLedgerReader):
    """The ledger's writes (mixed into the SQL unit of work)."""

    @abstractmethod
    def _database(self) -> Database: ...

    @abstractmethod
    def _codec(self) -> Codec: ...

    def _params(self, record: ChargeRecord) -> Params:
        from cinema_cli.storage.records import to_record

        codec = self._codec()
        return {
            "id": record.id,
            "idempotency_key": record.idempotency_key,
            "attempt": record.attempt,
            "status": str(record.status),
            "booking_id": record.booking_id,
            "created_at": codec.ts_in(record.created_at),
            "updated_at": codec.ts_in(record.updated_at),
            "record": dumps(to_record(record)),
        }

    def add_charge(self, record: ChargeRecord) -> ChargeRecord:
        db = self._database()
        if db.run(_ADD_SQL, self._params(record)) == 1:
            return record
        found = db.rows(f"{_SELECT} WHERE id = :id{self._lock()}", {"id": record.id})
        return _charge(found[0])

    def put_charge(self, record: ChargeRecord) -> None:
        self._database().run(_PUT_SQL, self._params(record))
