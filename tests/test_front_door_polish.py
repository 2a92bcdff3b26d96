"""What a new user's trial found at the front doors: hints that run against the same store,
clear usage errors, no tracebacks for expected errors, and HTTP errors worded for the web."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from builders import DEMO_NOW, utc_text
from cinema_cli.cli.app import app

NOW = utc_text(DEMO_NOW)


def cinema(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env={"CINEMA_NOW": NOW, **(env or {})})


def test_hints_after_a_store_given_by_flag_name_that_store(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'c.db'}"
    demo = cinema("--data-dir", str(tmp_path / "d"), "--storage", store, "demo")
    assert demo.exit_code == 0, demo.output
    steps = [line.strip() for line in demo.stdout.splitlines() if line.startswith("  cinema")]
    assert steps
    assert all(step.startswith(f"cinema --data-dir {tmp_path / 'd'} --storage {store} ")
               for step in steps)  # fmt: skip
    missing = cinema("--data-dir", str(tmp_path / "d"), "--storage", store, "seats", "nope")
    assert missing.exit_code == 3
    assert f"`cinema --data-dir {tmp_path / 'd'} --storage {store} " in missing.stderr


def test_hints_leave_out_a_store_the_environment_already_names(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'c.db'}"
    demo = cinema("demo", env={"CINEMA_STORAGE": store, "CINEMA_DATA_DIR": str(tmp_path)})
    assert demo.exit_code == 0, demo.output
    assert "\n  cinema theaters" in demo.stdout


def test_debug_shows_no_traceback_for_an_expected_error(tmp_path: Path) -> None:
    result = cinema("--data-dir", str(tmp_path), "--debug", "seats", "nope")
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr


def test_db_copy_from_a_sqlite_file_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "missing.db"
    result = cinema(
        "--data-dir", str(tmp_path), "db", "copy", "--from", f"sqlite:///{source}",
        "--to", f"sqlite:///{tmp_path / 'copy.db'}",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--from" in result.stderr
    assert not source.exists()


def test_db_copy_names_the_option_of_an_unknown_store(tmp_path: Path) -> None:
    result = cinema("--data-dir", str(tmp_path), "db", "copy", "--from", "jsn", "--to", "json")
    assert result.exit_code == 2
    assert "--from" in result.stderr
    assert "--storage" not in result.stderr


def test_serve_on_a_port_in_use_is_a_usage_error_naming_the_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = cinema("--data-dir", str(tmp_path), "serve", "--port", port)
    assert result.exit_code == 2
    assert "--port" in result.stderr
