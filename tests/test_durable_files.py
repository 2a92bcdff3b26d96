"""Owner-only folders, and which names are flushed when a store needs them to survive a crash."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cinema_cli import durable_files


def test_new_folders_are_owner_only_and_their_names_flushed_when_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushed: list[Path] = []
    monkeypatch.setattr(durable_files, "fsync_dir", flushed.append)
    durable_files.make_private_dirs(tmp_path / "a" / "b", durable=True)
    assert flushed == [tmp_path, tmp_path / "a"]
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    flushed.clear()
    durable_files.make_private_dirs(tmp_path / "a" / "b", durable=True)
    durable_files.make_private_dirs(tmp_path / "c")
    assert flushed == []  # nothing new that must survive: nothing flushed
