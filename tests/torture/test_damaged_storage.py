"""Damaged storage: truncated, empty, garbage, wrong-schema, unreadable and full-disk data.

Every command that meets a damaged data file stops with exit 7 and a message naming
the file, prints no traceback, and leaves every file of the data folder exactly as
it was (the damaged one byte for byte, the others untouched: nothing lost).

Permission denied: the suite runs as root in CI, and ``chmod 000`` does not stop
root, so "unreadable" is a folder standing where the file should be (the read fails
with ``EISDIR`` as a real unreadable file fails with ``EACCES``); when the suite runs
as an ordinary user, a ``chmod 000`` file is tried as well. Disk full: the process
runs with ``os.write`` stubbed to fail with ``ENOSPC`` (mounting a small tmpfs needs
privileges CI does not have).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import typer
from torture_kit import Tally
from workload import NOW, hold, sell, stock

from cinema_cli.cli.app import app

FILES = {
    "catalog": "catalog.json",
    "programme": "showings/torture-hall.json",
    "seat file": "seats/torture-hall/show-0.json",
}
COMMANDS = {
    name: argv
    for name, argv in {
        "seats": ["seats", "show-0"],
        "reserve": ["reserve", "show-0", "C7", "--session", "damaged"],
        "search": ["search", "torture", "--date", "2030-01-07"],
    }.items()
    if name in typer.main.get_command(app).commands  # type: ignore[attr-defined]
}
"""The readers and writers on this commit (browsing and booking land separately)."""
# Which commands must read which file (search never needs one showing's seat file).
PAIRS = [
    (file, command)
    for file in FILES
    for command in COMMANDS
    if not (file == "seat file" and command == "search")
]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _newer_schema(path: Path) -> None:
    document = orjson.loads(path.read_bytes())
    document["cinema_schema"] = 999
    path.write_bytes(orjson.dumps(document))


def _not_ours(path: Path) -> None:
    path.write_bytes(b'[{"id": "something else entirely"}]')


def _folder_in_its_place(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "stray.txt").write_bytes(b"a folder where a data file belongs")


def _unreadable(path: Path) -> None:
    path.chmod(0)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated": _truncate,
    "empty": _empty,
    "garbage": _garbage,
    "newer schema": _newer_schema,
    "not a cinema file": _not_ours,
    "a folder in its place": _folder_in_its_place,
}
if os.geteuid() != 0:  # root reads anything; see the module docstring
    DAMAGES["unreadable (chmod 000)"] = _unreadable


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes (``None`` for folders), the lock file aside."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        if path.name == ".lock":
            continue
        if path.is_dir():
            found[str(path.relative_to(folder))] = None
        else:
            try:
                found[str(path.relative_to(folder))] = path.read_bytes()
            except PermissionError:
                found[str(path.relative_to(folder))] = b"<unreadable>"
    return found


def _files(folder: Path) -> dict[str, bytes | None]:
    return {name: content for name, content in _snapshot(folder).items() if content is not None}


def _cinema(data: Path, argv: list[str], *, prelude: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data),
        "CINEMA_NOW": NOW.isoformat(),
        "NO_COLOR": "1",
        "CINEMA_LOCK_TIMEOUT": "5",
    }
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


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a sold booking and a live hold on show-0."""
    data = tmp_path_factory.mktemp("damaged") / "data"
    storage = stock(f"json://{data}", data)
    with storage.transaction() as tx:
        hold(tx, "sold-one", "show-0", ["A1", "A2"])
    with storage.transaction() as tx:
        reservation = tx.reservation("sold-one")
        assert reservation is not None
        sell(tx, reservation)
    with storage.transaction() as tx:
        hold(tx, "held-one", "show-0", ["B1"])
    storage.close()
    return data


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize(("file", "command"), PAIRS, ids=[f"{f}-{c}" for f, c in PAIRS])
def test_a_damaged_file_stops_the_command_with_exit_7_and_is_left_as_it_was(
    damage: str, file: str, command: str, pristine: Path, tmp_path: Path, tally: Tally
) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    target = data / FILES[file]
    DAMAGES[damage](target)
    before = _snapshot(data)

    done = _cinema(data, COMMANDS[command])

    assert done.returncode == 7, (done.returncode, done.stdout[-500:], done.stderr[-800:])
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: "), done.stderr
    assert target.name in done.stderr, f"the message does not name {target.name}: {done.stderr}"
    assert _snapshot(data) == before, "the data folder changed"
    tally.add("damaged storage", damaged_files_met=1, lost=0)


def test_the_json_error_document_names_the_storage_error(pristine: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    _truncate(data / FILES["seat file"])
    done = _cinema(data, ["reserve", "show-0", "C7", "--session", "damaged", "--json"])
    assert done.returncode == 7
    error = orjson.loads(done.stderr)["error"]
    assert error["code"] in {"corrupt_data", "unknown_schema", "storage_error"}
    assert "show-0.json" in error["message"]
    assert done.stdout == ""


ENOSPC_PRELUDE = """
import errno, os
def _full(fd, data):
    raise OSError(errno.ENOSPC, "No space left on device")
os.write = _full
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["reserve", "show-0", "C7", "--session", "full"],
        ["reserve", "show-1", "--count", "2", "--session", "full"],
    ],
    ids=["reserve seat", "reserve count"],
)
def test_a_full_disk_stops_a_write_with_exit_7_and_changes_nothing(
    argv: list[str], pristine: Path, tmp_path: Path, tally: Tally
) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    before = _files(data)
    done = _cinema(data, argv, prelude=ENOSPC_PRELUDE)
    assert done.returncode == 7, (done.returncode, done.stderr[-800:])
    assert "Traceback" not in done.stderr
    assert "space" in done.stderr.lower(), done.stderr
    # Files only: a failed write may leave a new, empty folder (harmless, nothing in it).
    assert _files(data) == before, "a failed write left changes or temporary files behind"
    tally.add("damaged storage", disk_full_writes_refused=1, lost=0)


if importlib.util.find_spec("cinema_cli.storage.sql") is not None:
    # The SQL backend joins when it lands: a damaged SQLite file is refused the same way.
    # (An empty file is a valid empty SQLite database, so "empty" is not a damage here.)

    @pytest.fixture(scope="module")
    def pristine_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
        data = tmp_path_factory.mktemp("damaged-sqlite") / "data"
        data.mkdir()
        storage = stock(f"sqlite:///{data / 'cinema.db'}", data)
        with storage.transaction() as tx:
            hold(tx, "held-one", "show-0", ["B1"])
        storage.close()
        return data

    @pytest.mark.parametrize("damage", ["truncated", "garbage"])
    @pytest.mark.parametrize("command", ["seats", "reserve"])
    def test_a_damaged_sqlite_file_stops_the_command_with_exit_7_and_is_left_as_it_was(
        damage: str, command: str, pristine_sqlite: Path, tmp_path: Path, tally: Tally
    ) -> None:
        data = tmp_path / "data"
        shutil.copytree(pristine_sqlite, data)
        database = data / "cinema.db"
        DAMAGES[damage](database)
        before = _snapshot(data)
        argv = {
            "seats": ["seats", "show-0"],
            "reserve": ["reserve", "show-0", "C7", "--session", "damaged"],
        }[command]
        done = _cinema(data, ["--storage", f"sqlite:///{database}", *argv])
        assert done.returncode == 7, (done.returncode, done.stderr[-800:])
        assert "Traceback" not in done.stderr
        assert "cinema.db" in done.stderr, done.stderr
        assert _snapshot(data) == before, "the database folder changed"
        tally.add("damaged storage", damaged_files_met=1, lost=0)
