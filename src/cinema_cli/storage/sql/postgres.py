"""PostgreSQL through psycopg2 directly: one connection per process, the same SQL text.

psycopg2 is imported only when a ``postgresql`` URL is opened. Every command pays that
import, which is why this is psycopg2 (a C module, ~20-30 ms) and not psycopg 3 (~100 ms:
it loads asyncio, importlib.metadata and builds its adapters in Python) nor SQLAlchemy
(0.5-0.9 s with its engine). The statements only need ``:name`` parameters rewritten to
``%(name)s``, which :func:`pg_sql` does once per statement text.

No pool: a command is one short-lived process with one connection. The pool settings in
:class:`~cinema_cli.config.DatabaseSettings` are for long-running servers (see
``docs/sql.md``); the connect timeout applies here. Connecting costs no statement: the
time zone and the lock timeout travel in the start-up packet (``options``).
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cinema_cli.domain.errors import LockTimeout, StorageError, StorageUnavailable
from cinema_cli.import_hiding import unimportable
from cinema_cli.storage.sql import pooled
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

_PAGE = 200
"""Statements sent in one round trip by :meth:`PostgresDatabase.run_many`."""

_FETCH = 2000
"""Rows fetched per round trip by :meth:`PostgresDatabase.stream`."""


def import_driver() -> ModuleType:
    """psycopg2, imported without Python's ``ssl`` module unless something else loaded it.

    psycopg2 imports ``ssl`` only to hand OpenSSL's thread-locking callbacks to Python's,
    which OpenSSL 1.1 and later no longer use (the psycopg2-binary wheels ship OpenSSL 3);
    when that import fails it leaves libpq to set OpenSSL up itself, as libpq does for its
    TLS connections anyway. ``ssl`` is a fifth of the ``import typer`` start-up floor
    (45 of 240 million instructions). Skipped when other threads run: one of them
    importing ``ssl`` meanwhile would fail.
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        import psycopg2

        return psycopg2
    with unimportable("ssl"):
        import psycopg2
    return psycopg2


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """The statement with ``:name`` parameters as psycopg2's ``%(name)s`` (``%`` escaped)."""
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def conninfo(url: str) -> str:
    """The libpq URL of a ``postgresql://``, ``postgres://`` or ``postgresql+driver://`` URL."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


class PostgresDatabase(Database):
    """A PostgreSQL connection; every statement runs in autocommit unless :meth:`begin`."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"
    now_sql = "statement_timestamp()"
    select_per_key = True

    def __init__(self, url: str, lock_timeout: float, settings: DatabaseSettings) -> None:
        psycopg2 = import_driver()
        from psycopg2.extensions import parse_dsn

        self._driver = psycopg2
        self.ts_in = _identity
        self.ts_out = _identity
        self.amount_in = _identity
        self.where = safe_url(url)
        try:
            params: dict[str, Any] = parse_dsn(conninfo(url))
        except psycopg2.Error as error:
            raise StorageUnavailable(
                f"--storage / CINEMA_STORAGE: not a PostgreSQL URL: {self.where} "
                f"({' '.join(str(error).split())})",
                field="storage",
            ) from None
        self._password = str(params.get("password") or "")
        self.host = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        # Every connection works in UTC and gives up waiting for a row lock after
        # lock_timeout (0 would mean "wait forever" to PostgreSQL). No parallel workers:
        # each query reads a few hundred rows, and starting workers (a process each) costs
        # 5-15 ms where the query takes under one; the planner tips into them on the cost
        # of a many-branch UNION ALL (see SqlReader.showings).
        params["options"] = " ".join(
            part
            for part in (
                str(params.get("options") or ""),
                "-c timezone=UTC",
                f"-c lock_timeout={max(1, round(lock_timeout * 1000))}",
                "-c max_parallel_workers_per_gather=0",
            )
            if part
        )
        params.setdefault("connect_timeout", settings.connect_timeout)
        self._tx = False
        self._settings = ""
        """Empty, or the settings a pooler refused at start-up: sent with each transaction."""
        try:
            self._conn = self._connect(params)
            # Set on the client only: psycopg2 then sends no BEGIN of its own.
            self._conn.autocommit = True
        except psycopg2.Error as error:
            raise StorageUnavailable(
                f"cannot connect to PostgreSQL at {self.host} ({self.where}): "
                f"{self._reason(error)}",
                hint="is the server running, and do the host, port, user and database exist?",
            ) from None

    def _connect(self, params: dict[str, Any]) -> Any:
        try:
            return self._driver.connect(**params)
        except self._driver.OperationalError as error:
            if not pooled.refused_options(error):
                raise
        # A transaction pooler (PgBouncer) in front of the server: see .pooled.
        options = params.pop("options")
        try:
            self._settings = pooled.set_config_sql(pooled.settings(options))
        except pooled.BadOptions as bad:
            raise StorageUnavailable(
                f"{self.host} refused the start-up options of {self.where}, and {bad} in "
                f"{options!r} is not a -c name=value setting that could be sent instead",
                field="storage",
            ) from None
        return self._driver.connect(**params)

    def _text(self, sql: str, params: Params | None) -> str:
        """The statement as sent: psycopg2 placeholders, and the settings outside a transaction."""
        text = pg_sql(sql) if params else sql
        if not self._settings or self._tx:
            return text
        return f"{self._settings.replace('%', '%%') if params else self._settings}; {text}"

    def _reason(self, error: Exception) -> str:
        text = " ".join(str(error).split())
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def _translate(self, error: Exception) -> Exception:
        state = getattr(error, "pgcode", None) or ""
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
        # InterfaceError: the connection was already found closed by an earlier statement.
        lost = (self._driver.OperationalError, self._driver.InterfaceError)
        if isinstance(error, lost) or state.startswith(("08", "57P")):
            return StorageUnavailable(
                f"lost the connection to PostgreSQL at {self.host} ({self.where}): "
                f"{self._reason(error)}"
            )
        return error

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(self._text(sql, params), params or None)
                return cursor.fetchall() if cursor.description else []
        except self._driver.Error as error:
            raise self._translate(error) from None

    def run(self, sql: str, params: Params | None = None) -> int:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(self._text(sql, params), params or None)
                return int(cursor.rowcount)
        except self._driver.Error as error:
            raise self._translate(error) from None

    def run_many(self, sql: str, rows: list[Params]) -> None:
        # Pages of statements, one round trip each: what psycopg2.extras.execute_batch
        # does, without importing extras (and logging) on every command that writes.
        statement = pg_sql(sql)
        settings = [] if self._tx or not self._settings else [self._settings.encode()]
        try:
            with self._conn.cursor() as cursor:
                for start in range(0, len(rows), _PAGE):
                    page = rows[start : start + _PAGE]
                    sent = [*settings, *(cursor.mogrify(statement, row) for row in page)]
                    cursor.execute(b";".join(sent))
        except self._driver.Error as error:
            raise self._translate(error) from None

    def stream(self, sql: str) -> Iterator[Row]:
        # A server-side cursor (inside the dump's snapshot transaction) keeps memory flat.
        # Declared by hand: psycopg2's named cursors refuse a connection in autocommit.
        from psycopg2.extensions import TRANSACTION_STATUS_INTRANS

        self.run(f"DECLARE cinema_stream NO SCROLL CURSOR FOR {sql}")
        try:
            while batch := self.rows(f"FETCH {_FETCH} FROM cinema_stream"):
                yield from batch
        finally:
            # Closed early or done: free the name for the next stream of the same snapshot.
            if self._conn.info.transaction_status == TRANSACTION_STATUS_INTRANS:
                self.run("CLOSE cinema_stream")

    def begin(self, mode: str = "") -> None:
        self.rollback()
        self._tx = True  # the settings a pooler refused (see .pooled) follow BEGIN, not precede it
        try:
            self.run(f"BEGIN{mode}; {self._settings}" if self._settings else f"BEGIN{mode}")
        except BaseException:
            # A failure after BEGIN (a cancel, a refused setting) leaves the server's
            # transaction aborted: end it, or every later read on this handle fails.
            with contextlib.suppress(Exception):
                self.rollback()
            self._tx = False
            raise

    def begin_snapshot(self) -> None:
        self.begin(" ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def commit(self) -> None:
        try:
            self.run("COMMIT")
        finally:
            self._tx = False

    def rollback(self) -> None:
        self._tx = False
        from psycopg2.extensions import TRANSACTION_STATUS_IDLE

        if self._conn.closed or self._conn.info.transaction_status == TRANSACTION_STATUS_IDLE:
            return
        try:
            with self._conn.cursor() as cursor:
                cursor.execute("ROLLBACK")
        except self._driver.Error as error:
            # A lost connection has no transaction left to undo; say so only when it lives.
            if not self._conn.closed:
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

    def has_table(self, name: str) -> bool:
        # The catalog itself: a query on information_schema costs 15-40 ms on a fresh
        # connection (it checks privileges on every table), this one well under 1 ms.
        found = self.rows(
            "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(:name))",
            {"name": name},
        )
        return bool(found and found[0][0])

    def schema_version(self) -> int | None:
        if self._tx:
            return super().schema_version()
        # Every command asks this first: one round trip, not "is there such a table?"
        # and then the version (a failed statement in autocommit leaves nothing behind).
        # The server's clock comes along, for the services' clock (server_clock.py).
        sql = "SELECT max(version), statement_timestamp() FROM cinema_schema"
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(self._text(sql, None))
                found = cursor.fetchall()
        except self._driver.Error as error:
            if getattr(error, "pgcode", None) == "42P01":  # undefined_table
                return None
            raise self._translate(error) from None
        self.clock_read = (found[0][1], time.monotonic())
        return int(found[0][0] or 0)

    def change_token(self) -> Hashable:
        # Two snapshots with the same xmax and the same transactions in progress see the
        # same committed rows; every commit that wrote changes one or the other. (Commits of
        # other databases of the cluster move it too: a cache then rebuilds for nothing.)
        # txid_current_snapshot(), not pg_current_snapshot(): the same value, and older
        # servers (before 13) have only this one.
        found = self.rows("SELECT txid_current_snapshot()::text")
        return str(found[0][0])

    def table_names(self) -> set[str]:
        found = self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in found}

    def close(self) -> None:
        self._conn.close()


def _identity(value: Any) -> Any:
    return value
