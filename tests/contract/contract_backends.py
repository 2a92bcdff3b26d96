"""Backends the contract suite runs on, and what it needs to reach PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

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


def pg_connect(dsn: str = "", **params: Any) -> Any:
    """An autocommit psycopg2 connection (the driver the backend uses), for set-up SQL."""
    import psycopg2

    conn = psycopg2.connect(dsn, **params)
    conn.autocommit = True
    return conn


@dataclass
class PostgresServer:
    """The local PostgreSQL server and a user it lets in."""

    user: str
    schemas: list[str] = field(default_factory=list)

    def conninfo(self) -> str:
        return f"host={PG_HOST} port={PG_PORT} dbname={PG_DATABASE} user={self.user}"

    def execute(self, sql: str) -> None:
        conn = pg_connect(self.conninfo())
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def new_schema(self) -> str:
        name = f"cinema_test_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE SCHEMA {name}")
        return name

    def url(self, schema: str) -> str:
        return (
            f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
            f"?options=-csearch_path%3D{schema}"
        )


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
