"""PostgreSQL through SQLAlchemy 2 Core (engine, pool, URL handling) over psycopg 3.

SQLAlchemy is imported only when a ``postgresql`` URL is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


class PostgresDatabase(Database):
    """A PostgreSQL connection from a pool sized by :class:`~cinema_cli.config.DatabaseSettings`."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, lock_timeout: float, settings: DatabaseSettings) -> None:
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
            connect_args["connect_timeout"] = settings.connect_timeout
        parsed = parsed.set(query=query)
        self._engine = create_engine(
            parsed,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout,
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
