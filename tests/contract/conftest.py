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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_backends import (
    BACKENDS,
    PG_DATABASE,
    PG_HOST,
    PG_PORT,
    SQL_BACKENDS,
    Backend,
    PostgresServer,
    pg_connect,
)

from fakes import FakeStorage


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The server, or a skip (a failure in CI) saying why it cannot be used."""
    import psycopg2

    problems = []
    for user in dict.fromkeys((getpass.getuser(), "postgres")):
        try:
            pg_connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=user, connect_timeout=3
            ).close()
            return PostgresServer(user)
        except psycopg2.Error as error:
            problems.append(f"as {user}: {' '.join(str(error).split())}")
    reason = (
        f"no PostgreSQL server usable at {PG_HOST}:{PG_PORT}/{PG_DATABASE} "
        f"({'; '.join(problems)}); start it with "
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def make_backend(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Backend]]:
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
            from cinema_cli.storage.json import JsonStorage

            folder = tmp_path / f"json-{n}"
            backend = Backend(
                name, lambda: JsonStorage(folder, lock_timeout=10.0), f"json://{folder}"
            )
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
