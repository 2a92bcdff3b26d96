"""PostgreSQL through psycopg2 directly: URL forms, a server that is down, start-up cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from contract_backends import PG_DATABASE, PG_HOST, PG_PORT, PostgresServer
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.domain.errors import StorageUnavailable
from cinema_cli.storage.sql import SqlStorage
from cinema_cli.storage.sql.postgres import conninfo, pg_sql

ROOT = Path(__file__).resolve().parents[2]


def test_named_parameters_become_pyformat_placeholders_and_percent_signs_stay_literal() -> None:
    assert pg_sql("SELECT a FROM t WHERE b = :b AND c LIKE '50%' AND d = :d_2") == (
        "SELECT a FROM t WHERE b = %(b)s AND c LIKE '50%%' AND d = %(d_2)s"
    )
    assert pg_sql("SELECT '1'::int, excluded.x FROM t") == "SELECT '1'::int, excluded.x FROM t"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ada@db.example/cinema",
        "postgresql+psycopg://ada@db.example/cinema",
        "postgresql+psycopg2://ada@db.example/cinema",
        "postgres://ada@db.example/cinema",
    ],
)
def test_plain_and_dialect_named_urls_are_one_connection_string(url: str) -> None:
    assert conninfo(url) == "postgresql://ada@db.example/cinema"


@pytest.mark.postgres
def test_a_dialect_named_url_is_accepted_like_a_plain_one(
    postgres_server: PostgresServer,
) -> None:
    schema = postgres_server.new_schema()
    url = postgres_server.url(schema).replace("postgresql://", "postgresql+psycopg://")
    assert url.startswith("postgresql+psycopg://")
    storage = SqlStorage(url)
    try:
        assert storage.cities() == []
        assert storage.schema_version() == storage.supported_schema_version
    finally:
        storage.close()
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.postgres
def test_a_connection_works_in_utc_with_the_lock_timeout_and_no_parallel_workers(
    postgres_server: PostgresServer,
) -> None:
    schema = postgres_server.new_schema()
    storage = SqlStorage(postgres_server.url(schema), lock_timeout=2.5)
    try:
        found = storage._database().rows(
            "SELECT current_setting('TimeZone'), current_setting('lock_timeout'), "
            "current_setting('max_parallel_workers_per_gather'), current_schema()"
        )
    finally:
        storage.close()
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")
    assert tuple(found[0]) == ("UTC", "2500ms", "0", schema)


@pytest.mark.postgres
def test_the_server_clock_comes_with_the_schema_check_without_a_round_trip_of_its_own(
    postgres_server: PostgresServer,
) -> None:
    schema = postgres_server.new_schema()
    storage = SqlStorage(postgres_server.url(schema))
    try:
        storage.cities()  # the first read checks (here: creates) the schema
        storage.close()
        storage.cities()  # a command on an existing schema
        db = storage._database()
        sent: list[str] = []
        rows = db.rows

        def spy(sql: str, params: Any = None) -> Any:
            sent.append(sql)
            return rows(sql, params)

        db.rows = spy  # type: ignore[method-assign]
        now = storage.database_now()
        server = rows("SELECT statement_timestamp()")[0][0]
    finally:
        storage.close()
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")
    assert sent == []
    assert abs(server - now) < timedelta(seconds=5)


@pytest.mark.postgres
def test_a_long_lived_connection_reads_the_server_clock_again(
    postgres_server: PostgresServer,
) -> None:
    """A server keeps its connection for days: the clock read at connect time goes stale."""
    schema = postgres_server.new_schema()
    storage = SqlStorage(postgres_server.url(schema))
    try:
        storage.cities()  # creates the schema
        storage.close()
        storage.cities()  # checks it, and reads the clock with it
        db = storage._database()
        assert db.clock_read is not None
        server, _ = db.clock_read
        db.clock_read = (server - timedelta(days=3), 0.0)  # read long ago, by monotonic time
        now = storage.database_now()
        fresh = db.rows("SELECT statement_timestamp()")[0][0]
    finally:
        storage.close()
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")
    assert abs(fresh - now) < timedelta(seconds=5)


_SETTINGS = (
    "SELECT current_setting('TimeZone'), current_setting('lock_timeout'), "
    "current_setting('max_parallel_workers_per_gather'), current_schema()"
)


@pytest.mark.postgres
def test_through_a_pooler_refusing_startup_options_every_transaction_carries_the_settings(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    connect = psycopg2.connect
    refused: list[str] = []

    def pgbouncer(*dsn: str, **params: Any) -> Any:  # PgBouncer 1.18's answer to options
        if "options" in params:
            refused.append(params["options"])
            raise psycopg2.OperationalError("FATAL:  unsupported startup parameter: options")
        return connect(*dsn, **params)

    monkeypatch.setattr(psycopg2, "connect", pgbouncer)
    schema = postgres_server.new_schema()
    storage = SqlStorage(postgres_server.url(schema), lock_timeout=2.5)
    expected = ("UTC", "2500ms", "0", schema)
    try:
        assert storage.cities() == []  # the schema is created where the URL says
        db = storage._database()
        alone = tuple(db.rows(_SETTINGS)[0])
        with storage.transaction():
            in_unit_of_work = tuple(db.rows(_SETTINGS)[0])
        db.begin_snapshot()
        in_snapshot = tuple(db.rows(_SETTINGS)[0])
        db.rollback()
        # Nothing stays behind on the server connection for a pooler's next client.
        with db._conn.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(_SETTINGS)
            left = tuple(cursor.fetchone())
        tables = storage.schema_version()
    finally:
        storage.close()
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")
    assert alone == in_unit_of_work == in_snapshot == expected
    assert "search_path" in refused[0]
    assert left[1] != "2500ms"
    assert left[3] != schema
    assert tables == storage.supported_schema_version


def test_a_server_that_is_down_is_exit_7_naming_the_host_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://ada:s3cret-pw@127.0.0.1:1/cinema"
    with pytest.raises(StorageUnavailable) as raised:
        SqlStorage(url).cities()
    assert "127.0.0.1:1" in str(raised.value)
    assert "s3cret-pw" not in str(raised.value)

    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "--storage", url, "search", "--json"]
    )

    assert result.exit_code == 7, result.output
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "storage_unavailable"
    assert "cannot connect to PostgreSQL at 127.0.0.1:1" in error["message"]
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_a_postgresql_command_loads_psycopg2_but_neither_psycopg_3_sqlalchemy_nor_ssl(
    postgres_server: PostgresServer,
) -> None:
    schema = postgres_server.new_schema()
    url = postgres_server.url(schema)
    probe = (
        "import sys\n"
        "from cinema_cli.storage import open_storage\n"
        "from pathlib import Path\n"
        f"storage = open_storage({url!r}, Path('.'))\n"
        "storage.cities()\n"
        "storage.close()\n"
        "print(*(name in sys.modules for name in ('psycopg2', 'psycopg', 'sqlalchemy', 'ssl')))\n"
        "import ssl\n"  # still there for whoever needs it
    )
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        found = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
    finally:
        postgres_server.execute(f"DROP SCHEMA {schema} CASCADE")
    assert found.stdout.split() == ["True", "False", "False", "False"]


def test_the_test_server_address_is_the_documented_one() -> None:
    assert (PG_HOST, PG_PORT, PG_DATABASE) == ("127.0.0.1", 5432, "test")


@pytest.mark.postgres
def test_a_search_path_naming_no_schema_is_exit_7_with_a_hint(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.url("cinema_no_such_schema")

    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "--storage", url, "search", "--json"]
    )

    assert result.exit_code == 7, result.output
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "storage_unavailable"
    assert "search_path" in error["details"]["hint"]
