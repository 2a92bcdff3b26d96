"""What only the JSON backend must prove: files, durability, corruption, locking.

Behaviour shared by every backend lives in tests/contract/.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from builders import NOW, city, movie, showing, theater
from cinema_cli.domain.errors import CorruptData, FileSystemError, LockTimeout, UnknownSchema
from cinema_cli.domain.models import ClaimKind, Money, Reservation, SeatClaim
from cinema_cli.durable_files import write_private
from cinema_cli.storage.json import JsonStorage
from cinema_cli.storage.json import files as json_files


def _stocked(folder: Path) -> JsonStorage:
    storage = JsonStorage(folder, lock_timeout=5)
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())
        tx.put_movies([movie()])
        tx.put_showings([showing("s1"), showing("s2", starts_at=NOW + timedelta(hours=10))])
    return storage


def _hold(
    storage: JsonStorage, reservation_id: str, seats: list[str], showing_id: str = "s1"
) -> None:
    expires = NOW + timedelta(minutes=10)
    with storage.transaction() as tx:
        tx.claim_seats(
            showing_id,
            [
                SeatClaim(
                    showing_id=showing_id,
                    seat_id=s,
                    kind=ClaimKind.HOLD,
                    reservation_id=reservation_id,
                    session_id="sess",
                    expires_at=expires,
                )
                for s in seats
            ],
            now=NOW,
        )
        tx.put_reservation(
            Reservation(
                id=reservation_id,
                session_id="sess",
                showing_id=showing_id,
                movie_id="metropolis",
                seats=seats,
                created_at=NOW,
                expires_at=expires,
                total=Money(amount=Decimal(0), currency="EUR"),
            )
        )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.json"))}


def test_files_are_private_to_the_owner(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _stocked(data)
    assert data.stat().st_mode & 0o777 == 0o700
    for path in data.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, path


def test_the_private_write_is_owner_only_whatever_the_umask_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ledger.json"
    old_umask = os.umask(0o277)  # would leave a new file read-only for the owner
    try:
        write_private(target, b"first")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    def failing_replace(src: Path, dst: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(FileSystemError, match="no space left") as refused:
        write_private(target, b"second")
    monkeypatch.undo()
    assert refused.value.code == "disk_full"
    assert refused.value.details["path"] == str(target)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]


def test_a_hold_rewrites_the_showing_not_the_catalog_or_programme(tmp_path: Path) -> None:
    data = tmp_path / "data"
    storage = _stocked(data)
    before = _snapshot(data)
    _hold(storage, "R1", ["A1", "A2"])
    after = _snapshot(data)
    changed = {name for name in after if before.get(name) != after[name]}
    assert "catalog.json" not in changed
    assert "showings/babylon.json" not in changed
    assert "seats/babylon/s1.json" in changed


def test_a_transaction_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    storage = _stocked(data)
    stamps = {p: p.stat().st_mtime_ns for p in data.rglob("*.json")}
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())
        tx.put_showings([showing("s1")])
    assert {p: p.stat().st_mtime_ns for p in data.rglob("*.json")} == stamps


@pytest.mark.parametrize(
    "damage",
    [b"", b'{"cinema_schema": 1, "tables": {"cities": {', b"\x00\xff garbage", b"[1, 2, 3]"],
    ids=["empty", "truncated", "binary", "not-ours"],
)
def test_a_damaged_file_stops_reads_and_writes_and_is_left_as_it_was(
    tmp_path: Path, damage: bytes
) -> None:
    data = tmp_path / "data"
    _stocked(data)
    catalog = data / "catalog.json"
    catalog.write_bytes(damage)
    storage = JsonStorage(data)
    with pytest.raises(CorruptData, match=r"catalog\.json"):
        storage.theaters()
    with pytest.raises(CorruptData), storage.transaction() as tx:
        tx.put_city(city("paris"))
    assert catalog.read_bytes() == damage


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _stocked(data)
    catalog = data / "catalog.json"
    newer = orjson.dumps({"cinema_schema": 99, "tables": {}})
    catalog.write_bytes(newer)
    with pytest.raises(UnknownSchema, match="99"):
        JsonStorage(data).cities()
    assert catalog.read_bytes() == newer


def test_a_commit_interrupted_after_its_journal_is_finished_by_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    storage = _stocked(data)

    def crash_once_committed(files: json_files.DataFiles) -> None:
        if (files.root / json_files.JOURNAL).exists():
            raise SystemExit("killed between the journal and the renames")

    monkeypatch.setattr(json_files.DataFiles, "apply_journal", crash_once_committed)
    with pytest.raises(SystemExit):
        _hold(storage, "R1", ["A1", "A2"])
    monkeypatch.undo()
    assert (data / "journal.json").exists()
    fresh = JsonStorage(data)
    assert fresh.reservation("R1") is not None
    assert {c.seat_id for c in fresh.claims("s1")} == {"A1", "A2"}
    assert not (data / "journal.json").exists()
    assert not list(data.rglob("*.tmp"))


def test_a_commit_interrupted_before_its_journal_leaves_the_old_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    storage = _stocked(data)
    before = _snapshot(data)
    real_replace = Path.replace

    def failing_replace(src: Path, dst: Path) -> Path:
        if str(dst).endswith("journal.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(Exception, match="no space left"):
        _hold(storage, "R1", ["A1", "A2"])
    monkeypatch.undo()
    assert _snapshot(data) == before
    assert not list(data.rglob("*.tmp"))


def test_the_lock_wait_is_bounded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = _stocked(data)
    waiter = JsonStorage(data, lock_timeout=0.2)
    with holder.transaction(), pytest.raises(LockTimeout, match="lock"), waiter.transaction():
        pass


def _writer(folder: str, worker: int, count: int) -> None:
    storage = JsonStorage(Path(folder), lock_timeout=60)
    for n in range(count):
        with storage.transaction() as tx:
            tx.put_city(city(f"city-{worker}-{n}"))


def test_eight_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _stocked(data)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(data), w, 10)) for w in range(8)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    names = {c.id for c in JsonStorage(data).cities()}
    assert {f"city-{w}-{n}" for w in range(8) for n in range(10)} <= names
    assert len(names) == 81


def test_a_theater_stored_without_a_business_day_cut_off_ends_its_day_at_0300() -> None:
    from datetime import time

    from cinema_cli.domain.models import Theater
    from cinema_cli.storage.records import from_record, to_record

    record = to_record(Theater(id="rex", name="Rex", city_id="bonn", timezone="Europe/Berlin"))
    del record["business_day_cutoff"]

    assert from_record(Theater, record).business_day_cutoff == time(3, 0)
