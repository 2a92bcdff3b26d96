"""``cinema db info / upgrade / copy`` through the CLI, on every backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from contract_backends import Backend
from test_storage_contract import fill, normalized
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.domain.models import TicketStatus
from cinema_cli.storage.sql import SqlStorage

runner = CliRunner()


def cinema(*args: str, data_dir: Path) -> Any:
    return runner.invoke(app, ["--data-dir", str(data_dir), *args])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.mark.postgres
def test_copy_carries_everything_from_json_to_sqlite_to_postgresql_and_back(
    make_backend: Callable[[str], Backend], data_dir: Path, postgres_server: Any, tmp_path: Path
) -> None:
    from cinema_cli.storage.json import JsonStorage

    original = JsonStorage(data_dir)
    fill(original)
    before = normalized(list(original.dump()))
    sqlite_url = make_backend("sqlite").url
    postgres_url = make_backend("postgresql").url
    back = f"json://{tmp_path / 'back'}"

    hops = [("json", sqlite_url), (sqlite_url, postgres_url), (postgres_url, back)]
    documents = []
    for source, target in hops:
        result = cinema("db", "copy", "--from", source, "--to", target, "--json", data_dir=data_dir)
        assert result.exit_code == 0, result.output
        documents.append(json.loads(result.stdout))

    assert documents[-1]["counts"] == documents[0]["counts"]
    assert documents[0]["counts"]["booking"] == 2
    assert documents[1]["to"]["backend"] == "postgresql"
    assert normalized(list(JsonStorage(tmp_path / "back").dump())) == before


def test_copy_refuses_a_target_that_holds_data(sql_backend: Backend, data_dir: Path) -> None:
    fill(sql_backend.open())
    from cinema_cli.storage.json import JsonStorage

    fill(JsonStorage(data_dir))

    result = cinema(
        "db", "copy", "--from", "json", "--to", sql_backend.url, "--json", data_dir=data_dir
    )

    assert result.exit_code == 4
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "target_not_empty"
    assert error["details"]["counts"]["showing"] == 3


def test_copy_refuses_to_copy_a_store_onto_itself(data_dir: Path) -> None:
    result = cinema("db", "copy", "--from", "json", "--to", "json", data_dir=data_dir)

    assert result.exit_code == 6
    assert "same store" in result.stderr


def test_info_shows_backend_schema_and_counts(sql_backend: Backend, data_dir: Path) -> None:
    fill(sql_backend.open())

    result = cinema("--storage", sql_backend.url, "db", "info", "--json", data_dir=data_dir)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["backend"] == sql_backend.name
    assert document["schema"] == {"version": 4, "supported": 4, "state": "current"}
    assert document["counts"]["showing"] == 3
    assert document["counts"]["audit"] == 3


def test_upgrade_creates_the_schema_once(sql_backend: Backend, data_dir: Path) -> None:
    first = cinema("--storage", sql_backend.url, "db", "upgrade", "--json", data_dir=data_dir)
    second = cinema("--storage", sql_backend.url, "db", "upgrade", data_dir=data_dir)

    assert json.loads(first.stdout)["upgraded"] is True
    assert json.loads(first.stdout)["to_version"] == 4
    assert second.exit_code == 0
    assert "up to date" in second.stdout


def test_a_database_from_a_newer_cinema_is_exit_7(sql_backend: Backend, data_dir: Path) -> None:
    storage = sql_backend.open()
    storage.cities()
    with storage.transaction() as tx:
        tx._db.run("INSERT INTO cinema_schema (version, applied_at) VALUES (5, 'later')")

    info = cinema("--storage", sql_backend.url, "db", "info", "--json", data_dir=data_dir)
    copy = cinema(
        "db", "copy", "--from", sql_backend.url, "--to", "json", "--json", data_dir=data_dir
    )

    assert json.loads(info.stdout)["schema"]["state"] == "newer"
    assert copy.exit_code == 7
    assert json.loads(copy.stderr)["error"]["code"] == "unknown_schema"


def test_a_real_process_reports_an_unreachable_server_without_traceback_or_password(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "CINEMA_DATA_DIR": str(tmp_path), "CINEMA_DB_CONNECT_TIMEOUT": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "--storage",
         "postgresql+psycopg://ann:s3cret@127.0.0.1:1/cinema", "db", "info"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 7
    assert result.stderr.startswith("Error: cannot connect to PostgreSQL")
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_real_process_copies_into_a_fresh_sqlite_file(tmp_path: Path) -> None:
    from cinema_cli.storage.json import JsonStorage

    fill(JsonStorage(tmp_path / "data"))
    env = {**os.environ, "CINEMA_DATA_DIR": str(tmp_path / "data")}
    url = f"sqlite:///{tmp_path / 'cinema.db'}"

    copied = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "db", "copy", "--from", "json", "--to", url],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    info = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "--storage", url, "db", "info", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip

    assert copied.returncode == 0, copied.stderr
    assert "Copied json://" in copied.stdout
    assert json.loads(info.stdout)["counts"]["booking"] == 2
    copy = SqlStorage(url)
    copied_booking = copy.booking("bk1")
    assert copied_booking is not None
    assert [t.status for t in copied_booking.tickets] == [
        TicketStatus.CANCELLED,
        TicketStatus.USED,
    ]
    copy.close()
