"""The SQL backend: SQLite (one file, one host) and PostgreSQL (many hosts, one database).

One implementation of the storage port (:mod:`cinema_cli.services.ports.storage`) runs the
same SQL text on both databases through a tiny driver layer:

* **SQLite** uses the standard library's ``sqlite3`` directly. Importing
  SQLAlchemy costs ~150 ms, more than the whole start-up budget of the browsing
  commands allows (see ``docs/sql.md``); a file database needs no pool either.
* **PostgreSQL** uses SQLAlchemy 2 Core (engine, pool, URL handling, ``text()``
  statements) over psycopg 3; it is imported only when a ``postgresql`` URL is used.

Concurrency, briefly (details in ``docs/sql.md``):

* SQLite: a unit of work is ``BEGIN IMMEDIATE`` (one writer at a time, waiting up
  to ``lock_timeout`` for the lock, then :class:`LockTimeout`); WAL mode lets
  readers go on while someone writes.
* PostgreSQL: READ COMMITTED; inside a unit of work, the reads whose answer decides
  a write (a showing, its claims, a reservation, a booking, a ticket, an
  idempotency key) take ``FOR UPDATE`` row locks, so two box offices working on the
  same thing queue instead of both deciding on stale data. Not SERIALIZABLE: a
  serialization failure can only be healed by running the caller's ``with`` block
  again, which a context manager cannot do. Lock waits end after ``lock_timeout``.
* Both: ``seat_claims`` has one row per (showing, seat), so the database itself
  refuses a second claim on a seat; :meth:`SqlTransaction.claim_seats` and
  :meth:`SqlTransaction.sell_seats` run in a savepoint so a refusal changes
  nothing, and retry a deadlock a bounded number of times.
"""

from __future__ import annotations

import contextlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from cinema_cli.domain.errors import (
    CorruptData,
    HoldExpired,
    LockTimeout,
    SchemaOutdated,
    SeatUnavailable,
    StorageError,
    StorageUnavailable,
    UnknownSchema,
)
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    City,
    ClaimKind,
    IdempotencyRecord,
    Money,
    Movie,
    Payment,
    Refund,
    Reservation,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    TicketStatus,
    User,
)
from cinema_cli.services.ports.storage import RECORD_KINDS, ShowingQuery
from cinema_cli.storage import sql_schema
from cinema_cli.storage.records import RECORD_TYPES

Row = Sequence[Any]
Params = dict[str, Any]

_CHUNK = 500
"""Ids per ``IN (...)`` list (SQLite allows a few thousand parameters per statement)."""
_BATCH = 5000
"""Rows per ``executemany`` when loading or importing."""
_RETRIES = 3
"""How often a deadlocked or serialization-failed step is tried again before giving up."""
_ADVISORY_KEY = 7_310_531_223
"""PostgreSQL advisory lock that serializes concurrent schema upgrades."""

KIND_TABLES = {
    "city": "cities",
    "theater": "theaters",
    "movie": "movies",
    "showing": "showings",
    "reservation": "reservations",
    "claim": "seat_claims",
    "user": "users",
    "booking": "bookings",
    "idempotency": "idempotency_keys",
    "audit": "audit_log",
}
"""The table that holds each kind of :data:`~cinema_cli.services.ports.storage.RECORD_KINDS`."""


class _UniqueViolation(Exception):
    """A unique or primary key constraint refused a row (translated from the driver)."""


class _Raced(Exception):
    """Another session claimed one of the seats between our check and our insert."""


class _Retryable(Exception):
    """A deadlock or serialization failure: the step may succeed when tried again."""


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# msgspec (behind storage.records) is loaded only by the paths that need it (refunds,
# dump, load), so that search and seat maps do not pay for its import.
def _record(entity: Any) -> dict[str, Any]:
    from cinema_cli.storage.records import to_record

    return to_record(entity)


def _refunds(text: str) -> list[Refund]:
    if text == "[]":
        return []
    from cinema_cli.storage.records import from_record

    return [from_record(Refund, item) for item in orjson.loads(text)]


# -------------------------------------------------------------------------------------------------
# Drivers: the same SQL text (``:name`` parameters) on sqlite3 and on SQLAlchemy + psycopg.
# -------------------------------------------------------------------------------------------------
class _Database(ABC):
    """What the backend needs from a database connection."""

    dialect: str
    for_update: str
    """Suffix that locks the selected rows until the unit of work ends ("" on SQLite)."""
    ts_in: Callable[[datetime], Any]
    ts_out: Callable[[Any], datetime]
    amount_in: Callable[[Decimal], Any]

    @abstractmethod
    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of one query."""

    @abstractmethod
    def run(self, sql: str, params: Params | None = None) -> int:
        """Execute one statement; the number of rows it changed."""

    @abstractmethod
    def run_many(self, sql: str, rows: list[Params]) -> None:
        """Execute one statement once per parameter set (bulk writes)."""

    @abstractmethod
    def stream(self, sql: str) -> Iterator[Row]:
        """Rows of a large query without holding them all in memory."""

    @abstractmethod
    def begin(self) -> None:
        """Begin a write transaction (SQLite: BEGIN IMMEDIATE, the one writer)."""

    @abstractmethod
    def begin_snapshot(self) -> None:
        """Begin a read-only transaction that sees one consistent state (for dumps)."""

    @abstractmethod
    def commit(self) -> None:
        """Commit the transaction durably."""

    @abstractmethod
    def rollback(self) -> None:
        """Undo the transaction."""

    @abstractmethod
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested step: when it raises, its writes are undone and the transaction goes on."""

    def end_read(self) -> None:  # noqa: B027 - a no-op unless the dialect needs it (PostgreSQL)
        """End the implicit transaction of a lock-free read (PostgreSQL)."""

    def lock_schema(self) -> None:  # noqa: B027 - SQLite's single writer already excludes
        """Inside a transaction: wait until no other process is upgrading the schema."""

    @abstractmethod
    def table_names(self) -> set[str]:
        """The tables in the schema cinema-cli uses."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (or return it to the pool)."""

    @staticmethod
    def amount_out(value: Any) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(value)


def _sqlite_ts_in(value: datetime) -> str:
    # Fixed width UTC text, so that comparing strings compares instants.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def sqlite_path(url: str) -> str:
    """The file named by ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    rest = re.sub(r"^sqlite(\+\w+)?://", "", url).split("?", 1)[0]
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    return rest[1:] if rest.startswith("/") else rest


class _SqliteDatabase(_Database):
    dialect = "sqlite"
    for_update = ""

    def __init__(self, url: str, lock_timeout: float) -> None:
        import sqlite3

        self._sqlite3 = sqlite3
        self.ts_in = _sqlite_ts_in
        self.ts_out = datetime.fromisoformat
        self.amount_in = str
        path = sqlite_path(url)
        self.where = path
        if path != ":memory:":
            folder = Path(path).expanduser().resolve().parent
            if not folder.is_dir():
                raise StorageUnavailable(
                    f"cannot open SQLite database {path}: folder {folder} does not exist",
                    url=url,
                )
            # SQLite creates the file (and its -wal and -shm files, which copy its mode) with
            # the umask's mode; bookings and e-mail addresses are for the owner's eyes only.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            # isolation_level=None: we write BEGIN/COMMIT ourselves; timeout = busy wait.
            self._conn = sqlite3.connect(
                path, timeout=lock_timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA foreign_keys = ON")
            # 64 MB of page cache (the default is 2 MB): bulk imports update four indexes of
            # a table with hundreds of thousands of rows, and page faults dominate without it.
            self._conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.Error as error:
            raise self._translate(error) from None

    def _translate(self, error: Exception) -> Exception:
        sqlite3 = self._sqlite3
        message = str(error)
        if isinstance(error, sqlite3.IntegrityError):
            if message.startswith("UNIQUE constraint failed"):
                return _UniqueViolation(message)
            return StorageError(
                f"the database refused the change: {message}", code="integrity_violation"
            )
        if isinstance(error, sqlite3.OperationalError):
            if "locked" in message or "busy" in message:
                return LockTimeout(
                    f"another process kept the SQLite database {self.where} busy for longer "
                    "than the lock timeout (CINEMA_LOCK_TIMEOUT)",
                    hint="try again, or raise CINEMA_LOCK_TIMEOUT",
                )
            if "unable to open" in message or "readonly" in message or "disk I/O" in message:
                return StorageUnavailable(f"cannot use SQLite database {self.where}: {message}")
            return StorageError(f"SQLite error on {self.where}: {message}")
        if isinstance(error, sqlite3.DatabaseError):
            return CorruptData(f"{self.where} is not a usable SQLite database: {message}")
        return error

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        try:
            return self._conn.execute(sql, params or {}).fetchall()
        except self._sqlite3.Error as error:
            raise self._translate(error) from None

    def run(self, sql: str, params: Params | None = None) -> int:
        try:
            return self._conn.execute(sql, params or {}).rowcount
        except self._sqlite3.Error as error:
            raise self._translate(error) from None

    def run_many(self, sql: str, rows: list[Params]) -> None:
        if not rows:
            return
        try:
            self._conn.executemany(sql, rows)
        except self._sqlite3.Error as error:
            raise self._translate(error) from None

    def stream(self, sql: str) -> Iterator[Row]:
        try:
            yield from self._conn.execute(sql)
        except self._sqlite3.Error as error:
            raise self._translate(error) from None

    def begin(self) -> None:
        # IMMEDIATE takes the write lock now (waiting up to the busy timeout), so two
        # writers never both read, decide and then fail to upgrade their lock.
        self.run("BEGIN IMMEDIATE")

    def begin_snapshot(self) -> None:
        self.run("BEGIN")

    def commit(self) -> None:
        self.run("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.run("SAVEPOINT cinema_step")
        try:
            yield
        except BaseException:
            self.run("ROLLBACK TO cinema_step")
            self.run("RELEASE cinema_step")
            raise
        self.run("RELEASE cinema_step")

    def table_names(self) -> set[str]:
        found = self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return {row[0] for row in found}

    def enable_wal(self) -> None:
        """WAL lets readers read while one process writes; the mode is kept in the file."""
        if self.where != ":memory:":
            self.rows("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        self._conn.close()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StorageUnavailable(f"{name}: {raw!r} is not a whole number", field=name) from None
    if value < 0:
        raise StorageUnavailable(f"{name}: must not be negative, got {raw}", field=name)
    return value


def safe_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and ``db info``)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


class _PostgresDatabase(_Database):
    dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, lock_timeout: float) -> None:
        from sqlalchemy import create_engine, exc
        from sqlalchemy.engine import make_url

        self._exc = exc
        self._texts: dict[str, Any] = {}
        self.ts_in = _identity
        self.ts_out = _identity
        self.amount_in = _identity
        self.where = safe_url(url)
        try:
            parsed = make_url(url)
        except exc.ArgumentError:
            raise StorageUnavailable(f"not a database URL: {self.where}") from None
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._password = parsed.password
        query = dict(parsed.query)
        # Every connection works in UTC and gives up waiting for a row lock after
        # lock_timeout (0 would mean "wait forever" to PostgreSQL).
        options = " ".join(
            part
            for part in (
                _first(query.pop("options", "")),
                "-c timezone=UTC",
                f"-c lock_timeout={max(1, round(lock_timeout * 1000))}",
            )
            if part
        )
        connect_args: dict[str, Any] = {"options": options}
        if "connect_timeout" not in query:
            connect_args["connect_timeout"] = _env_int("CINEMA_DB_CONNECT_TIMEOUT", 5)
        parsed = parsed.set(query=query)
        self._engine = create_engine(
            parsed,
            pool_size=_env_int("CINEMA_DB_POOL_SIZE", 5),
            max_overflow=_env_int("CINEMA_DB_MAX_OVERFLOW", 5),
            pool_timeout=_env_int("CINEMA_DB_POOL_TIMEOUT", 30),
            pool_pre_ping=True,
            connect_args=connect_args,
        )
        try:
            self._conn = self._engine.connect()
        except exc.DBAPIError as error:
            self._engine.dispose()
            raise StorageUnavailable(
                f"cannot connect to PostgreSQL at {self.where}: {self._reason(error)}",
                hint="is the server running, and do the host, port, user and database exist?",
            ) from None
        self._tx: Any = None

    def _reason(self, error: Exception) -> str:
        orig = getattr(error, "orig", None) or error
        text = " ".join(str(orig).split())
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def _translate(self, error: Exception) -> Exception:
        orig = getattr(error, "orig", None)
        state = getattr(orig, "sqlstate", None) or ""
        if state == "23505":
            return _UniqueViolation(self._reason(error))
        if state.startswith("23"):
            return StorageError(
                f"the database refused the change: {self._reason(error)}",
                code="integrity_violation",
            )
        if state in ("40001", "40P01"):
            return _Retryable(self._reason(error))
        if state == "55P03":
            return LockTimeout(
                "another process kept the rows locked for longer than the lock timeout "
                "(CINEMA_LOCK_TIMEOUT)",
                hint="try again, or raise CINEMA_LOCK_TIMEOUT",
            )
        if isinstance(error, self._exc.OperationalError) or state.startswith("08"):
            return StorageUnavailable(
                f"lost the connection to PostgreSQL at {self.where}: {self._reason(error)}"
            )
        return error

    def _text(self, sql: str) -> Any:
        clause = self._texts.get(sql)
        if clause is None:
            from sqlalchemy import text

            clause = self._texts[sql] = text(sql)
        return clause

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        try:
            return list(self._conn.execute(self._text(sql), params or {}).all())
        except self._exc.DBAPIError as error:
            raise self._translate(error) from None

    def run(self, sql: str, params: Params | None = None) -> int:
        try:
            return int(self._conn.execute(self._text(sql), params or {}).rowcount)
        except self._exc.DBAPIError as error:
            raise self._translate(error) from None

    def run_many(self, sql: str, rows: list[Params]) -> None:
        if not rows:
            return
        try:
            self._conn.execute(self._text(sql), rows)
        except self._exc.DBAPIError as error:
            raise self._translate(error) from None

    def stream(self, sql: str) -> Iterator[Row]:
        try:
            result = self._conn.execution_options(stream_results=True, yield_per=2000).execute(
                self._text(sql)
            )
            yield from result
        except self._exc.DBAPIError as error:
            raise self._translate(error) from None

    def begin(self) -> None:
        if self._conn.in_transaction():
            self._conn.rollback()
        self._tx = self._conn.begin()

    def begin_snapshot(self) -> None:
        self.begin()
        self.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def commit(self) -> None:
        try:
            self._tx.commit()
        except self._exc.DBAPIError as error:
            raise self._translate(error) from None
        finally:
            self._tx = None

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
        self._tx = None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._conn.begin_nested():
            yield

    def end_read(self) -> None:
        if self._tx is None:
            self._conn.rollback()

    def lock_schema(self) -> None:
        self.rows("SELECT pg_advisory_xact_lock(:key)", {"key": _ADVISORY_KEY})

    def table_names(self) -> set[str]:
        found = self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in found}

    def close(self) -> None:
        try:
            self._conn.close()
        finally:
            self._engine.dispose()


def _identity(value: Any) -> Any:
    return value


def _first(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value or "")


def connect(url: str, lock_timeout: float) -> _Database:
    """A connection to the database named by ``url`` (no schema check)."""
    if url.startswith("sqlite"):
        return _SqliteDatabase(url, lock_timeout)
    if url.startswith("postgres"):
        return _PostgresDatabase(url, lock_timeout)
    raise StorageUnavailable(f"not a SQL storage URL: {safe_url(url)}")


# -------------------------------------------------------------------------------------------------
# Rows <-> models. Stored data is trusted: entities are built directly, not validated again.
# -------------------------------------------------------------------------------------------------
_THEATER_COLS = "id, name, city_id, address, timezone, currency, cleaning_minutes"
_MOVIE_COLS = "id, title, runtime_minutes, rating, genres, language, year"
_SHOWING_COLS = (
    "id, theater_id, room_id, movie_id, starts_at, ends_at, prices, currency, format, "
    "language, status"
)
_CLAIM_COLS = (
    "showing_id, seat_id, kind, reservation_id, session_id, expires_at, booking_id, ticket_id"
)
_RESERVATION_COLS = (
    "id, session_id, showing_id, movie_id, seats, created_at, expires_at, total_amount, currency"
)
_BOOKING_COLS = (
    "id, user_id, email, name, showing_id, movie_id, reservation_id, seats, total_amount, "
    "currency, payment_provider, payment_reference, payment_brand, payment_last4, "
    "payment_amount, payment_currency, refunded_amount, refunded_currency, status, created_at, "
    "idempotency_key, refunds"
)
_TICKET_COLS = (
    "id, booking_id, showing_id, seat_id, category, price_amount, price_currency, code, "
    "status, checked_in_at, gate, cancelled_at"
)
_USER_COLS = "id, email, name, created_at"
_IDEMPOTENCY_COLS = "idempotency_key, fingerprint, booking_id, created_at"
_AUDIT_COLS = "id, happened_at, actor, action, subject, details"


def _upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` — the same text on SQLite and PostgreSQL."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def _insert(table: str, columns: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


def _in_list(prefix: str, values: Sequence[Any]) -> tuple[str, Params]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(":" + n for n in names), dict(zip(names, values, strict=True))


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_CITY_SQL = _upsert("cities", ("id", "name", "country"), ("id",))
_THEATER_SQL = _upsert("theaters", _THEATER_COLS.split(", "), ("id",))
_ROOM_SQL = _insert("rooms", ("theater_id", "id", "ordinal", "name", "layout"))
_MOVIE_SQL = _upsert("movies", _MOVIE_COLS.split(", "), ("id",))
_SHOWING_SQL = _upsert("showings", _SHOWING_COLS.split(", "), ("id",))
_CLAIM_SQL = _insert("seat_claims", _CLAIM_COLS.split(", "))
_RESERVATION_SQL = _upsert("reservations", _RESERVATION_COLS.split(", "), ("id",))
_USER_SQL = _upsert("users", ("id", "email", "email_key", "name", "created_at"), ("id",))
_BOOKING_SQL = _upsert("bookings", [*_BOOKING_COLS.split(", "), "email_key"], ("id",))
_TICKET_SQL = _upsert("tickets", [*_TICKET_COLS.split(", "), "ordinal"], ("id",))
_IDEMPOTENCY_SQL = _upsert("idempotency_keys", _IDEMPOTENCY_COLS.split(", "), ("idempotency_key",))
_AUDIT_SQL = _insert("audit_log", _AUDIT_COLS.split(", "))


class _Codec:
    """Turns rows into trusted models and models into parameters, for one dialect."""

    def __init__(self, db: _Database) -> None:
        self.ts_in = db.ts_in
        self.ts_out = db.ts_out
        self.amount_in = db.amount_in
        self.amount_out = db.amount_out

    def opt_ts_in(self, value: datetime | None) -> Any:
        return None if value is None else self.ts_in(value)

    def opt_ts_out(self, value: Any) -> datetime | None:
        return None if value is None else self.ts_out(value)

    # -- models from rows ------------------------------------------------------------------------
    @staticmethod
    def city(r: Row) -> City:
        return City(id=r[0], name=r[1], country=r[2])

    @staticmethod
    def theater(r: Row, rooms: list[Room]) -> Theater:
        return Theater(
            id=r[0], name=r[1], city_id=r[2], address=r[3], timezone=r[4], currency=r[5],
            cleaning_minutes=r[6], rooms=rooms,
        )  # fmt: skip

    @staticmethod
    def room(r: Row) -> Room:
        return Room(id=r[0], name=r[1], layout=orjson.loads(r[2]))

    @staticmethod
    def movie(r: Row) -> Movie:
        return Movie(
            id=r[0], title=r[1], runtime_minutes=r[2], rating=r[3], genres=orjson.loads(r[4]),
            language=r[5], year=r[6],
        )  # fmt: skip

    def showing(self, r: Row) -> Showing:
        prices = {SeatCategory(k): Decimal(v) for k, v in orjson.loads(r[6]).items()}
        return Showing(
            id=r[0], theater_id=r[1], room_id=r[2], movie_id=r[3], starts_at=self.ts_out(r[4]),
            ends_at=self.ts_out(r[5]), prices=prices, currency=r[7], format=r[8],
            language=r[9], status=ShowingStatus(r[10]),
        )  # fmt: skip

    def claim(self, r: Row) -> SeatClaim:
        return SeatClaim(
            showing_id=r[0], seat_id=r[1], kind=ClaimKind(r[2]), reservation_id=r[3],
            session_id=r[4], expires_at=self.opt_ts_out(r[5]), booking_id=r[6], ticket_id=r[7],
        )  # fmt: skip

    def reservation(self, r: Row) -> Reservation:
        return Reservation(
            id=r[0], session_id=r[1], showing_id=r[2], movie_id=r[3], seats=orjson.loads(r[4]),
            created_at=self.ts_out(r[5]), expires_at=self.ts_out(r[6]),
            total=self.money(r[7], r[8]),
        )  # fmt: skip

    def money(self, amount: Any, currency: str) -> Money:
        return Money(amount=self.amount_out(amount), currency=currency)

    def user(self, r: Row) -> User:
        return User(id=r[0], email=r[1], name=r[2], created_at=self.ts_out(r[3]))

    def ticket(self, r: Row) -> Ticket:
        return Ticket(
            id=r[0], booking_id=r[1], showing_id=r[2], seat_id=r[3],
            category=SeatCategory(r[4]), price=self.money(r[5], r[6]), code=r[7],
            status=TicketStatus(r[8]), checked_in_at=self.opt_ts_out(r[9]), gate=r[10],
            cancelled_at=self.opt_ts_out(r[11]),
        )  # fmt: skip

    def booking(self, r: Row, tickets: list[Ticket]) -> Booking:
        payment = Payment(
            provider=r[10], reference=r[11], brand=r[12], last4=r[13],
            amount=self.money(r[14], r[15]), refunded=self.money(r[16], r[17]),
        )  # fmt: skip
        refunds = _refunds(r[21])
        return Booking(
            id=r[0], user_id=r[1], email=r[2], name=r[3], showing_id=r[4], movie_id=r[5],
            reservation_id=r[6], seats=orjson.loads(r[7]), total=self.money(r[8], r[9]),
            payment=payment, tickets=tickets, status=BookingStatus(r[18]),
            created_at=self.ts_out(r[19]), idempotency_key=r[20], refunds=refunds,
        )  # fmt: skip

    def idempotency(self, r: Row) -> IdempotencyRecord:
        return IdempotencyRecord(
            key=r[0], fingerprint=r[1], booking_id=r[2], created_at=self.ts_out(r[3])
        )

    def audit(self, r: Row) -> AuditEntry:
        return AuditEntry(
            id=r[0], at=self.ts_out(r[1]), actor=r[2], action=r[3], subject=r[4],
            details=orjson.loads(r[5]),
        )  # fmt: skip

    # -- parameters from models ------------------------------------------------------------------
    @staticmethod
    def city_params(city: City) -> Params:
        return {"id": city.id, "name": city.name, "country": city.country}

    @staticmethod
    def theater_params(t: Theater) -> Params:
        return {
            "id": t.id, "name": t.name, "city_id": t.city_id, "address": t.address,
            "timezone": t.timezone, "currency": t.currency,
            "cleaning_minutes": t.cleaning_minutes,
        }  # fmt: skip

    @staticmethod
    def movie_params(m: Movie) -> Params:
        return {
            "id": m.id, "title": m.title, "runtime_minutes": m.runtime_minutes,
            "rating": m.rating, "genres": _dumps(list(m.genres)), "language": m.language,
            "year": m.year,
        }  # fmt: skip

    def showing_params(self, s: Showing) -> Params:
        prices = {str(k): f"{v}" for k, v in s.prices.items()}
        return {
            "id": s.id, "theater_id": s.theater_id, "room_id": s.room_id,
            "movie_id": s.movie_id, "starts_at": self.ts_in(s.starts_at),
            "ends_at": self.ts_in(s.ends_at), "prices": _dumps(prices), "currency": s.currency,
            "format": s.format, "language": s.language, "status": str(s.status),
        }  # fmt: skip

    def claim_params(self, showing_id: str, c: SeatClaim) -> Params:
        return {
            "showing_id": showing_id, "seat_id": c.seat_id, "kind": str(c.kind),
            "reservation_id": c.reservation_id, "session_id": c.session_id,
            "expires_at": self.opt_ts_in(c.expires_at), "booking_id": c.booking_id,
            "ticket_id": c.ticket_id,
        }  # fmt: skip

    def reservation_params(self, r: Reservation) -> Params:
        return {
            "id": r.id, "session_id": r.session_id, "showing_id": r.showing_id,
            "movie_id": r.movie_id, "seats": _dumps(list(r.seats)),
            "created_at": self.ts_in(r.created_at), "expires_at": self.ts_in(r.expires_at),
            "total_amount": self.amount_in(r.total.amount), "currency": r.total.currency,
        }  # fmt: skip

    def user_params(self, u: User) -> Params:
        return {
            "id": u.id, "email": u.email, "email_key": u.email.lower(), "name": u.name,
            "created_at": self.ts_in(u.created_at),
        }  # fmt: skip

    def booking_params(self, b: Booking) -> Params:
        p = b.payment
        return {
            "id": b.id, "user_id": b.user_id, "email": b.email, "email_key": b.email.lower(),
            "name": b.name, "showing_id": b.showing_id, "movie_id": b.movie_id,
            "reservation_id": b.reservation_id, "seats": _dumps(list(b.seats)),
            "total_amount": self.amount_in(b.total.amount), "currency": b.total.currency,
            "payment_provider": p.provider, "payment_reference": p.reference,
            "payment_brand": p.brand, "payment_last4": p.last4,
            "payment_amount": self.amount_in(p.amount.amount),
            "payment_currency": p.amount.currency,
            "refunded_amount": self.amount_in(p.refunded.amount),
            "refunded_currency": p.refunded.currency, "status": str(b.status),
            "created_at": self.ts_in(b.created_at), "idempotency_key": b.idempotency_key,
            "refunds": _dumps([_record(r) for r in b.refunds]) if b.refunds else "[]",
        }  # fmt: skip

    def ticket_params(self, t: Ticket, ordinal: int) -> Params:
        return {
            "id": t.id, "booking_id": t.booking_id, "ordinal": ordinal,
            "showing_id": t.showing_id, "seat_id": t.seat_id, "category": str(t.category),
            "price_amount": self.amount_in(t.price.amount), "price_currency": t.price.currency,
            "code": t.code, "status": str(t.status),
            "checked_in_at": self.opt_ts_in(t.checked_in_at), "gate": t.gate,
            "cancelled_at": self.opt_ts_in(t.cancelled_at),
        }  # fmt: skip

    def idempotency_params(self, r: IdempotencyRecord) -> Params:
        return {
            "idempotency_key": r.key, "fingerprint": r.fingerprint, "booking_id": r.booking_id,
            "created_at": self.ts_in(r.created_at),
        }  # fmt: skip

    def audit_params(self, e: AuditEntry) -> Params:
        return {
            "id": e.id, "happened_at": self.ts_in(e.at), "actor": e.actor, "action": e.action,
            "subject": e.subject, "details": _dumps(e.details),
        }  # fmt: skip


# -------------------------------------------------------------------------------------------------
# Reads (shared by the storage and its units of work) and writes.
# -------------------------------------------------------------------------------------------------
class _SqlReader(ABC):
    """The :class:`~cinema_cli.services.ports.storage.Reader` queries, in SQL."""

    _locking = False
    """True inside a unit of work: reads that decide writes lock their rows (PostgreSQL)."""

    @abstractmethod
    def _database(self) -> _Database:
        """The connection the queries run on."""

    @abstractmethod
    def _codec(self) -> _Codec:
        """Rows to entities and back, for this dialect."""

    def _done(self) -> None:  # noqa: B027 - units of work have nothing to do after a read
        """Called after each read outside a unit of work."""

    def data_version(self) -> int | None:
        """SQLite's ``PRAGMA data_version``: it changes when another connection commits."""
        if self._database().dialect != "sqlite":
            return None
        return int(self._rows("PRAGMA data_version")[0][0])

    def _rows(self, sql: str, params: Params | None = None) -> list[Row]:
        rows = self._database().rows(sql, params)
        self._done()
        return rows

    def _lock(self) -> str:
        return self._database().for_update if self._locking else ""

    # -- catalog ---------------------------------------------------------------------------------
    def cities(self) -> list[City]:
        return [
            _Codec.city(r)
            for r in self._rows("SELECT id, name, country FROM cities ORDER BY name, id")
        ]

    def _rooms(self, where: str, params: Params) -> dict[str, list[Room]]:
        rooms: dict[str, list[Room]] = {}
        sql = (
            "SELECT r.theater_id, r.id, r.name, r.layout FROM rooms r "
            f"JOIN theaters t ON t.id = r.theater_id {where} ORDER BY r.theater_id, r.ordinal"
        )
        for r in self._rows(sql, params):
            rooms.setdefault(r[0], []).append(_Codec.room(r[1:]))
        return rooms

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        where, params = ("WHERE t.city_id = :city", {"city": city_id}) if city_id else ("", {})
        found = self._rows(
            f"SELECT {_THEATER_COLS} FROM theaters t {where} ORDER BY city_id, name, id", params
        )
        rooms = self._rooms(where, params)
        return [_Codec.theater(r, rooms.get(r[0], [])) for r in found]

    def theater(self, theater_id: str) -> Theater | None:
        found = self._rows(
            f"SELECT {_THEATER_COLS} FROM theaters WHERE id = :id", {"id": theater_id}
        )
        if not found:
            return None
        rooms = self._rooms("WHERE t.id = :id", {"id": theater_id})
        return _Codec.theater(found[0], rooms.get(theater_id, []))

    def movies(self) -> list[Movie]:
        return [
            _Codec.movie(r)
            for r in self._rows(f"SELECT {_MOVIE_COLS} FROM movies ORDER BY title, id")
        ]

    def movie(self, movie_id: str) -> Movie | None:
        found = self._rows(f"SELECT {_MOVIE_COLS} FROM movies WHERE id = :id", {"id": movie_id})
        return _Codec.movie(found[0]) if found else None

    def showings(self, query: ShowingQuery) -> list[Showing]:
        codec = self._codec()
        conditions: list[str] = []
        params: Params = {}
        for column, ids, prefix in (
            ("movie_id", query.movie_ids, "m"),
            ("theater_id", query.theater_ids, "t"),
        ):
            if ids is None:
                continue
            if not ids:
                return []
            fragment, values = _in_list(prefix, sorted(ids))
            conditions.append(f"{column} IN ({fragment})")
            params.update(values)
        if query.starts_from is not None:
            conditions.append("starts_at >= :starts_from")
            params["starts_from"] = codec.ts_in(query.starts_from)
        if query.starts_before is not None:
            conditions.append("starts_at < :starts_before")
            params["starts_before"] = codec.ts_in(query.starts_before)
        if not query.include_cancelled:
            conditions.append("status = 'scheduled'")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        sql = f"SELECT {_SHOWING_COLS} FROM showings {where} ORDER BY starts_at, id"
        return [codec.showing(r) for r in self._rows(sql, params)]

    def showing(self, showing_id: str) -> Showing | None:
        found = self._rows(
            f"SELECT {_SHOWING_COLS} FROM showings WHERE id = :id{self._lock()}", {"id": showing_id}
        )
        return self._codec().showing(found[0]) if found else None

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        codec = self._codec()
        found: dict[str, Showing] = {}
        for chunk in _chunks(list(dict.fromkeys(showing_ids))):
            fragment, params = _in_list("s", chunk)
            sql = f"SELECT {_SHOWING_COLS} FROM showings WHERE id IN ({fragment}){self._lock()}"
            for r in self._rows(sql, params):
                found[r[0]] = codec.showing(r)
        return found

    # -- seats -----------------------------------------------------------------------------------
    def claims(self, showing_id: str) -> list[SeatClaim]:
        codec = self._codec()
        sql = (
            f"SELECT {_CLAIM_COLS} FROM seat_claims WHERE showing_id = :showing "
            f"ORDER BY seat_id{self._lock()}"
        )
        return [codec.claim(r) for r in self._rows(sql, {"showing": showing_id})]

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        ids = list(dict.fromkeys(showing_ids))
        counts = dict.fromkeys(ids, 0)
        live_from = self._codec().ts_in(now)
        for chunk in _chunks(ids):
            fragment, params = _in_list("s", chunk)
            params["now"] = live_from
            sql = (
                "SELECT showing_id, count(*) FROM seat_claims "
                f"WHERE showing_id IN ({fragment}) AND (kind = 'sold' OR expires_at > :now) "
                "GROUP BY showing_id"
            )
            for showing_id, count in self._rows(sql, params):
                counts[showing_id] = int(count)
        return counts

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(showing_ids))
        counts = dict.fromkeys(ids, 0)
        for chunk in _chunks(ids):
            fragment, params = _in_list("s", chunk)
            sql = (
                "SELECT showing_id, count(*) FROM tickets "
                f"WHERE showing_id IN ({fragment}) AND status <> 'cancelled' GROUP BY showing_id"
            )
            for showing_id, count in self._rows(sql, params):
                counts[showing_id] = int(count)
        return counts

    # -- bookings --------------------------------------------------------------------------------
    def reservation(self, reservation_id: str) -> Reservation | None:
        found = self._rows(
            f"SELECT {_RESERVATION_COLS} FROM reservations WHERE id = :id{self._lock()}",
            {"id": reservation_id},
        )
        return self._codec().reservation(found[0]) if found else None

    def _bookings(self, rows: list[Row]) -> list[Booking]:
        codec = self._codec()
        tickets: dict[str, list[Ticket]] = {}
        for chunk in _chunks([r[0] for r in rows]):
            fragment, params = _in_list("b", chunk)
            sql = (
                f"SELECT {_TICKET_COLS} FROM tickets WHERE booking_id IN ({fragment}) "
                "ORDER BY booking_id, ordinal"
            )
            for t in self._rows(sql, params):
                tickets.setdefault(t[1], []).append(codec.ticket(t))
        return [codec.booking(r, tickets.get(r[0], [])) for r in rows]

    def booking(self, booking_id: str) -> Booking | None:
        found = self._rows(
            f"SELECT {_BOOKING_COLS} FROM bookings WHERE id = :id{self._lock()}", {"id": booking_id}
        )
        return self._bookings(found)[0] if found else None

    def bookings_by_email(self, email: str) -> list[Booking]:
        found = self._rows(
            f"SELECT {_BOOKING_COLS} FROM bookings WHERE email_key = :key "
            "ORDER BY created_at DESC, id DESC",
            {"key": email.lower()},
        )
        return self._bookings(found)

    def ticket(self, ticket_id: str) -> Ticket | None:
        # Inside a unit of work this locks the ticket and its booking: two gates
        # checking in the same ticket queue, and the second sees it used.
        columns = ", ".join(f"t.{c}" for c in _TICKET_COLS.split(", "))
        found = self._rows(
            f"SELECT {columns} FROM tickets t JOIN bookings b ON b.id = t.booking_id "
            f"WHERE t.id = :id{self._lock()}",
            {"id": ticket_id},
        )
        return self._codec().ticket(found[0]) if found else None

    def user_by_email(self, email: str) -> User | None:
        found = self._rows(
            f"SELECT {_USER_COLS} FROM users WHERE email_key = :key", {"key": email.lower()}
        )
        return self._codec().user(found[0]) if found else None

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        found = self._rows(
            f"SELECT {_IDEMPOTENCY_COLS} FROM idempotency_keys "
            f"WHERE idempotency_key = :key{self._lock()}",
            {"key": key},
        )
        return self._codec().idempotency(found[0]) if found else None

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        codec = self._codec()
        params: Params = {"subject": subject} if subject else {}
        where = "WHERE subject = :subject" if subject else ""
        if limit:
            params["limit"] = limit
            sql = f"SELECT {_AUDIT_COLS} FROM audit_log {where} ORDER BY seq DESC LIMIT :limit"
            return [codec.audit(r) for r in reversed(self._rows(sql, params))]
        sql = f"SELECT {_AUDIT_COLS} FROM audit_log {where} ORDER BY seq"
        return [codec.audit(r) for r in self._rows(sql, params)]


def _retrying(step: Callable[[], None]) -> None:
    """Run a savepointed step, again after a deadlock (a bounded number of times)."""
    for attempt in range(_RETRIES):
        try:
            step()
            return
        except _Retryable as error:
            if attempt == _RETRIES - 1:
                raise StorageError(
                    f"the database kept refusing the change after {_RETRIES} tries: {error}",
                    code="serialization_failure",
                    hint="try again",
                ) from None


class SqlTransaction(_SqlReader):
    """A unit of work on the SQL backend (the storage port's ``Transaction``)."""

    _locking = True

    def __init__(self, db: _Database, codec: _Codec) -> None:
        self._db = db
        self._codec_ = codec

    def _database(self) -> _Database:
        return self._db

    def _codec(self) -> _Codec:
        return self._codec_

    # -- catalog ---------------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        self._db.run(_CITY_SQL, _Codec.city_params(city))

    def put_theater(self, theater: Theater) -> None:
        self._db.run(_THEATER_SQL, _Codec.theater_params(theater))
        self._db.run("DELETE FROM rooms WHERE theater_id = :id", {"id": theater.id})
        self._db.run_many(
            _ROOM_SQL,
            [
                {"theater_id": theater.id, "id": room.id, "ordinal": i, "name": room.name,
                 "layout": _dumps(list(room.layout))}
                for i, room in enumerate(theater.rooms)
            ],
        )  # fmt: skip

    def put_movies(self, movies: Iterable[Movie]) -> None:
        self._db.run_many(_MOVIE_SQL, [_Codec.movie_params(m) for m in movies])

    def put_showings(self, showings: Iterable[Showing]) -> None:
        batch: list[Params] = []
        for showing in showings:
            batch.append(self._codec_.showing_params(showing))
            if len(batch) >= _BATCH:
                self._db.run_many(_SHOWING_SQL, batch)
                batch = []
        self._db.run_many(_SHOWING_SQL, batch)

    # -- seats -----------------------------------------------------------------------------------
    def _taken(self, showing_id: str, seats: Sequence[str]) -> list[str]:
        fragment, params = _in_list("seat", seats)
        params["showing"] = showing_id
        found = self._db.rows(
            "SELECT seat_id FROM seat_claims "
            f"WHERE showing_id = :showing AND seat_id IN ({fragment})",
            params,
        )
        taken = {r[0] for r in found}
        return [seat for seat in seats if seat in taken]

    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        """Add hold claims; dead holds and the replaced reservation's holds make way first."""
        # Inserting in seat order means two sessions wanting overlapping seats wait for
        # each other in one order, instead of deadlocking.
        ordered = sorted(claims, key=lambda c: c.seat_id)
        seats = [c.seat_id for c in claims]
        codec = self._codec_

        def step() -> None:
            with self._db.savepoint():
                if replacing_reservation is not None:
                    self._db.run(
                        "DELETE FROM seat_claims WHERE showing_id = :showing "
                        "AND reservation_id = :reservation AND kind = 'hold'",
                        {"showing": showing_id, "reservation": replacing_reservation},
                    )
                for chunk in _chunks(seats):
                    fragment, params = _in_list("seat", chunk)
                    params.update(showing=showing_id, now=codec.ts_in(now))
                    self._db.run(
                        "DELETE FROM seat_claims WHERE showing_id = :showing "
                        f"AND seat_id IN ({fragment}) AND kind = 'hold' "
                        "AND (expires_at IS NULL OR expires_at <= :now)",
                        params,
                    )
                taken = self._taken(showing_id, seats)
                if taken:
                    raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken)
                try:
                    self._db.run_many(
                        _CLAIM_SQL, [codec.claim_params(showing_id, c) for c in ordered]
                    )
                except _UniqueViolation:
                    raise _Raced() from None

        try:
            _retrying(step)
        except _Raced:
            # Another session committed a claim on one of these seats while we worked;
            # the savepoint is undone, so this sees the seats as others hold them now.
            taken = self._taken(showing_id, seats) or seats
            raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken) from None

    def release_reservation(self, reservation: Reservation) -> None:
        self._db.run("DELETE FROM reservations WHERE id = :id", {"id": reservation.id})
        self._db.run(
            "DELETE FROM seat_claims WHERE reservation_id = :id AND kind = 'hold'",
            {"id": reservation.id},
        )

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        """Turn live holds into sales; the guarded UPDATE decides, so a hold that died
        (or was taken over) a moment ago cannot be sold."""
        codec = self._codec_

        def step() -> None:
            with self._db.savepoint():
                sold = 0
                for ticket in sorted(tickets, key=lambda t: t.seat_id):
                    sold += self._db.run(
                        "UPDATE seat_claims SET kind = 'sold', booking_id = :booking, "
                        "ticket_id = :ticket, reservation_id = NULL, session_id = NULL, "
                        "expires_at = NULL WHERE showing_id = :showing AND seat_id = :seat "
                        "AND reservation_id = :reservation AND kind = 'hold' "
                        "AND expires_at > :now",
                        {
                            "booking": ticket.booking_id, "ticket": ticket.id,
                            "showing": reservation.showing_id, "seat": ticket.seat_id,
                            "reservation": reservation.id, "now": codec.ts_in(now),
                        },
                    )  # fmt: skip
                if sold != len(tickets):
                    raise HoldExpired(
                        f"reservation {reservation.id} has expired",
                        reservation_id=reservation.id,
                    )
                self._db.run("DELETE FROM reservations WHERE id = :id", {"id": reservation.id})

        _retrying(step)

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        ids = list(ticket_ids)
        for chunk in _chunks(ids):
            fragment, params = _in_list("t", chunk)
            params["showing"] = showing_id
            self._db.run(
                "DELETE FROM seat_claims "
                f"WHERE showing_id = :showing AND ticket_id IN ({fragment})",
                params,
            )

    def put_reservation(self, reservation: Reservation) -> None:
        self._db.run(_RESERVATION_SQL, self._codec_.reservation_params(reservation))

    # -- bookings --------------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        # Users are found by e-mail: a new record for an address replaces the old one.
        self._db.run(
            "DELETE FROM users WHERE email_key = :key AND id <> :id",
            {"key": user.email.lower(), "id": user.id},
        )
        self._db.run(_USER_SQL, self._codec_.user_params(user))

    def put_booking(self, booking: Booking) -> None:
        # Tickets are updated in place (not deleted and re-inserted) so that a gate
        # waiting on a ticket's row lock sees the new state when it gets the lock.
        self._db.run(_BOOKING_SQL, self._codec_.booking_params(booking))
        self._db.run_many(
            _TICKET_SQL, [self._codec_.ticket_params(t, i) for i, t in enumerate(booking.tickets)]
        )
        fragment, params = _in_list("t", [t.id for t in booking.tickets] or [""])
        params["booking"] = booking.id
        self._db.run(
            f"DELETE FROM tickets WHERE booking_id = :booking AND id NOT IN ({fragment})", params
        )

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        self._db.run(_IDEMPOTENCY_SQL, self._codec_.idempotency_params(record))

    def append_audit(self, entry: AuditEntry) -> None:
        self._db.run(_AUDIT_SQL, self._codec_.audit_params(entry))

    # -- bulk (load) -----------------------------------------------------------------------------
    def load_rows(self, kind: str, items: list[Any]) -> None:
        """Insert validated models of one kind (from :meth:`SqlStorage.load`)."""
        codec = self._codec_
        match kind:
            case "city":
                self._db.run_many(_CITY_SQL, [codec.city_params(i) for i in items])
            case "theater":
                for theater in items:
                    self.put_theater(theater)
            case "movie":
                self.put_movies(items)
            case "showing":
                self.put_showings(items)
            case "reservation":
                self._db.run_many(_RESERVATION_SQL, [codec.reservation_params(i) for i in items])
            case "claim":
                self._db.run_many(_CLAIM_SQL, [codec.claim_params(i.showing_id, i) for i in items])
            case "user":
                self._db.run_many(_USER_SQL, [codec.user_params(i) for i in items])
            case "booking":
                self._db.run_many(_BOOKING_SQL, [codec.booking_params(i) for i in items])
                self._db.run_many(
                    _TICKET_SQL,
                    [codec.ticket_params(t, n) for b in items for n, t in enumerate(b.tickets)],
                )
            case "idempotency":
                self._db.run_many(_IDEMPOTENCY_SQL, [codec.idempotency_params(i) for i in items])
            case "audit":
                self._db.run_many(_AUDIT_SQL, [codec.audit_params(i) for i in items])
            case _:
                raise CorruptData(f"unknown record kind {kind!r}", kind=kind)


# -------------------------------------------------------------------------------------------------
# The backend
# -------------------------------------------------------------------------------------------------
class SqlStorage(_SqlReader):
    """The storage port on SQLite or PostgreSQL; connects on first use.

    On first use it checks the schema version: an empty database gets the current
    schema (so ``cinema demo`` just works on a fresh URL); an older one is refused
    with a hint to run ``cinema db upgrade``; a newer one is refused (exit 7).
    """

    def __init__(self, url: str, *, lock_timeout: float = 10.0) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._db: _Database | None = None
        self._codec_: _Codec | None = None
        self._checked = False
        self._busy = False

    # -- connection and schema -------------------------------------------------------------------
    def _raw(self) -> _Database:
        if self._db is None:
            self._db = connect(self.url, self.lock_timeout)
            self._codec_ = _Codec(self._db)
        return self._db

    def _database(self) -> _Database:
        db = self._raw()
        if not self._checked:
            try:
                self._check_schema(db)
            except BaseException:
                self.close()
                raise
            self._checked = True
        return db

    def _codec(self) -> _Codec:
        self._database()
        assert self._codec_ is not None
        return self._codec_

    def _done(self) -> None:
        if not self._busy and self._db is not None:
            self._db.end_read()

    @property
    def supported_schema_version(self) -> int:
        """The schema version this code reads and writes."""
        return sql_schema.code_version()

    def schema_version(self) -> int | None:
        """The database's schema version; ``None`` when it has no cinema-cli schema yet."""
        db = self._raw()
        try:
            if "cinema_schema" not in db.table_names():
                return None
            found = db.rows("SELECT max(version) FROM cinema_schema")
            return int(found[0][0] or 0)
        finally:
            self._done()

    def _check_schema(self, db: _Database) -> None:
        version = self.schema_version()
        code = sql_schema.code_version()
        if version is None:
            others = db.table_names()
            self._done()
            if others:
                raise UnknownSchema(
                    f"{safe_url(self.url)} holds tables that cinema-cli did not create "
                    f"({', '.join(sorted(others)[:5])}); use an empty database",
                    url=safe_url(self.url),
                )
            self.upgrade()
        elif version > code:
            raise UnknownSchema(
                f"{safe_url(self.url)} has schema version {version}, newer than this "
                f"cinema-cli understands ({code}); upgrade cinema-cli",
                version=version,
                supported=code,
            )
        elif version < code:
            raise SchemaOutdated(
                f"{safe_url(self.url)} has schema version {version}; this cinema-cli needs {code}",
                version=version,
                supported=code,
                hint=f"run: cinema --storage '{safe_url(self.url)}' db upgrade",
            )

    def upgrade(self) -> tuple[int, int]:
        """Create or upgrade the schema; returns (version before, version after)."""
        db = self._raw()
        code = sql_schema.code_version()
        if isinstance(db, _SqliteDatabase):
            db.enable_wal()
        db.begin()
        self._busy = True
        try:
            db.lock_schema()
            db.run(sql_schema.SCHEMA_TABLE)
            found = db.rows("SELECT max(version) FROM cinema_schema")
            before = int(found[0][0] or 0)
            if before > code:
                raise UnknownSchema(
                    f"{safe_url(self.url)} has schema version {before}, newer than this "
                    f"cinema-cli understands ({code}); upgrade cinema-cli",
                    version=before,
                    supported=code,
                )
            for version in range(before + 1, code + 1):
                for statement in sql_schema.statements(
                    sql_schema.MIGRATIONS[version - 1], db.dialect
                ):
                    db.run(statement)
                db.run(
                    "INSERT INTO cinema_schema (version, applied_at) VALUES (:v, :at)",
                    {"v": version, "at": datetime.now(UTC).isoformat(timespec="seconds")},
                )
        except BaseException:
            db.rollback()
            raise
        else:
            db.commit()
        finally:
            self._busy = False
        return before, code

    # -- the port --------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        db = self._database()
        assert self._codec_ is not None
        if self._busy:
            raise RuntimeError("a unit of work is already open on this storage")
        db.begin()
        self._busy = True
        try:
            yield SqlTransaction(db, self._codec_)
        except BaseException:
            db.rollback()
            raise
        else:
            try:
                db.commit()
            except BaseException:
                db.rollback()
                raise
        finally:
            self._busy = False

    def counts(self) -> dict[str, int]:
        """How many records of each kind are stored (``tickets`` too)."""
        tables = {**KIND_TABLES, "ticket": "tickets"}
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

    def _dump(self, db: _Database, codec: _Codec) -> Iterator[tuple[str, dict[str, Any]]]:
        from cinema_cli.storage.records import to_record

        for city in self.cities():
            yield "city", to_record(city)
        for theater in self.theaters():
            yield "theater", to_record(theater)
        for movie in self.movies():
            yield "movie", to_record(movie)
        simple: list[tuple[str, str, Callable[[Row], Any]]] = [
            ("showing", f"{_SHOWING_COLS} FROM showings ORDER BY starts_at, id", codec.showing),
            (
                "reservation",
                f"{_RESERVATION_COLS} FROM reservations ORDER BY id",
                codec.reservation,
            ),
            ("claim", f"{_CLAIM_COLS} FROM seat_claims ORDER BY showing_id, seat_id", codec.claim),
            ("user", f"{_USER_COLS} FROM users ORDER BY id", codec.user),
        ]
        for kind, sql, build in simple:
            for row in db.stream("SELECT " + sql):
                yield kind, to_record(build(row))
        batch: list[Row] = []
        for row in db.stream(f"SELECT {_BOOKING_COLS} FROM bookings ORDER BY created_at, id"):
            batch.append(tuple(row))
            if len(batch) >= _CHUNK:
                for booking in self._bookings(batch):
                    yield "booking", to_record(booking)
                batch = []
        for booking in self._bookings(batch):
            yield "booking", to_record(booking)
        tail: list[tuple[str, str, Callable[[Row], Any]]] = [
            (
                "idempotency",
                f"{_IDEMPOTENCY_COLS} FROM idempotency_keys ORDER BY 1",
                codec.idempotency,
            ),
            ("audit", f"{_AUDIT_COLS} FROM audit_log ORDER BY seq", codec.audit),
        ]
        for kind, sql, build in tail:
            for row in db.stream("SELECT " + sql):
                yield kind, to_record(build(row))

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
                if kind != kind_now or len(batch) >= _BATCH:
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
