"""Shared machinery of the torture suite: backends, store audits and the figures it prints.

The suite proves "never sells a seat twice" and "loses nothing" under kills, crowds,
bad input and damaged files. Counts are bounded so that it runs in CI (``nox -s
tests``); the slowest parts are marked ``slow``. At the end pytest prints the
figures: operations tried, kills survived, inputs tried, and what was lost (0).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import torture_kit, workload` in the tests

from torture_kit import Tally

TALLY = Tally()


@pytest.fixture
def tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.sections:
        return
    terminalreporter.section("torture figures")
    for section, counts in TALLY.sections.items():
        figures = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in counts.items())
        terminalreporter.write_line(f"{section}: {figures}")


def _backends() -> list[str]:
    """Every backend on this commit (the SQL one joins when its module exists)."""
    names = ["json"]
    if importlib.util.find_spec("cinema_cli.storage.sql") is not None:
        names.append("sqlite")
    return names


@pytest.fixture(params=_backends())
def backend_url(request: pytest.FixtureRequest) -> Callable[[Path], str]:
    """Builds the storage URL of the parametrized backend for a data folder."""
    name: str = request.param

    def url(data_dir: Path) -> str:
        data_dir.mkdir(parents=True, exist_ok=True)
        if name == "json":
            return f"json://{data_dir}"
        return f"sqlite:///{data_dir / 'cinema.db'}"

    return url
