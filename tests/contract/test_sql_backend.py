"""What only the SQL backend promises: the database itself guards the invariants,
the schema is versioned, and failures are reported as storage errors (exit 7)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path
from typing import Any

import contract_builders as b
import pytest
from contract_backends import Backend, pg_connect

from cinema_cli.config import DatabaseSettings, Settings
from cinema_cli.domain.errors import (
    LockTimeout,
    SchemaOutdated,
    StorageUnavailable,
    UnknownSchema,
)
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.sql import SqlStorage, sqlite_path
from cinema_cli.storage.sql import schema as sql_schema

RawSql = Callable[[str], list[Any]]


@pytest.fixture
def raw(sql_backend: Backend) -> Iterator[RawSql]:
    """Run SQL straight on the backend's database (as psql or sqlite3 would), autocommit."""
    if sql_backend.name == "sqlite":
        conn: Any = sqlite3.connect(sqlite_path(sql_backend.url), isolation_level=None)
    else:
        schema = re.search(r"search_path%3D(\w+)", sql_backend.url)
        assert schema is not None
        server = sql_backend.url.split("://", 1)[1].split("?", 1)[0]
        user, rest = server.split("@", 1)
        host_port, database = rest.split("/", 1)
        host, port = host_port.split(":")
        conn = pg_connect(
            host=host, port=int(port), dbname=database, user=user,
            options=f"-csearch_path={schema.group(1)}",
        )  # fmt: skip

    def run(statement: str) -> list[Any]:
        cursor = conn.cursor()
        cursor.execute(statement)
        return list(cursor.fetchall()) if cursor.description else []

    yield run
    conn.close()


def seeded(backend: Backend) -> SqlStorage:
    storage: SqlStorage = backend.open()
    with storage.transaction() as tx:
        tx.put_city(b.city())
        tx.put_theater(b.theater())
        tx.put_movies([b.movie()])
        tx.put_showings([b.showing()])
        tx.claim_seats("sh1", [b.hold("A1")], now=b.NOW)
    return storage


def refused(raw: RawSql, statement: str) -> str:
    """The database's own refusal of ``statement`` (fails the test when it is accepted)."""
    import psycopg2

    with pytest.raises((sqlite3.Error, psycopg2.Error)) as error:
        raw(statement)
    return str(error.value)


# -- the database guards the invariants ------------------------------------------------------------
def test_the_database_refuses_a_second_claim_on_a_seat(sql_backend: Backend, raw: RawSql) -> None:
    seeded(sql_backend)

    message = refused(
        raw,
        "INSERT INTO seat_claims (showing_id, seat_id, kind, reservation_id, expires_at) "
        "VALUES ('sh1', 'A1', 'hold', 'intruder', '2099-01-01T00:00:00+00:00')",
    )

    assert re.search(r"UNIQUE|unique|duplicate key", message)
    assert raw("SELECT reservation_id FROM seat_claims WHERE seat_id = 'A1'") == [("res1",)]


def test_the_database_refuses_negative_amounts_and_unknown_claim_kinds(
    sql_backend: Backend, raw: RawSql
) -> None:
    seeded(sql_backend)

    negative = refused(
        raw,
        "INSERT INTO reservations (id, session_id, showing_id, movie_id, seats, created_at, "
        "expires_at, total_amount, currency) VALUES ('r9', 's', 'sh1', 'dune', '[]', "
        "'2026-01-01T00:00:00+00:00', '2026-01-01T00:10:00+00:00', -1, 'USD')",
    )
    strange = refused(
        raw,
        "INSERT INTO seat_claims (showing_id, seat_id, kind) VALUES ('sh1', 'A9', 'borrowed')",
    )

    assert "check" in negative.lower()
    assert "check" in strange.lower()


def test_the_database_refuses_claims_on_showings_that_do_not_exist(
    sql_backend: Backend, raw: RawSql
) -> None:
    seeded(sql_backend)
    if sql_backend.name == "sqlite":
        raw("PRAGMA foreign_keys = ON")

    message = refused(
        raw, "INSERT INTO seat_claims (showing_id, seat_id, kind) VALUES ('nope', 'A1', 'sold')"
    )

    assert "foreign key" in message.lower()


# -- schema versions -------------------------------------------------------------------------------
def test_a_fresh_database_gets_the_schema_on_first_use(sql_backend: Backend, raw: RawSql) -> None:
    storage = sql_backend.open()

    assert storage.cities() == []
    assert storage.schema_version() == sql_schema.code_version()
    versions = raw("SELECT version FROM cinema_schema ORDER BY version")
    assert versions == [(v,) for v in range(1, sql_schema.code_version() + 1)]


def test_upgrading_twice_changes_nothing(sql_backend: Backend) -> None:
    storage = seeded(sql_backend)

    current = sql_schema.code_version()
    assert storage.upgrade() == (current, current)
    assert storage.showing("sh1") == b.showing()


def test_a_newer_schema_is_refused(sql_backend: Backend, raw: RawSql) -> None:
    seeded(sql_backend)
    raw("INSERT INTO cinema_schema (version, applied_at) VALUES (99, 'later')")

    with pytest.raises(UnknownSchema, match="schema version 99"):
        sql_backend.open().cities()


def test_an_older_schema_is_refused_until_upgraded(
    sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(sql_backend)
    monkeypatch.setattr(
        sql_schema,
        "MIGRATIONS",
        [*sql_schema.MIGRATIONS, "CREATE INDEX showings_format ON showings (format)"],
    )

    with pytest.raises(SchemaOutdated) as outdated:
        sql_backend.open().cities()
    assert "db upgrade" in outdated.value.details["hint"]

    current = sql_schema.code_version()
    assert sql_backend.open().upgrade() == (current - 1, current)
    assert sql_backend.open().showing("sh1") == b.showing()


def test_theaters_stored_before_the_business_day_get_the_0300_cut_off(
    sql_backend: Backend, raw: RawSql, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as version_1:
        version_1.setattr(sql_schema, "MIGRATIONS", sql_schema.MIGRATIONS[:1])
        sql_backend.open().cities()
    raw(
        "INSERT INTO theaters (id, name, city_id, address, timezone, currency, cleaning_minutes)"
        " VALUES ('old', 'Old', 'springfield', '', 'Europe/Berlin', 'EUR', 15)"
    )

    assert sql_backend.open().upgrade() == (1, sql_schema.code_version())
    stored = sql_backend.open().theater("old")
    assert stored is not None
    assert stored.business_day_cutoff == time(3, 0)


def test_a_version_2_database_gains_the_payment_ledger_and_the_key_ring_on_upgrade(
    sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as before_the_ledger:
        before_the_ledger.setattr(sql_schema, "MIGRATIONS", sql_schema.MIGRATIONS[:2])
        seeded(sql_backend)

    assert sql_backend.open().upgrade() == (2, sql_schema.code_version())
    storage = sql_backend.open()
    with storage.transaction() as tx:
        tx.add_charge(b.charge("k1"))
        tx.add_signing_key(b.signing_key("0000000a"))
    assert storage.charges() == [b.charge("k1")]
    assert storage.signing_keys() == [b.signing_key("0000000a")]
    assert storage.showing("sh1") == b.showing()


def test_a_database_with_someone_elses_tables_is_left_alone(
    sql_backend: Backend, raw: RawSql
) -> None:
    raw("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")

    with pytest.raises(UnknownSchema, match="did not create"):
        sql_backend.open().cities()
    assert raw("SELECT count(*) FROM invoices") == [(0,)]


# -- failures are storage errors -------------------------------------------------------------------
def test_waiting_too_long_for_the_lock_is_a_lock_timeout(sql_backend: Backend, raw: RawSql) -> None:
    seeded(sql_backend)
    impatient = SqlStorage(sql_backend.url, lock_timeout=0.2)
    sql_backend.opened.append(impatient)
    impatient.cities()  # connected, schema checked
    if sql_backend.name == "sqlite":
        raw("BEGIN IMMEDIATE")
        blocking = "COMMIT"
    else:
        raw("BEGIN")
        raw("SELECT * FROM showings WHERE id = 'sh1' FOR UPDATE")
        blocking = "COMMIT"

    def write_behind_the_lock() -> None:
        with impatient.transaction() as tx:
            tx.showing("sh1")
            tx.put_movies([b.movie("alien", "Alien")])

    try:
        with pytest.raises(LockTimeout):
            write_behind_the_lock()
    finally:
        raw(blocking)

    assert impatient.movie("alien") is None


def test_a_server_that_does_not_answer_is_storage_unavailable_without_the_password() -> None:
    storage = SqlStorage("postgresql+psycopg://ann:s3cret@127.0.0.1:1/cinema", lock_timeout=1)

    with pytest.raises(StorageUnavailable) as error:
        storage.cities()

    assert "127.0.0.1" in error.value.message
    assert "s3cret" not in error.value.message
    assert "s3cret" not in repr(error.value.details)


def test_a_sqlite_file_in_a_missing_folder_is_storage_unavailable(tmp_path: Any) -> None:
    storage = SqlStorage(f"sqlite:///{tmp_path}/nowhere/cinema.db")

    with pytest.raises(StorageUnavailable, match="does not exist"):
        storage.cities()


def test_sqlite_urls_name_relative_and_absolute_files() -> None:
    assert sqlite_path("sqlite:///cinema.db") == "cinema.db"
    assert sqlite_path("sqlite:////var/lib/cinema.db") == "/var/lib/cinema.db"
    assert sqlite_path("sqlite+pysqlite:///data/c.db?mode=rw") == "data/c.db"
    assert sqlite_path("sqlite://") == ":memory:"


def test_postgresql_connection_settings_are_read_once_with_the_other_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CINEMA_DB_POOL_SIZE", "7")
    monkeypatch.setenv("CINEMA_DB_CONNECT_TIMEOUT", "")
    settings = Settings.from_env(data_dir=tmp_path)
    assert settings.database == DatabaseSettings(pool_size=7)

    monkeypatch.setenv("CINEMA_DB_POOL_TIMEOUT", "soon")
    with pytest.raises(StorageUnavailable, match="CINEMA_DB_POOL_TIMEOUT: 'soon' is not a whole"):
        Settings.from_env(data_dir=tmp_path)
    monkeypatch.setenv("CINEMA_DB_POOL_TIMEOUT", "-1")
    with pytest.raises(StorageUnavailable, match="must not be negative, got -1"):
        Settings.from_env(data_dir=tmp_path)


# -- indexes ---------------------------------------------------------------------------------------
def test_search_and_seat_map_queries_use_indexes_on_sqlite(make_backend: Any) -> None:
    backend = make_backend("sqlite")
    storage = seeded(backend)
    storage.showings(ShowingQuery())  # make sure the schema exists
    conn = sqlite3.connect(sqlite_path(backend.url))

    def plan(sql: str) -> str:
        return " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))

    search = plan(
        "SELECT id FROM showings WHERE theater_id IN ('rex', 'abc') "
        "AND starts_at >= '2026-11-24' AND starts_at < '2026-11-25' ORDER BY starts_at, id"
    )
    by_movie = plan(
        "SELECT id FROM showings WHERE movie_id IN ('dune') AND starts_at >= '2026-11-24'"
    )
    seats = plan("SELECT seat_id FROM seat_claims WHERE showing_id = 'sh1'")
    taken = plan(
        "SELECT showing_id, count(*) FROM seat_claims WHERE showing_id IN ('sh1', 'sh2') "
        "AND (kind = 'sold' OR expires_at > '2026') GROUP BY showing_id"
    )
    email = plan("SELECT id FROM bookings WHERE email_key = 'a@b.c' ORDER BY created_at DESC")
    conn.close()

    assert "showings_theater_start" in search
    assert "showings_movie_start" in by_movie
    assert "USING PRIMARY KEY (showing_id=?)" in seats
    assert "USING PRIMARY KEY (showing_id=?)" in taken
    assert "bookings_email" in email


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Any) -> None:
    path = tmp_path / "cinema.db"
    storage = SqlStorage(f"sqlite:///{path}", lock_timeout=5)
    with storage.transaction() as tx:
        tx.put_city(b.city())
    storage.close()
    assert path.stat().st_mode & 0o777 == 0o600
