"""The SQL backend: SQLite (one file, one host) and PostgreSQL (many hosts, one database).

One implementation of the storage port (:mod:`cinema_cli.services.ports.storage`) runs the
same SQL text on both databases through a tiny driver layer:

* **SQLite** (:mod:`.sqlite`) uses the standard library's ``sqlite3`` directly.
* **PostgreSQL** (:mod:`.postgres`) uses psycopg2 directly, one connection per
  command; it is imported only when a ``postgresql`` URL is used (psycopg2's C
  module imports in a third of psycopg 3's time, and SQLAlchemy's import and engine
  set-up used to cost more than the whole start-up budget).

Concurrency, briefly (details in ``docs/sql.md``):

* SQLite: a unit of work is ``BEGIN IMMEDIATE`` (one writer at a time, waiting up
  to ``lock_timeout`` for the lock, then :class:`LockTimeout`); WAL mode lets
  readers go on while someone writes.
* PostgreSQL: READ COMMITTED; inside a unit of work, the reads whose answer decides
  a write (a showing, its claims, a reservation, a booking, a ticket, an
  idempotency key, the showings an import re-checks) take ``FOR UPDATE`` row locks,
  so two box offices working on the same thing queue instead of both deciding on
  stale data. A deadlock that aborts a unit of work leaves as ``StorageBusy``
  (exit 7), which :mod:`cinema_cli.services.busy` retries where that is safe.
  Lock waits end after ``lock_timeout``.
* Holds are judged by the database's clock in the statements unless ``CINEMA_NOW``
  pins the time (:attr:`.driver.Database.server_clock`).
* Both: ``seat_claims`` has one row per (showing, seat), so the database itself
  refuses a second claim on a seat; :meth:`SqlTransaction.claim_seats` and
  :meth:`SqlTransaction.sell_seats` run in a savepoint so a refusal changes
  nothing, and retry a deadlock a bounded number of times.

The modules, in the order a query travels: :mod:`.driver` (the connection interface),
:mod:`.sqlite` and :mod:`.postgres` (its two implementations), :mod:`.statements` (SQL
text), :mod:`.codec` (rows <-> entities), :mod:`.reader` (queries),
:mod:`.transaction` (writes), :mod:`.schema` and :mod:`.migrations` (the versioned
schema), :mod:`.backend` (:class:`SqlStorage`, the storage port).
"""

from cinema_cli.storage.sql.backend import SqlStorage
from cinema_cli.storage.sql.driver import safe_url
from cinema_cli.storage.sql.sqlite import sqlite_path

__all__ = ["SqlStorage", "safe_url", "sqlite_path"]
