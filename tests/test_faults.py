"""Ordinary faults get documented exit codes, never a traceback: full disks, read-only
folders, missing folders, refused symbolic links (exit 7 naming the path), dates out of
range (2), oversized input (6); a sale whose files cannot be written still stands (0).

The suite runs as root in CI, where ``chmod`` stops nothing: faults are made by pointing at
what cannot be a folder (a path under a regular file), by symbolic links, by devices, and by
making the one low-level write function fail the way the kernel would (``ENOSPC``, ``EROFS``).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW, movie
from cinema_cli import durable_files
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from ticket_support import DOORS_OPEN, stock

runner = CliRunner()
CARD = "4242424242424242"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    stock(JsonStorage(folder))
    monkeypatch.setenv("CINEMA_DATA_DIR", str(folder))
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    monkeypatch.chdir(tmp_path)
    return folder


def run(*args: str, code: int = 0, stdin: str | None = None) -> Any:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def error_of(result: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stderr)["error"]
    return document


def hold(*seats: str) -> dict[str, Any]:
    held: dict[str, Any] = json.loads(run("reserve", "s1", *seats, "--json").stdout)
    return held


def buy_args(held: dict[str, Any], *extra: str) -> list[str]:
    return [
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada",
        "--email",
        "ada@example.org",
        "--card",
        CARD,
        *extra,
    ]


def fail_writes_under(
    monkeypatch: pytest.MonkeyPatch, folder: Path, number: int = errno.ENOSPC
) -> None:
    """Make the one durable write fail like the kernel would for files under ``folder``."""
    original: Callable[..., Path] = durable_files._write_temp

    def failing(temporary: Path, payload: bytes, *, durable: bool = True) -> Path:
        if folder in temporary.parents:
            raise OSError(number, os.strerror(number), str(temporary))
        return original(temporary, payload, durable=durable)

    monkeypatch.setattr(durable_files, "_write_temp", failing)


# -- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_range_is_a_usage_error_naming_the_option(data: Path, day: str) -> None:
    result = run("search", "--date", day, code=2)
    assert "--date" in result.stderr
    assert "out of range" in result.stderr
    assert "--from" in run("export", "showtimes", "--from", day, code=2).stderr


# -- export --output ----------------------------------------------------------------------------
def test_export_into_a_missing_folder_exits_7_naming_the_folder(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.csv"
    error = error_of(run("export", "showtimes", "--output", str(target), "--json", code=7))
    assert error["code"] == "folder_missing"
    assert str(tmp_path / "missing") in error["message"]
    assert not (tmp_path / "missing").exists()


def test_export_over_a_symlink_exits_6_and_leaves_the_link(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.csv"
    target.write_text("mine\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = run("export", "showtimes", "--output", str(link), code=6)
    assert str(link) in result.stderr
    assert "symbolic link" in result.stderr
    assert link.is_symlink()
    assert target.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_export_refuses_fifos_and_devices(data: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "FIFO" in run("export", "showtimes", "-o", str(fifo), code=6).stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert "device" in run("export", "showtimes", "-o", "/dev/full", code=6).stderr
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_exported_files_are_owner_only_unless_mode_says_otherwise(
    data: Path, tmp_path: Path
) -> None:
    private, shared = tmp_path / "feed.csv", tmp_path / "shared.csv"
    run("export", "showtimes", "-o", str(private))
    run("export", "showtimes", "-o", str(shared), "--mode", "644")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert "--mode" in run("export", "showtimes", "-o", str(shared), "--mode", "9", code=2).stderr
    assert run("export", "showtimes", "-o", "-").stdout.startswith("showing_id,")


def test_formula_cells_are_escaped_in_csv_unless_raw(data: Path, tmp_path: Path) -> None:
    with JsonStorage(data).transaction() as tx:
        tx.put_movies([movie(title='=HYPERLINK("x")')])
    escaped = run("export", "showtimes").stdout
    assert ',"\'=HYPERLINK(""x"")",' in escaped
    raw = run("export", "showtimes", "--raw").stdout
    assert ',"=HYPERLINK(""x"")",' in raw
    as_json = run("export", "showtimes", "--format", "jsonl").stdout
    assert json.loads(as_json.splitlines()[0])["movie_title"] == '=HYPERLINK("x")'


# -- full disks, read-only folders, symbolic links ------------------------------------------------
def test_a_full_disk_while_writing_the_payment_ledger_exits_7_and_sells_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = hold("C3")
    fail_writes_under(monkeypatch, data / "provider-books")
    error = error_of(run(*buy_args(held), "--json", code=7))
    assert error["code"] == "disk_full"
    assert "provider-books" in error["details"]["path"]
    assert JsonStorage(data).bookings_by_email("ada@example.org") == []


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EROFS])
def test_a_sale_whose_files_cannot_be_written_stands_with_a_warning(
    data: Path, monkeypatch: pytest.MonkeyPatch, number: int
) -> None:
    held = hold("C3")
    fail_writes_under(monkeypatch, data / "tickets", number)
    result = run(*buy_args(held), "--json")
    booking = json.loads(result.stdout)
    assert booking["status"] == "confirmed"
    assert booking["eticket_pdf"] is None
    assert "sale is real" in result.stderr
    assert f"cinema tickets {booking['booking_id']}" in result.stderr
    assert [b.id for b in JsonStorage(data).bookings_by_email("ada@example.org")] == [
        booking["booking_id"]
    ]


def test_an_unusable_tickets_dir_keeps_the_sale(data: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "plain-file"
    a_file.write_text("")
    held = hold("C3")
    result = run(*buy_args(held, "--tickets-dir", str(a_file / "tickets")))
    assert "Booking" in result.stdout
    assert "is not a folder" in result.stderr
    assert "cinema tickets" in result.stderr


def test_keys_rotate_on_a_read_only_folder_exits_7_naming_it(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("keys", "public")
    fail_writes_under(monkeypatch, data, errno.EROFS)
    error = error_of(run("keys", "rotate", "--json", code=7))
    assert error["code"] == "read_only"
    assert str(data) in error["details"]["path"]


@pytest.mark.parametrize(
    ("lock", "argv"),
    [
        (".lock", ["keys", "rotate"]),
        (".lock", ["reserve", "s1", "C5"]),
    ],
)
def test_a_symlinked_lock_file_is_refused_with_exit_7(
    data: Path, tmp_path: Path, lock: str, argv: list[str]
) -> None:
    run("keys", "public")
    (data / lock).unlink(missing_ok=True)
    (data / lock).symlink_to(tmp_path / "elsewhere")
    error = error_of(run(*argv, "--json", code=7))
    assert error["code"] == "symlink_refused"
    assert error["details"]["path"] == str(data / lock)
    assert not (tmp_path / "elsewhere").exists()


def test_a_symlinked_data_lock_stops_the_purchase_before_any_charge(
    data: Path, tmp_path: Path
) -> None:
    held = hold("C3")
    (data / ".lock").unlink(missing_ok=True)
    (data / ".lock").symlink_to(tmp_path / "elsewhere")
    error = error_of(run(*buy_args(held), "--json", code=7))
    assert error["code"] == "symlink_refused"
    assert not (data / "provider-books").exists()


def test_data_folders_are_owner_only_with_their_parents_on_sql_backends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = tmp_path / "a" / "b" / "data"
    monkeypatch.setenv("CINEMA_DATA_DIR", str(nested))
    monkeypatch.setenv("CINEMA_STORAGE", f"sqlite:///{tmp_path / 'cinema.db'}")
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    old = os.umask(0o022)  # the usual umask, which mkdir(parents=True) would leave on parents
    try:
        from cinema_cli.storage import open_storage

        storage = open_storage(f"sqlite:///{tmp_path / 'cinema.db'}", nested)
        stock(storage)
        storage.close()
        run(*buy_args(hold("C3")))
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", nested, nested / "tickets"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


# -- bounded reads --------------------------------------------------------------------------------
def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [20000, 7000])
def test_a_picture_beyond_the_pixel_limit_is_invalid_input(
    data: Path, tmp_path: Path, size: int
) -> None:
    pytest.importorskip("PIL")
    picture = tmp_path / "bomb.png"
    picture.write_bytes(_png_header(size, size))
    result = run("checkin", "--image", str(picture), code=6)
    assert "pixels" in result.stderr


def test_a_public_key_file_without_end_is_read_only_up_to_its_limit(data: Path) -> None:
    result = run("checkin", "--offline", "--public-key", "/dev/zero", "CODE", code=6)
    assert "--public-key" in result.stderr
    assert "65,536 bytes" in result.stderr


def test_codes_and_cards_on_stdin_are_bounded(data: Path) -> None:
    assert "characters" in run("checkin", "-", stdin="\0" * 100_000, code=6).stderr
    held = hold("C3")
    args = buy_args(held)
    args[args.index(CARD)] = "-"
    assert "--card" in run(*args, stdin="4" * 100_000, code=6).stderr


# -- seats_available -------------------------------------------------------------------------------
def test_checkin_and_cancel_report_the_real_seats_available(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bought = json.loads(run(*buy_args(hold("C3", "C4")), "--json").stdout)
    total = bought["showing"]["seats_total"]
    assert bought["showing"]["seats_available"] == total - 2
    cancelled = json.loads(run("cancel", bought["booking_id"], "--tickets", "C4", "--json").stdout)
    assert cancelled["showing"]["seats_available"] == total - 1
    monkeypatch.setenv("CINEMA_NOW", DOORS_OPEN.isoformat())
    code = bought["tickets"][0]["code"]
    admitted = json.loads(run("checkin", code, "--json").stdout)
    assert admitted["showing"]["seats_available"] == total - 1
