"""Shared fixtures: a clean environment for every test, and small catalog builders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # makes tests/fakes.py importable as `fakes`

# Speed is for the benchmarks: a per-example deadline is a timed assertion that fails
# only when the machine is busy (CI's two cores run the browser and the PostgreSQL legs too).
settings.register_profile("cinema", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cinema")


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
