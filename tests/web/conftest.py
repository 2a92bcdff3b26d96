"""Fixtures for the HTTP API: demo data on each backend, the ASGI test client, and real
``cinema serve`` processes on free loopback ports (stopped with SIGTERM afterwards)."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))

from contract_backends import PG_DATABASE, PG_HOST, PG_PORT, PostgresServer, pg_connect
from web_support import DemoStore, Server, load_demo, start_server


@pytest.fixture(scope="session")
def web_postgres() -> PostgresServer:
    """The local PostgreSQL server, or a skip (a failure in CI) saying why."""
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
    reason = f"no PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} ({'; '.join(problems)})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def make_store(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], DemoStore]]:
    """Demo data on a fresh store of the named backend (PostgreSQL schemas dropped after)."""
    schemas: list[tuple[PostgresServer, str]] = []

    def make(backend: str) -> DemoStore:
        data_dir = tmp_path / f"data-{backend}"
        if backend == "json":
            url = "json"
        elif backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'cinema.db'}"
        else:
            server: PostgresServer = request.getfixturevalue("web_postgres")
            schema = server.new_schema()
            schemas.append((server, schema))
            url = server.url(schema)
        return load_demo(DemoStore(backend, data_dir, url))

    yield make
    for server, schema in schemas:
        server.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(make_store: Callable[[str], DemoStore]) -> DemoStore:
    """Demo data in the JSON backend (the default one)."""
    return make_store("json")


@pytest.fixture
def client(store: DemoStore) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from cinema_cli.web.app import create_app

    with TestClient(create_app(store.settings()), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start real ``cinema serve`` processes; each is stopped with SIGTERM at the end."""
    started: list[Server] = []

    def start(store: DemoStore, workers: int = 1) -> Server:
        server = start_server(store, workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
