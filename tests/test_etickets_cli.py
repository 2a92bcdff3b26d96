"""``cinema tickets BOOKING_ID``: the e-ticket files re-created from the store, on another host."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from cinema_cli.storage.sql import SqlStorage
from schema_support import assert_shape
from ticket_support import stock

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """One SQLite store that two hosts (two data folders) share."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    storage = SqlStorage(url)
    stock(storage)
    storage.close()
    monkeypatch.setenv("CINEMA_STORAGE", url)
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    return url


def on_host(folder: Path, *args: str, code: int = 0) -> Any:
    result = runner.invoke(app, ["--data-dir", str(folder), *args, "--json"])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout if code == 0 else result.stderr)


def test_another_host_writes_the_same_files_with_the_same_codes(store: str, tmp_path: Path) -> None:
    box_office, web_shop = tmp_path / "host-a", tmp_path / "host-b"
    held = on_host(box_office, "reserve", "s1", "B3", "B4")
    bought = on_host(
        box_office, "buy", held["reservation_id"], "--session", held["session_id"],
        "--name", "Ada Lovelace", "--email", "ada@example.org", "--card", "4242424242424242",
    )  # fmt: skip

    written = on_host(web_shop, "tickets", bought["booking_id"], "--output", str(tmp_path / "out"))

    assert_shape("tickets", written)
    assert [t["code"] for t in written["tickets"]] == [t["code"] for t in bought["tickets"]]
    for sold, again in zip(bought["tickets"], written["tickets"], strict=True):
        assert Path(again["qr_png"]).read_bytes() == Path(sold["qr_png"]).read_bytes()
        assert Path(again["qr_svg"]).read_bytes() == Path(sold["qr_svg"]).read_bytes()
    assert Path(written["eticket_pdf"]).stat().st_size > 0


def test_the_default_folder_is_the_hosts_own_tickets_folder(store: str, tmp_path: Path) -> None:
    host = tmp_path / "host"
    held = on_host(host, "reserve", "s1", "C1")
    bought = on_host(
        host, "buy", held["reservation_id"], "--session", held["session_id"],
        "--name", "Ada Lovelace", "--email", "ada@example.org", "--card", "4242424242424242",
    )  # fmt: skip
    pdf = Path(bought["eticket_pdf"])
    pdf.unlink()

    written = on_host(host, "tickets", bought["booking_id"])

    assert Path(written["eticket_pdf"]) == pdf
    assert pdf.exists()


def test_an_unknown_booking_exits_3(store: str, tmp_path: Path) -> None:
    error = on_host(tmp_path / "host", "tickets", "b-nope", code=3)

    assert error["error"]["code"] == "booking_not_found"


def test_a_purchase_whose_files_cannot_be_written_succeeds_with_a_warning(
    store: str, tmp_path: Path
) -> None:
    host = tmp_path / "host"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the tickets folder should be")
    held = on_host(host, "reserve", "s1", "C3")

    result = runner.invoke(
        app,
        [
            "--data-dir", str(host), "buy", held["reservation_id"], "--session",
            held["session_id"], "--name", "Ada Lovelace", "--email", "ada@example.org",
            "--card", "4242424242424242", "--tickets-dir", str(blocked / "x"), "--json",
        ],
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    bought = json.loads(result.stdout)
    assert bought["eticket_pdf"] is None
    assert f"cinema tickets {bought['booking_id']} --output {blocked / 'x'}" in result.stderr
    again = on_host(host, "tickets", bought["booking_id"], "--output", str(tmp_path / "out"))
    assert Path(again["eticket_pdf"]).is_file()
