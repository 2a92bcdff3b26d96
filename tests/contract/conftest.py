"""Backends for the contract suite: every test runs once per backend.

``fake`` (tests/fakes.py), ``json`` (JsonStorage in tmp_path), ``sqlite`` (a file in
tmp_path) and ``postgresql`` (the local server 127.0.0.1:5432, database ``test``,
trust auth; each test gets its own schema, dropped afterwards). When no PostgreSQL
server answers, the postgresql leg is skipped with the reason, except in CI
(``CI=true``), where it fails.
"""

from __future__ import annotations

import getpass
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeStorage

PG_HOST = os.environ.get("CINEMA_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CINEMA_TEST_PG_PORT", "5432"))
PG_DATABASE = os.environ.get("CINEMA_TEST_PG_DATABASE", "test")

BACKENDS = [
    "fake",
    "json",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]
SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class PostgresServer:
    """The local PostgreSQL server and a user it lets in."""

    user: str
    schemas: list[str] = field(default_factory=list)

    def conninfo(self) -> str:
        return f"host={PG_HOST} port={PG_PORT} dbname={PG_DATABASE} user={self.user}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_schema(self) -> str:
        name = f"cinema_test_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE SCHEMA {name}")
        return name

    def url(self, schema: str) -> str:
        return (
            f"postgresql+psycopg://{self.user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
            f"?options=-csearch_path%3D{schema}"
        )


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The server, or a skip (a failure in CI) saying why it cannot be used."""
    import psycopg

    problems = []
    for user in dict.fromkeys((getpass.getuser(), "postgres")):
        try:
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=user, connect_timeout=3
            ):
                return PostgresServer(user)
        except psycopg.Error as error:
            problems.append(f"as {user}: {' '.join(str(error).split())}")
    reason = (
        f"no PostgreSQL server usable at {PG_HOST}:{PG_PORT}/{PG_DATABASE} "
        f"({'; '.join(problems)}); start it with "
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class Backend:
    """One store; :meth:`open` gives a new storage object (a new connection) on it."""

    name: str
    opener: Callable[[], Any]
    url: str = ""
    opened: list[Any] = field(default_factory=list)

    def open(self) -> Any:
        storage = self.opener()
        self.opened.append(storage)
        return storage


@pytest.fixture
def make_backend(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Backend]]:
    """Build fresh, empty backends by name; closes them and drops PostgreSQL schemas after."""
    made: list[Backend] = []
    schemas: list[str] = []
    numbers = itertools.count()

    def make(name: str) -> Backend:
        n = next(numbers)
        if name == "fake":
            fake = FakeStorage()
            backend = Backend(name, lambda: fake, "fake://")
        elif name == "json":
            from cinema_cli.storage.json_files import JsonStorage

            folder = tmp_path / f"json-{n}"
            backend = Backend(name, lambda: JsonStorage(folder, lock_timeout=10.0), f"json://{folder}")
        elif name == "sqlite":
            from cinema_cli.storage.sql import SqlStorage

            url = f"sqlite:///{tmp_path / f'cinema-{n}.db'}"
            backend = Backend(name, lambda: SqlStorage(url, lock_timeout=10.0), url)
        elif name == "postgresql":
            from cinema_cli.storage.sql import SqlStorage

            server: PostgresServer = request.getfixturevalue("postgres_server")
            schema = server.new_schema()
            schemas.append(schema)
            url = server.url(schema)
            backend = Backend(name, lambda: SqlStorage(url, lock_timeout=10.0), url)
        else:  # pragma: no cover - a typo in a parametrization
            raise ValueError(name)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        for storage in backend.opened:
            storage.close()
    if schemas:
        server = request.getfixturevalue("postgres_server")
        for schema in schemas:
            server.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, make_backend: Callable[[str], Backend]) -> Backend:
    return make_backend(request.param)


@pytest.fixture
def storage(backend: Backend) -> Any:
    return backend.open()


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest, make_backend: Callable[[str], Backend]) -> Backend:
    return make_backend(request.param)
