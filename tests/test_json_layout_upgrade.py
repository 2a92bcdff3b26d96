"""A data folder of the JSON layout 1 (made by the previous release) upgrades without loss.

``tests/data/json-layout-1`` was written by cinema-cli before the programme was split by
week (the demo, a booking and a live hold); ``json-layout-1.dump.json`` is what that
release's ``dump`` read from it. Every test works on a copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from cinema_cli.storage.json import JsonStorage

FIXTURE = Path(__file__).parent / "data" / "json-layout-1"
EXPECTED = Path(__file__).parent / "data" / "json-layout-1.dump.json"
NOW = "2026-11-24T12:00:00Z"
HELD_SHOWING = "berlin-mitte-saal1-20261124-2100"
"""The showing where the fixture holds two seats (reservation r-08f9fb87205c)."""


def _records(storage: JsonStorage) -> list[str]:
    return sorted(
        orjson.dumps([k, r], option=orjson.OPT_SORT_KEYS).decode() for k, r in storage.dump()
    )


def _expected() -> list[str]:
    rows: list[Any] = orjson.loads(EXPECTED.read_bytes())
    return sorted(orjson.dumps(row, option=orjson.OPT_SORT_KEYS).decode() for row in rows)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def old_folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    return data


def _cinema(data: Path, *argv: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CINEMA_DATA_DIR": str(data), "CINEMA_NOW": NOW, "NO_COLOR": "1"}
    env.pop("CINEMA_STORAGE", None)
    code = f"{prelude}\nfrom cinema_cli.__main__ import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def test_reads_on_an_old_folder_see_everything_and_write_nothing(old_folder: Path) -> None:
    before = _files(old_folder)
    assert _records(JsonStorage(old_folder)) == _expected()
    seats = _cinema(old_folder, "seats", HELD_SHOWING, "--json")
    assert seats.returncode == 0, seats.stderr
    held = [s for s in orjson.loads(seats.stdout)["seats"] if s["status"] == "held"]
    assert len(held) == 2
    search = _cinema(old_folder, "search", "metropolis", "--date", "2026-11-25", "--json")
    assert search.returncode == 0, search.stderr
    assert orjson.loads(search.stdout)["movies"]
    assert _files(old_folder) == before


def test_db_upgrade_splits_the_programme_by_week_without_loss(old_folder: Path) -> None:
    info = _cinema(old_folder, "db", "info", "--json")
    assert orjson.loads(info.stdout)["schema"]["state"] == "outdated"

    done = _cinema(old_folder, "db", "upgrade", "--json")

    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert (report["from_version"], report["to_version"], report["upgraded"]) == (1, 2, True)
    assert (old_folder / "layout.json").exists()
    assert not list(old_folder.glob("seats/*/summary.json"))
    assert list(old_folder.glob("showings/*/*.json"))
    assert _records(JsonStorage(old_folder)) == _expected()
    info = _cinema(old_folder, "db", "info", "--json")
    assert orjson.loads(info.stdout)["schema"]["state"] == "current"
    again = _cinema(old_folder, "db", "upgrade", "--json")
    assert orjson.loads(again.stdout)["upgraded"] is False


def test_the_next_write_command_upgrades_the_folder(old_folder: Path) -> None:
    done = _cinema(old_folder, "reserve", HELD_SHOWING, "--count", "2", "--session", "next")

    assert done.returncode == 0, done.stderr
    assert (old_folder / "layout.json").exists()
    after = set(_records(JsonStorage(old_folder)))
    assert set(_expected()) <= after
    seats = _cinema(old_folder, "seats", HELD_SHOWING, "--json")
    held = [s for s in orjson.loads(seats.stdout)["seats"] if s["status"] == "held"]
    assert len(held) == 4


KILL_AT = """
import os, pathlib, signal
_calls = {{"n": 0}}
_real = {target}
def _counted(*args, **kwargs):
    _calls["n"] += 1
    if _calls["n"] == {at}:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real(*args, **kwargs)
{patch}
"""
KILLS = {
    # while the new files are written, before the journal: the old folder must stay as it was
    **{f"fsync-{n}": ("os.fsync", "os.fsync = _counted", n) for n in (1, 5, 20)},
    # the journal rename (the commit point) and the renames after it
    **{
        f"replace-{n}": ("pathlib.Path.replace", "pathlib.Path.replace = _counted", n)
        for n in (1, 2, 10, 40)
    },
}


@pytest.mark.parametrize("kill", sorted(KILLS))
def test_an_upgrade_killed_midway_leaves_the_old_folder_or_a_complete_new_one(
    old_folder: Path, kill: str
) -> None:
    target, patch, at = KILLS[kill]
    prelude = KILL_AT.format(target=target, patch=patch, at=at)

    killed = _cinema(old_folder, "db", "upgrade", prelude=prelude)

    assert killed.returncode == -9, (killed.returncode, killed.stderr[-500:])
    # The new files are written (and fsynced) before the journal's rename, the commit point.
    before_commit = kill.startswith("fsync") or kill == "replace-1"
    assert (old_folder / "journal.json").exists() is not before_commit
    if not before_commit:
        # Past the commit point: the next process completes the new layout.
        assert _records(JsonStorage(old_folder)) == _expected()
        assert (old_folder / "layout.json").exists()
        assert not (old_folder / "journal.json").exists()
    else:
        # Before it: every file of the old folder is as it was (temporary files aside).
        visible = {k: v for k, v in _files(old_folder).items() if not Path(k).name.startswith(".")}
        assert visible == _files(FIXTURE)
        assert _records(JsonStorage(old_folder)) == _expected()
    seats = _cinema(old_folder, "seats", HELD_SHOWING, "--json")
    assert seats.returncode == 0, seats.stderr
    finished = _cinema(old_folder, "db", "upgrade", "--json")
    assert finished.returncode == 0, finished.stderr
    assert _records(JsonStorage(old_folder)) == _expected()
    assert (old_folder / "layout.json").exists()
