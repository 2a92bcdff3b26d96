"""The root command: lazy command table, help everywhere, the version probe."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from cinema_cli import __version__
from cinema_cli.cli.app import _build_module, app
from cinema_cli.cli.commands import COMMANDS

runner = CliRunner()


def _modules() -> dict[str, set[str]]:
    by_module: dict[str, set[str]] = defaultdict(set)
    for name, module in COMMANDS.items():
        by_module[module].add(name)
    return by_module


@pytest.mark.parametrize(("module", "names"), sorted(_modules().items()))
def test_the_command_table_names_exactly_what_each_module_registers(
    module: str, names: set[str]
) -> None:
    assert set(_build_module(module)) == names


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_looked_up_is_built_alone(name: str) -> None:
    assert set(_build_module(COMMANDS[name], only=name)) == {name}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help_with_a_summary(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: cinema" in result.output
    command = _build_module(COMMANDS[name])[name]
    assert (command.help or "").strip(), f"{name} has no help text"


def test_the_root_help_lists_every_command_in_table_order() -> None:
    result = runner.invoke(app, ["--help"])
    listed = [
        line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()
    ]
    assert listed == list(COMMANDS)


def test_a_misspelt_command_is_a_usage_error_with_a_suggestion() -> None:
    result = runner.invoke(app, ["serch"])
    assert result.exit_code == 2
    assert "Did you mean 'search', 'serve'?" in result.output  # serve is one letter off too


@pytest.mark.parametrize("argv", [["--version"], ["--data-dir", "/nonexistent", "--version"]])
def test_the_version_probe_answers_with_and_without_the_fast_path(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cinema_cli", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"cinema-cli {__version__}\n"
