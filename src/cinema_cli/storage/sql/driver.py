"""The driver layer: the same SQL text (``:name`` parameters) on sqlite3 and on psycopg2.

:class:`Database` is what the backend needs from a connection; :mod:`.sqlite` and
:mod:`.postgres` implement it and translate their drivers' errors into ours.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

from cinema_cli.domain.errors import StorageBusy

Row = Sequence[Any]
Params = dict[str, Any]


class UniqueViolation(Exception):
    """A unique or primary key constraint refused a row (translated from the driver)."""


class Retryable(Exception):
    """A deadlock or serialization failure: the step may succeed when tried again."""


def busy(error: Exception, tries: int = 1) -> StorageBusy:
    """The error a deadlock or serialization failure becomes when it leaves the backend."""
    after = f" after {tries} tries" if tries > 1 else ""
    return StorageBusy(
        "the database is busy: another command changed the same rows at the same moment "
        f"({error}){after}; nothing of this command was written",
        hint="run the same command again",
    )


class Database(ABC):
    """What the backend needs from a database connection."""

    dialect: str
    for_update: str
    """Suffix that locks the selected rows until the unit of work ends ("" on SQLite)."""
    now_sql: str
    """The database's own clock as an SQL expression, in the dialect's instant format."""
    select_per_key = False
    """True: a query for the showings of a few theaters (or movies) runs one ``SELECT`` per
    id glued with ``UNION ALL`` (PostgreSQL's planner misjudges the ``IN (...)`` form; SQLite
    reads the same rows with it, 15-20% faster than with the union)."""
    clock_read: tuple[datetime, float] | None = None
    """The server's clock as read along with the schema version, and ``time.monotonic()``
    then (PostgreSQL): the command's server time without a round trip of its own."""
    server_clock = False
    """True: hold expiry is judged by :attr:`now_sql` in the statements, not by the ``now``
    the caller passes (set by the storage unless ``CINEMA_NOW`` pins the time)."""
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

    def enable_wal(self) -> None:  # noqa: B027 - only SQLite has a journal mode to set
        """Let readers read while one process writes (SQLite's WAL mode, kept in the file)."""

    def lock_schema(self) -> None:  # noqa: B027 - SQLite's single writer already excludes
        """Inside a transaction: wait until no other process is upgrading the schema."""

    @abstractmethod
    def change_token(self) -> Hashable:
        """A value that any commit to the database changes (see ``Reader.change_token``)."""

    @abstractmethod
    def table_names(self) -> set[str]:
        """The tables in the schema cinema-cli uses."""

    def has_table(self, name: str) -> bool:
        """Whether the schema cinema-cli uses has this table (cheaper than all names)."""
        return name in self.table_names()

    def schema_version(self) -> int | None:
        """The highest row of ``cinema_schema``; ``None`` when there is no such table."""
        if not self.has_table("cinema_schema"):
            return None
        found = self.rows("SELECT max(version) FROM cinema_schema")
        return int(found[0][0] or 0)

    @abstractmethod
    def close(self) -> None:
        """Close the connection (or return it to the pool)."""

    def now(self, at: datetime, params: Params) -> str:
        """The SQL for "now" when judging holds: the database's clock, or ``at``."""
        if self.server_clock:
            return self.now_sql
        params["now"] = self.ts_in(at)
        return ":now"

    @staticmethod
    def amount_out(value: Any) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(value)


def safe_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and ``db info``)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
