"""The mail queue in SQL: the ``mail`` table (schema version 5).

One row per e-mail; the whole record (its bytes base64-encoded) is kept as JSON in ``record``,
and the columns beside it are what claims filter and order on. A claim is one write
transaction: PostgreSQL picks the oldest claimable row with ``FOR UPDATE SKIP LOCKED`` (a
row another sender is claiming right now is passed over, not waited for); SQLite's
``BEGIN IMMEDIATE`` lets one writer claim at a time. Either way the row leaves the claim
``sending`` with a lease (``lease_until``), so no other sender takes it until the lease ends.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from datetime import datetime

from cinema_cli.domain.mail_queue import MailRecord
from cinema_cli.storage.sql.codec import Codec, dumps
from cinema_cli.storage.sql.driver import Database, Params, Row
from cinema_cli.storage.sql.statements import _insert, _upsert

MAIL_COLUMNS = ("id", "booking_id", "kind", "status", "created_at", "lease_until", "record")
_SELECT = "SELECT record FROM mail"
_ADD_SQL = _insert("mail", MAIL_COLUMNS) + " ON CONFLICT (id) DO NOTHING"
_PUT_SQL = _upsert("mail", MAIL_COLUMNS, ("id",))
_CLAIMABLE = (
    "status <> 'sent' AND (status <> 'sending' OR lease_until IS NULL OR lease_until <= :now)"
)

MAIL_TABLE = """
CREATE TABLE mail (
    id TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'cancellation')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    created_at {ts} NOT NULL,
    lease_until {ts},
    record TEXT NOT NULL
);
CREATE INDEX mail_order ON mail (created_at, id);
CREATE INDEX mail_pending ON mail (status, created_at)
"""
"""Migration 5: the mail queue."""


def _mail(row: Row) -> MailRecord:
    import orjson

    from cinema_cli.storage.records import from_record

    return from_record(MailRecord, orjson.loads(row[0]))


class SqlMailReader:
    """The mail queue's queries (mixed into the SQL reader)."""

    @abstractmethod
    def _rows(self, sql: str, params: Params | None = None) -> list[Row]: ...

    @abstractmethod
    def _lock(self) -> str: ...

    def mail_messages(self) -> list[MailRecord]:
        return [_mail(r) for r in self._rows(f"{_SELECT} ORDER BY created_at, id")]

    def mail_message(self, mail_id: str) -> MailRecord | None:
        found = self._rows(f"{_SELECT} WHERE id = :id{self._lock()}", {"id": mail_id})
        return _mail(found[0]) if found else None


class SqlMailWriter(SqlMailReader):
    """The mail queue's writes (mixed into the SQL unit of work)."""

    @abstractmethod
    def _database(self) -> Database: ...

    @abstractmethod
    def _codec(self) -> Codec: ...

    def _mail_params(self, record: MailRecord) -> Params:
        from cinema_cli.storage.records import to_record

        codec = self._codec()
        return {
            "id": record.id,
            "booking_id": record.booking_id,
            "kind": str(record.kind),
            "status": str(record.status),
            "created_at": codec.ts_in(record.created_at),
            "lease_until": codec.opt_ts_in(record.lease_until),
            "record": dumps(to_record(record)),
        }

    def enqueue_mail(self, record: MailRecord) -> MailRecord:
        db = self._database()
        if db.run(_ADD_SQL, self._mail_params(record)) == 1:
            return record
        stored = self.mail_message(record.id)
        assert stored is not None
        return stored

    def claim_mail(
        self,
        now: datetime,
        lease_until: datetime,
        *,
        mail_id: str | None = None,
        skip: Iterable[str] = (),
    ) -> MailRecord | None:
        db = self._database()
        params: Params = {"now": self._codec().ts_in(now)}
        where = _CLAIMABLE
        if mail_id is not None:
            where += " AND id = :id"
            params["id"] = mail_id
        skipped = sorted(set(skip))
        if skipped:
            names = [f"skip{n}" for n in range(len(skipped))]
            where += f" AND id NOT IN ({', '.join(':' + name for name in names)})"
            params.update(zip(names, skipped, strict=True))
        # PostgreSQL: pass over rows another sender holds; SQLite: the write lock serialises.
        locking = f"{db.for_update} SKIP LOCKED" if db.for_update else ""
        found = db.rows(f"{_SELECT} WHERE {where} ORDER BY created_at, id LIMIT 1{locking}", params)
        if not found:
            return None
        claimed = _mail(found[0]).claimed(now, lease_until)
        self.put_mail(claimed)
        return claimed

    def put_mail(self, record: MailRecord) -> None:
        self._database().run(_PUT_SQL, self._mail_params(record))
