"""Shared fixtures: a clean environment for every test, and small catalog builders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes tests/fakes.py importable as `fakes`


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's data folder or settings."""
    for name in (
        "CINEMA_DATA_DIR",
        "CINEMA_STORAGE",
        "CINEMA_NOW",
        "CINEMA_HOLD_SECONDS",
        "CINEMA_LOCK_TIMEOUT",
        "CINEMA_SMTP_URL",
        "CINEMA_DEBUG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("NO_COLOR", "1")
