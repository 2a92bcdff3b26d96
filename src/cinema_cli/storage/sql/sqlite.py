"""SQLite through the standard library's ``sqlite3``: one file, one writer at a time.

A file database needs no pool, and ``sqlite3`` costs ~5 ms to import.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cinema_cli.domain.errors import CorruptData, LockTimeout, StorageError, StorageUnavailable
from cinema_cli.durable_files import create_private
from cinema_cli.storage.sql.driver import Database, Params, Row, UniqueViolation


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


class SqliteDatabase(Database):
    """A SQLite file: instants as fixed-width UTC text, amounts as exact decimal text."""

    dialect = "sqlite"
    for_update = ""
    # Fixed-width UTC text like _sqlite_ts_in writes (SQLite's %f is SS.SSS).
    now_sql = "strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')"

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
                details: dict[str, str] = {"url": url}
                absolute = Path("/" + path)
                if not Path(path).is_absolute() and absolute.parent.is_dir():
                    # sqlite:///tmp/x.db is the relative tmp/x.db (SQLAlchemy's rule), while
                    # json:///tmp/data is absolute: the slip is common, so name the fix.
                    details["hint"] = (
                        f"did you mean sqlite:///{absolute} (four slashes for an absolute path)?"
                    )
                raise StorageUnavailable(
                    f"cannot open SQLite database {path}: folder {folder} does not exist",
                    **details,
                )
            # SQLite creates the file (and its -wal and -shm files, which copy its mode) with
            # the umask's mode; bookings and e-mail addresses are for the owner's eyes only.
            create_private(Path(path))
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
                return UniqueViolation(message)
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

    def change_token(self) -> Hashable:
        # data_version moves for other connections' commits only; total_changes counts the
        # rows this connection wrote (a rolled back write moves it too, which only costs a
        # cache a rebuild).
        version = self.rows("PRAGMA data_version")[0][0]
        return (version, self._conn.total_changes)

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
