"""The ticket signing key ring in SQL: the ``signing_keys`` table (migration 4).

One row per key. A partial unique index allows one row with ``active = 1``, so of two hosts
creating the first key (or rotating) at once the database keeps one active key and both
read it back. ``signed_until`` only ever grows, in one statement, so hosts signing at once
never lower each other's mark.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime

from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.storage.sql.codec import Codec
from cinema_cli.storage.sql.driver import Database, Params, Row
from cinema_cli.storage.sql.statements import _insert

KEY_COLUMNS = (
    "key_id",
    "public_key",
    "private_key",
    "active",
    "created_at",
    "retired_at",
    "signed_until",
    "history_known",
)
_SELECT = f"SELECT {', '.join(KEY_COLUMNS)} FROM signing_keys"
_ADD_SQL = _insert("signing_keys", KEY_COLUMNS) + " ON CONFLICT DO NOTHING"
_RETIRE_SQL = (
    "UPDATE signing_keys SET active = 0, retired_at = :at WHERE key_id = :key_id AND active = 1"
)
# Compare and set in one statement: under READ COMMITTED a second host's update waits for the
# first one's commit, then finds the old text gone and changes nothing.
_RESEAL_SQL = (
    "UPDATE signing_keys SET private_key = :new WHERE key_id = :key_id AND private_key = :old"
)
_NOTE_SQL = (
    "UPDATE signing_keys SET signed_until = :until WHERE key_id = :key_id "
    "AND history_known = 1 AND (signed_until IS NULL OR signed_until < :until)"
)

SIGNING_KEYS_TABLE = """
CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at {ts} NOT NULL,
    retired_at {ts},
    signed_until {ts},
    history_known INTEGER NOT NULL CHECK (history_known IN (0, 1))
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active = 1
"""
"""Migration 4: the ticket signing key ring (one active key, enforced by the database)."""


def _key(codec: Codec, row: Row) -> SigningKeyRecord:
    return SigningKeyRecord(
        key_id=row[0],
        public_key=row[1],
        private_key=row[2],
        active=bool(row[3]),
        created_at=codec.ts_out(row[4]),
        retired_at=codec.opt_ts_out(row[5]),
        signed_until=codec.opt_ts_out(row[6]),
        history_known=bool(row[7]),
    )


class SqlKeyReader:
    """The key ring's queries (mixed into the SQL reader)."""

    @abstractmethod
    def _rows(self, sql: str, params: Params | None = None) -> list[Row]: ...

    @abstractmethod
    def _codec(self) -> Codec: ...

    def signing_keys(self) -> list[SigningKeyRecord]:
        rows = self._rows(f"{_SELECT} ORDER BY created_at, key_id")
        codec = self._codec()
        return [_key(codec, row) for row in rows]


class SqlKeyWriter(SqlKeyReader):
    """The key ring's writes (mixed into the SQL unit of work)."""

    @abstractmethod
    def _database(self) -> Database: ...

    def add_signing_key(self, record: SigningKeyRecord) -> SigningKeyRecord:
        codec = self._codec()
        params: Params = {
            "key_id": record.key_id,
            "public_key": record.public_key,
            "private_key": record.private_key,
            "active": int(record.active),
            "created_at": codec.ts_in(record.created_at),
            "retired_at": codec.opt_ts_in(record.retired_at),
            "signed_until": codec.opt_ts_in(record.signed_until),
            "history_known": int(record.history_known),
        }
        db = self._database()
        if db.run(_ADD_SQL, params) == 1:
            return record
        # Its id is taken, or another key became active first: that one is the answer.
        where = "active = 1" if record.active else "key_id = :key_id"
        found = db.rows(f"{_SELECT} WHERE {where}", {"key_id": record.key_id})
        if not found:  # an inactive twin of an active key: the id decides
            found = db.rows(f"{_SELECT} WHERE key_id = :key_id", {"key_id": record.key_id})
        return _key(codec, found[0])

    def retire_signing_key(self, key_id: str, at: datetime) -> None:
        self._database().run(_RETIRE_SQL, {"key_id": key_id, "at": self._codec().ts_in(at)})

    def note_key_signed(self, key_id: str, valid_until: datetime) -> None:
        self._database().run(
            _NOTE_SQL, {"key_id": key_id, "until": self._codec().ts_in(valid_until)}
        )

    def reseal_signing_key(self, key_id: str, old: str, new: str) -> bool:
        return self._database().run(_RESEAL_SQL, {"key_id": key_id, "old": old, "new": new}) == 1
