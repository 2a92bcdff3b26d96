"""The SQL backend: the storage port on SQLite or PostgreSQL (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from cinema_cli.config import DatabaseSettings
from cinema_cli.domain.errors import CorruptData, StorageUnavailable
from cinema_cli.services.ports.storage import RECORD_KINDS, RECORD_TYPES
from cinema_cli.storage.sql import migrations, schema
from cinema_cli.storage.sql.codec import Codec
from cinema_cli.storage.sql.driver import Database, Retryable, Row, busy, safe_url
from cinema_cli.storage.sql.keys import SqlKeyReader
from cinema_cli.storage.sql.ledger import SqlLedgerReader
from cinema_cli.storage.sql.mail import SqlMailReader
from cinema_cli.storage.sql.provider_books import SqlProviderBooksReader
from cinema_cli.storage.sql.reader import SqlReader
from cinema_cli.storage.sql.statements import (
    AUDIT_COLS,
    BATCH,
    BOOKING_COLS,
    CHUNK,
    CLAIM_COLS,
    IDEMPOTENCY_COLS,
    RESERVATION_COLS,
    SHOWING_COLS,
    USER_COLS,
)
from cinema_cli.storage.sql.transaction import SqlTransaction


def connect(url: str, lock_timeout: float, settings: DatabaseSettings) -> Database:
    """A connection to the database named by ``url`` (no schema check)."""
    # Each driver module is imported only when its dialect is used.
    if url.startswith("sqlite"):
        from cinema_cli.storage.sql.sqlite import SqliteDatabase

        return SqliteDatabase(url, lock_timeout)
    if url.startswith("postgres"):
        from cinema_cli.storage.sql.postgres import PostgresDatabase

        return PostgresDatabase(url, lock_timeout, settings)
    raise StorageUnavailable(f"not a SQL storage URL: {safe_url(url)}")


CLOCK_READ_FRESH_SECONDS = 5.0
"""How long the server clock read with the schema check stands in for a fresh read."""


class SqlStorage(SqlReader, SqlLedgerReader, SqlMailReader, SqlProviderBooksReader, SqlKeyReader):
    """The storage port on SQLite or PostgreSQL; connects on first use.

    On first use it checks the schema version: an empty database gets the current
    schema (so ``cinema demo`` just works on a fresh URL); an older one is refused
    with a hint to run ``cinema db upgrade``; a newer one is refused (exit 7).
    """

    def __init__(
        self,
        url: str,
        *,
        lock_timeout: float = 10.0,
        database: DatabaseSettings | None = None,
        server_clock: bool = False,
    ) -> None:
        self.url = url
        self.server_clock = server_clock
        """Judge hold expiry by the database's clock in the statements (see docs/sql.md)."""
        self.lock_timeout = lock_timeout
        self.database_settings = database or DatabaseSettings()
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._db: Database | None = None
        self._codec_: Codec | None = None
        self._checked = False
        self._busy = False
        self._open: SqlTransaction | None = None

    # -- connection and schema -------------------------------------------------------------------
    def _raw(self) -> Database:
        if self._db is None:
            self._db = connect(self.url, self.lock_timeout, self.database_settings)
            self._db.server_clock = self.server_clock
            self._codec_ = Codec(self._db)
        return self._db

    def _database(self) -> Database:
        db = self._raw()
        if not self._checked:
            try:
                self._check_schema(db)
            except BaseException:
                self.close()
                raise
            self._checked = True
        return db

    def _codec(self) -> Codec:
        self._database()
        assert self._codec_ is not None
        return self._codec_

    def _done(self) -> None:
        if not self._busy and self._db is not None:
            self._db.end_read()

    @property
    def supported_schema_version(self) -> int:
        """The schema version this code reads and writes."""
        return schema.code_version()

    def schema_version(self) -> int | None:
        """The database's schema version; ``None`` when it has no cinema-cli schema yet."""
        db = self._raw()
        try:
            return migrations.stored_version(db)
        finally:
            self._done()

    def _check_schema(self, db: Database) -> None:
        version = self.schema_version()
        if version is None:
            others = db.table_names()
            self._done()
            if others:
                # Another process may have created the schema between the two reads: it
                # commits its tables and its version row together, so read the version again.
                version = self.schema_version()
            if version is None:
                migrations.refuse_foreign_tables(self.url, others)
                self.upgrade()
                return
        migrations.refuse_other_version(self.url, version)

    def upgrade(self) -> tuple[int, int]:
        """Create or upgrade the schema; returns (version before, version after)."""
        db = self._raw()
        self._busy = True
        try:
            return migrations.upgrade(db, self.url)
        finally:
            self._busy = False

    def database_now(self) -> datetime:
        """The database server's clock (SQLite's is this host's)."""
        db = self._database()
        if db.clock_read is not None:  # read with the schema version: no round trip
            server, at = db.clock_read
            elapsed = time.monotonic() - at
            # Only for a moment: a server keeps its connection for days, and this host's
            # clock, counted from then, would drift from the one the statements use.
            if elapsed < CLOCK_READ_FRESH_SECONDS:
                return server + timedelta(seconds=elapsed)
            db.clock_read = None
        return db.ts_out(self._rows(f"SELECT {db.now_sql}")[0][0])

    # -- the port --------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        db = self._database()
        assert self._codec_ is not None
        if self._busy:
            raise RuntimeError("a unit of work is already open on this storage")
        db.begin()
        self._busy = True
        self._open = SqlTransaction(db, self._codec_)
        try:
            yield self._open
        except Retryable as error:
            db.rollback()
            raise busy(error) from None
        except BaseException:
            db.rollback()
            raise
        else:
            try:
                db.commit()
            except Retryable as error:
                db.rollback()
                raise busy(error) from None
            except BaseException:
                db.rollback()
                raise
        finally:
            self._busy = False
            self._open = None

    @contextmanager
    def provider_books(self) -> Iterator[SqlTransaction]:
        if self._open is not None:
            # Joins the caller's unit of work: this connection cannot open a second one.
            yield self._open
            return
        with self.transaction() as tx:
            yield tx

    def counts(self) -> dict[str, int]:
        """How many records of each kind are stored (``tickets`` too)."""
        tables = {**schema.KIND_TABLES, "ticket": "tickets"}
        sql = " UNION ALL ".join(
            f"SELECT '{kind}', count(*) FROM {table}" for kind, table in tables.items()
        )
        found = {kind: int(n) for kind, n in self._rows(sql)}
        return {kind: found[kind] for kind in tables}

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every record, kinds in :data:`RECORD_KINDS` order, from one consistent snapshot."""
        db = self._database()
        codec = self._codec()
        if self._busy:
            raise RuntimeError("cannot dump inside a unit of work")
        db.begin_snapshot()
        self._busy = True
        try:
            yield from self._dump(db, codec)
        finally:
            db.rollback()
            self._busy = False

    def _dump(self, db: Database, codec: Codec) -> Iterator[tuple[str, dict[str, Any]]]:
        from cinema_cli.storage.records import to_record

        for city in self.cities():
            yield "city", to_record(city)
        for theater in self.theaters():
            yield "theater", to_record(theater)
        for movie in self.movies():
            yield "movie", to_record(movie)
        simple: list[tuple[str, str, Callable[[Row], Any]]] = [
            ("showing", f"{SHOWING_COLS} FROM showings ORDER BY starts_at, id", codec.showing),
            (
                "reservation",
                f"{RESERVATION_COLS} FROM reservations ORDER BY id",
                codec.reservation,
            ),
            ("claim", f"{CLAIM_COLS} FROM seat_claims ORDER BY showing_id, seat_id", codec.claim),
            ("user", f"{USER_COLS} FROM users ORDER BY id", codec.user),
        ]
        for kind, sql, build in simple:
            for row in db.stream("SELECT " + sql):
                yield kind, to_record(build(row))
        batch: list[Row] = []
        for row in db.stream(f"SELECT {BOOKING_COLS} FROM bookings ORDER BY created_at, id"):
            batch.append(tuple(row))
            if len(batch) >= CHUNK:
                for booking in self._bookings(batch):
                    yield "booking", to_record(booking)
                batch = []
        for booking in self._bookings(batch):
            yield "booking", to_record(booking)
        tail: list[tuple[str, str, Callable[[Row], Any]]] = [
            (
                "idempotency",
                f"{IDEMPOTENCY_COLS} FROM idempotency_keys ORDER BY 1",
                codec.idempotency,
            ),
            ("audit", f"{AUDIT_COLS} FROM audit_log ORDER BY seq", codec.audit),
        ]
        for kind, sql, build in tail:
            for row in db.stream("SELECT " + sql):
                yield kind, to_record(build(row))
        # The kinds kept whole beside a few columns, read through their own modules.
        kept_whole: list[tuple[str, Callable[[], Iterable[Any]]]] = [
            ("charge", self.charges),
            ("mail", self.mail_messages),
            ("provider_charge", self.provider_charges),
            ("signing_key", self.signing_keys),
        ]
        for kind, read in kept_whole:
            for item in read():
                yield kind, to_record(item)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Write dumped records in one unit of work (validating them); counts per kind."""
        from cinema_cli.storage.records import RecordError, from_record

        counts = dict.fromkeys(RECORD_KINDS, 0)
        with self.transaction() as tx:
            kind_now = ""
            batch: list[Any] = []
            for kind, data in records:
                model = RECORD_TYPES.get(kind)
                if model is None:
                    raise CorruptData(f"unknown record kind {kind!r}", kind=kind)
                if kind != kind_now or len(batch) >= BATCH:
                    if batch:
                        tx.load_rows(kind_now, batch)
                    kind_now, batch = kind, []
                try:
                    batch.append(from_record(model, data))
                except RecordError as error:
                    raise CorruptData(
                        f"record {counts[kind] + 1} of kind {kind}: {error}"
                    ) from None
                counts[kind] += 1
            if batch:
                tx.load_rows(kind_now, batch)
        return counts

    def close(self) -> None:
        if self._db is not None:
            db, self._db, self._codec_ = self._db, None, None
            self._checked = False
            db.close()

    def __repr__(self) -> str:
        return f"SqlStorage({safe_url(self.url)!r})"
