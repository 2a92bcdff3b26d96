"""Storage URLs that cannot keep what they acknowledge are refused before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cinema_cli.cli.app import app


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite:///:memory:", "sqlite://"])
def test_a_sqlite_url_without_a_file_is_refused_and_nothing_is_written(
    tmp_path: Path, url: str
) -> None:
    data_dir = tmp_path / "data"

    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "--storage", url, "demo", "--json"]
    )

    assert result.exit_code == 6, result.output
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_input"
    assert "--storage / CINEMA_STORAGE" in error["message"]
    assert "file path" in error["message"]
    assert not data_dir.exists() or not any(data_dir.iterdir())


def test_the_same_url_from_the_environment_is_refused_the_same_way(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["--data-dir", str(tmp_path / "data"), "search"],
        env={"CINEMA_STORAGE": "sqlite:///:memory:"},
    )

    assert result.exit_code == 6, result.output
    assert "--storage / CINEMA_STORAGE" in result.output
