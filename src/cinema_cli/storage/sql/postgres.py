"""PostgreSQL through psycopg 3 directly: one connection per process, the same SQL text.

psycopg is imported only when a ``postgresql`` URL is opened. SQLAlchemy used to sit in
between and cost 0.5-0.9 s per command (its import and engine set-up); the statements
only need ``:name`` parameters rewritten to psycopg's ``%(name)s``, which :func:`pg_sql`
does once per statement text.

No pool: a command is one short-lived process with one connection. The pool settings in
:class:`~cinema_cli.config.DatabaseSettings` are for long-running servers (see
``docs/sql.md``); the connect timeout applies here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cinema_cli.domain.errors import LockTimeout, StorageError, StorageUnavailable
from cinema_cli.storage.sql.driver import (
    Database,
    Params,
    Retryable,
    Row,
    UniqueViolation,
    safe_url,
)

if TYPE_CHECKING:
    from cinema_cli.config import DatabaseSettings

_ADVISORY_KEY = 7_310_531_223
"""PostgreSQL advisory lock that serializes concurrent schema upgrades."""

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """The statement with ``:name`` parameters as psycopg's ``%(name)s`` (``%`` escaped)."""
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def conninfo(url: str) -> str:
    """The libpq connection string of a ``postgresql://`` or ``postgresql+psycopg://`` URL."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


class PostgresDatabase(Database):
    """A PostgreSQL connection; every statement runs in autocommit unless :meth:`begin`."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"
    now_sql = "statement_timestamp()"

    def __init__(self, url: str, lock_timeout: float, settings: DatabaseSettings) -> None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        self._psycopg = psycopg
        self.ts_in = _identity
        self.ts_out = _identity
        self.amount_in = _identity
        self.where = safe_url(url)
        try:
            params: dict[str, Any] = conninfo_to_dict(conninfo(url))
        except psycopg.Error as error:
            raise StorageUnavailable(
                f"--storage / CINEMA_STORAGE: not a PostgreSQL URL: {self.where} "
                f"({' '.join(str(error).split())})",
                field="storage",
            ) from None
        self._password = str(params.get("password") or "")
        self.host = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        # Every connection works in UTC and gives up waiting for a row lock after
        # lock_timeout (0 would mean "wait forever" to PostgreSQL).
        params["options"] = " ".join(
            part
            for part in (
                str(params.get("options") or ""),
                "-c timezone=UTC",
                f"-c lock_timeout={max(1, round(lock_timeout * 1000))}",
            )
            if part
        )
        params.setdefault("connect_timeout", settings.connect_timeout)
        try:
            self._conn = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as error:
            raise StorageUnavailable(
                f"cannot connect to PostgreSQL at {self.host} ({self.where}): "
                f"{self._reason(error)}",
                hint="is the server running, and do the host, port, user and database exist?",
            ) from None
        self._tx = False

    def _reason(self, error: Exception) -> str:
        text = " ".join(str(error).split())
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def _translate(self, error: Exception) -> Exception:
        state = getattr(error, "sqlstate", None) or ""
        if state == "23505":
            return UniqueViolation(self._reason(error))
        if state.startswith("23"):
            return StorageError(
                f"the database refused the change: {self._reason(error)}",
                code="integrity_violation",
            )
        if state in ("40001", "40P01"):
            return Retryable(self._reason(error))
        if state == "55P03":
            return LockTimeout(
                "another process kept the rows locked for longer than the lock timeout "
                "(CINEMA_LOCK_TIMEOUT)",
                hint="try again, or raise CINEMA_LOCK_TIMEOUT",
            )
        if state == "3F000" or state.startswith(("28", "42501")):
            # A search_path naming no schema, or a user without the rights it needs.
            return StorageUnavailable(
                f"cannot use PostgreSQL at {self.host} ({self.where}): {self._reason(error)}",
                hint="does the schema in the URL's search_path exist, and may this user use it?",
            )
        if state.startswith("53"):
            return StorageUnavailable(
                f"PostgreSQL at {self.host} is out of resources: {self._reason(error)}"
            )
        if isinstance(error, self._psycopg.OperationalError) or state.startswith(("08", "57P")):
            return StorageUnavailable(
                f"lost the connection to PostgreSQL at {self.host} ({self.where}): "
                f"{self._reason(error)}"
            )
        return error

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        try:
            cursor = self._conn.execute(pg_sql(sql) if params else sql, params or None)
            return cursor.fetchall() if cursor.description else []
        except self._psycopg.Error as error:
            raise self._translate(error) from None

    def run(self, sql: str, params: Params | None = None) -> int:
        try:
            return self._conn.execute(pg_sql(sql) if params else sql, params or None).rowcount
        except self._psycopg.Error as error:
            raise self._translate(error) from None

    def run_many(self, sql: str, rows: list[Params]) -> None:
        if not rows:
            return
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(pg_sql(sql), rows)
        except self._psycopg.Error as error:
            raise self._translate(error) from None

    def stream(self, sql: str) -> Iterator[Row]:
        # A server-side cursor (inside the dump's snapshot transaction) keeps memory flat.
        try:
            with self._conn.cursor(name="cinema_stream") as cursor:
                cursor.itersize = 2000
                cursor.execute(sql)
                yield from cursor
        except self._psycopg.Error as error:
            raise self._translate(error) from None

    def begin(self) -> None:
        self.rollback()
        self.run("BEGIN")
        self._tx = True

    def begin_snapshot(self) -> None:
        self.begin()
        self.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def commit(self) -> None:
        try:
            self.run("COMMIT")
        finally:
            self._tx = False

    def rollback(self) -> None:
        self._tx = False
        idle = self._psycopg.pq.TransactionStatus.IDLE
        if self._conn.closed or self._conn.info.transaction_status == idle:
            return
        try:
            self._conn.execute("ROLLBACK")
        except self._psycopg.Error as error:
            # A lost connection has no transaction left to undo; say so only when it lives.
            if not self._conn.broken:
                raise self._translate(error) from None

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

    def lock_schema(self) -> None:
        self.rows("SELECT pg_advisory_xact_lock(:key)", {"key": _ADVISORY_KEY})

    def table_names(self) -> set[str]:
        found = self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in found}

    def close(self) -> None:
        self._conn.close()


def _identity(value: Any) -> Any:
    return value
