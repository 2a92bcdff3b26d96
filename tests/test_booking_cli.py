"""The booking commands as a person (or a script) runs them: CliRunner and real processes."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

import builders
from booking_support import APPROVED, DECLINED, seed_catalog
from builders import HOLD, utc_text
from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage

NOW = utc_text(builders.NOW)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    storage = JsonStorage(folder)
    with storage.transaction() as tx:
        seed_catalog(tx)
    storage.close()
    return folder


def cinema(data_dir: Path, *args: str, input: str | None = None, now: str = NOW) -> Any:
    runner = CliRunner()
    return runner.invoke(
        app,
        ["--data-dir", str(data_dir), *args],
        input=input,
        env={"CINEMA_NOW": now, "NO_COLOR": "1"},
    )


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def reserve(data_dir: Path, *seats: str, session: str = "s-ada") -> dict[str, Any]:
    return as_json(cinema(data_dir, "reserve", "sh-1", *seats, "--session", session, "--json"))


def buy_args(reservation: dict[str, Any], *extra: str) -> list[str]:
    return [
        "buy",
        reservation["reservation_id"],
        "--session",
        reservation["session_id"],
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        *extra,
    ]


def test_reserve_prints_the_documented_json(data_dir: Path) -> None:
    view = reserve(data_dir, "C7", "C8")
    assert set(view) == {
        "reservation_id",
        "session_id",
        "showing_id",
        "movie_id",
        "seats",
        "expires_at",
        "total",
    }
    assert view["seats"] == ["C7", "C8"]
    assert view["total"] == {"amount": "25.00", "currency": "USD"}


def test_reserve_without_a_session_makes_one_and_says_so(data_dir: Path) -> None:
    result = cinema(data_dir, "reserve", "sh-1", "--count", "2")
    assert result.exit_code == 0, result.output
    assert "new session" in result.stdout
    # The next step names the data folder the command was given, so it runs as printed.
    assert f"cinema --data-dir {data_dir} buy r-" in result.stdout


def test_seats_held_by_another_session_exit_4_naming_them(data_dir: Path) -> None:
    reserve(data_dir, "C7", "C8")
    result = cinema(data_dir, "reserve", "sh-1", "C8", "C9", "--session", "s-bob", "--json")
    assert result.exit_code == 4
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "seat_unavailable"
    assert error["details"]["seats"] == ["C8"]
    human = cinema(data_dir, "reserve", "sh-1", "C8", "--session", "s-bob")
    assert human.exit_code == 4
    assert "C8" in human.stderr
    assert "Traceback" not in human.output


@pytest.mark.parametrize(
    ("args", "code", "exit_code"),
    [
        (["sh-1", "--count", "11"], "too_many_seats", 6),
        (["sh-1", "Q99"], "seat_not_found", 3),
        (["sh-1", "F4"], "seat_unavailable", 4),
        (["sh-x", "C1"], "showing_not_bookable", 4),
        (["nope", "C1"], "showing_not_found", 3),
        (["sh-1", "--count", "2", "--category", "balcony"], "usage", 2),
    ],
)
def test_reserve_errors_have_documented_codes(
    data_dir: Path, args: list[str], code: str, exit_code: int
) -> None:
    result = cinema(data_dir, "reserve", *args, "--json")
    assert result.exit_code == exit_code, result.output
    assert json.loads(result.stderr)["error"]["code"] == code


def test_full_purchase_writes_tickets_pdf_and_email(data_dir: Path) -> None:
    held = reserve(data_dir, "C7", "C8")
    view = as_json(
        cinema(data_dir, *buy_args(held, "--card", "-", "--json"), input=APPROVED + "\n")
    )
    assert view["status"] == "confirmed"
    assert view["user"] == {"email": "ada@example.com", "name": "Ada Lovelace"}
    assert view["movie"] == {"id": "m-dune", "title": "Dune: Part Two"}
    assert view["showing"]["seats_available"] == view["showing"]["seats_total"] - 2
    assert view["payment"] == {"brand": "visa", "last4": "4242"}
    assert [t["seat"] for t in view["tickets"]] == ["C7", "C8"]
    folder = data_dir / "tickets" / view["booking_id"]
    assert Path(view["eticket_pdf"]) == (folder / f"{view['booking_id']}.pdf").resolve()
    for ticket in view["tickets"]:
        with Image.open(ticket["qr_png"]) as image:
            assert [r.text for r in zxingcpp.read_barcodes(image)] == [ticket["code"]]
        assert Path(ticket["qr_svg"]).is_file()
    message = email.message_from_bytes(
        Path(view["confirmation_eml"]).read_bytes(), policy=email.policy.default
    )
    names = sorted(str(part.get_filename()) for part in message.iter_attachments())
    assert names == [f"{view['booking_id']}.ics", f"{view['booking_id']}.pdf"]

    shown = as_json(cinema(data_dir, "booking", view["booking_id"], "--json"))
    assert [t["status"] for t in shown["tickets"]] == ["valid", "valid"]
    assert shown["eticket_pdf"] == view["eticket_pdf"]
    listed = as_json(cinema(data_dir, "bookings", "--email", "ADA@example.com", "--json"))
    assert [b["booking_id"] for b in listed["bookings"]] == [view["booking_id"]]
    human = cinema(data_dir, "booking", view["booking_id"])
    assert human.exit_code == 0
    assert "C7" in human.stdout
    assert "valid" in human.stdout


def test_tickets_dir_is_honoured(data_dir: Path, tmp_path: Path) -> None:
    held = reserve(data_dir, "C7")
    target = tmp_path / "my tickets"
    view = as_json(
        cinema(
            data_dir,
            *buy_args(held, "--card", APPROVED, "--tickets-dir", str(target), "--json"),
        )
    )
    assert Path(view["eticket_pdf"]).parent == target.resolve()


def test_declined_card_exits_5_keeps_the_hold_and_retry_works(data_dir: Path) -> None:
    held = reserve(data_dir, "C7")
    declined = cinema(data_dir, *buy_args(held, "--card", DECLINED, "--json"))
    assert declined.exit_code == 5
    assert json.loads(declined.stderr)["error"]["code"] == "payment_declined"
    assert (
        cinema(data_dir, "bookings", "--email", "ada@example.com", "--json").stdout.count(
            "booking_id"
        )
        == 0
    )
    other = cinema(data_dir, "reserve", "sh-1", "C7", "--session", "s-bob")
    assert other.exit_code == 4  # still held for Ada
    as_json(cinema(data_dir, *buy_args(held, "--card", APPROVED, "--json")))


def test_idempotency_key_retry_returns_the_same_booking(data_dir: Path) -> None:
    held = reserve(data_dir, "C7")
    args = buy_args(held, "--card", APPROVED, "--idempotency-key", "order-7", "--json")
    first = as_json(cinema(data_dir, *args))
    again = as_json(cinema(data_dir, *args))
    assert again["booking_id"] == first["booking_id"]
    assert again["replayed"] is True
    ledger = TestPaymentProvider(JsonStorage(data_dir)).ledger()
    assert len(ledger["charges"]) == 1
    other = reserve(data_dir, "C9")
    reused = cinema(
        data_dir, *buy_args(other, "--card", APPROVED, "--idempotency-key", "order-7", "--json")
    )
    assert reused.exit_code == 4
    assert json.loads(reused.stderr)["error"]["code"] == "idempotency_key_reused"


def test_an_expired_hold_cannot_be_bought(data_dir: Path) -> None:
    held = reserve(data_dir, "C7")
    expired = utc_text(builders.NOW + HOLD)
    result = cinema(data_dir, *buy_args(held, "--card", APPROVED, "--json"), now=expired)
    assert result.exit_code == 4
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "hold_expired"
    # People read the theater's local time; scripts get the instant in the details.
    assert "expired at Tue 24 Nov 2026 07:10 EST" in error["message"]
    assert error["details"]["expired_at"].startswith("2026-11-24T12:10:00")
    again = cinema(data_dir, "reserve", "sh-1", "C7", "--session", "s-bob", now=expired)
    assert again.exit_code == 0


@pytest.mark.parametrize(
    ("option", "value", "code"),
    [
        ("--card", "4242424242424241", "invalid_card"),
        ("--card", "abc", "invalid_card"),
        ("--email", "not-an-address", "invalid_email"),
    ],
)
def test_bad_card_or_email_exit_6(data_dir: Path, option: str, value: str, code: str) -> None:
    held = reserve(data_dir, "C7")
    args = buy_args(held, "--card", APPROVED, "--json")
    args[args.index(option) + 1] = value
    result = cinema(data_dir, *args)
    assert result.exit_code == 6, result.output
    assert json.loads(result.stderr)["error"]["code"] == code
    assert "4242424242424241" not in result.output


def test_unknown_reservation_or_wrong_session_exit_3(data_dir: Path) -> None:
    held = reserve(data_dir, "C7")
    held["session_id"] = "s-eve"
    result = cinema(data_dir, *buy_args(held, "--card", APPROVED, "--json"))
    assert result.exit_code == 3
    assert json.loads(result.stderr)["error"]["code"] == "reservation_not_found"
    assert cinema(data_dir, "booking", "b-nope").exit_code == 3


# -- real processes ----------------------------------------------------------------------------
def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CINEMA_DATA_DIR": str(data_dir), "CINEMA_NOW": NOW, "NO_COLOR": "1"}
    env["CINEMA_LOCK_TIMEOUT"] = "120"
    return subprocess.run(
        [sys.executable, "-m", "cinema_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_the_card_number_never_reaches_the_disk(data_dir: Path) -> None:
    held = json.loads(run(data_dir, "reserve", "sh-1", "C7", "--session", "s-1", "--json").stdout)
    done = run(data_dir, *buy_args(held, "--card", "-", "--json"), stdin=APPROVED + "\n")
    assert done.returncode == 0, done.stderr
    grep = subprocess.run(
        ["grep", "-r", "-l", APPROVED, str(data_dir)], capture_output=True, text=True, check=False
    )
    assert grep.returncode == 1  # 1: no match anywhere
    assert grep.stdout == ""


def test_sixteen_processes_racing_for_four_seats_one_wins(data_dir: Path) -> None:
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data_dir),
        "CINEMA_NOW": NOW,
        "CINEMA_LOCK_TIMEOUT": "120",
    }
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cinema_cli",
                "reserve",
                "sh-1",
                "C1",
                "C2",
                "C3",
                "C4",
                "--session",
                f"s-racer{n}",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(16)
    ]
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        outcomes.append((racer.returncode, out, err))
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0] + [4] * 15, outcomes
    for code, _, err in outcomes:
        if code == 4:
            assert json.loads(err)["error"]["details"]["seats"] == ["C1", "C2", "C3", "C4"]
    winner = next(json.loads(out) for code, out, _ in outcomes if code == 0)
    storage = JsonStorage(data_dir)
    claims = storage.claims("sh-1")
    assert {c.seat_id for c in claims} == {"C1", "C2", "C3", "C4"}
    assert {c.session_id for c in claims} == {winner["session_id"]}


def test_concurrent_retries_of_one_purchase_charge_once(data_dir: Path) -> None:
    held = json.loads(run(data_dir, "reserve", "sh-1", "C7", "--session", "s-1", "--json").stdout)
    env = {
        **os.environ,
        "CINEMA_DATA_DIR": str(data_dir),
        "CINEMA_NOW": NOW,
        "CINEMA_LOCK_TIMEOUT": "120",
    }
    buyers = [
        subprocess.Popen(
            [sys.executable, "-m", "cinema_cli", *buy_args(held, "--card", APPROVED, "--json")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    results = [(b.communicate(timeout=300), b.returncode) for b in buyers]
    assert [code for _, code in results] == [0, 0, 0, 0], results
    assert len({json.loads(out)["booking_id"] for (out, _), _ in results}) == 1
    ledger = TestPaymentProvider(JsonStorage(data_dir)).ledger()
    assert len(ledger["charges"]) == 1
    assert all(charge["refunds"] == [] for charge in ledger["charges"].values())


def test_reserving_again_in_a_session_replaces_its_hold_on_disk(data_dir: Path) -> None:
    first = reserve(data_dir, "C7", "C8")
    second = reserve(data_dir, "C8", "C9")
    storage = JsonStorage(data_dir)
    claims = {c.seat_id: c.reservation_id for c in storage.claims("sh-1")}
    assert claims == {"C8": second["reservation_id"], "C9": second["reservation_id"]}
    assert storage.reservation(first["reservation_id"]) is None
    assert cinema(data_dir, "reserve", "sh-1", "C7", "--session", "s-bob").exit_code == 0


def test_names_are_printed_as_typed_never_as_rich_markup_or_emoji(data_dir: Path) -> None:
    held = reserve(data_dir, "C7", "C8")
    args = buy_args(held, "--card", APPROVED)
    args[args.index("Ada Lovelace")] = "Ada [red]Love[/red] :cat:"
    bought = cinema(data_dir, *args)
    assert bought.exit_code == 0, bought.output
    assert "Buyer:        Ada [red]Love[/red] :cat: <ada@example.com>" in bought.stdout
    booking_id = bought.stdout.split()[1]
    shown = cinema(data_dir, "booking", booking_id)
    assert "Ada [red]Love[/red] :cat:" in shown.stdout


def test_the_ticket_table_is_laid_out_as_a_borderless_rich_table() -> None:
    from rich.console import Console
    from rich.table import Table

    from cinema_cli.cli.output import plain_table

    headers = ["Seat", "Category", "Price", "Status", "Ticket"]
    rows = [
        ["C7", "standard", "12.50", "valid", "t-0123456789ab"],
        ["AA12", "wheelchair", "9.00", "checked_in", "t-ba9876543210"],
    ]
    table = Table(*headers, box=None)
    for row in rows:
        table.add_row(*row)
    console = Console(width=120, color_system=None, soft_wrap=True)
    with console.capture() as captured:
        console.print(table)
    assert plain_table(headers, rows) == captured.get().splitlines()


def test_buy_prints_its_receipt_without_importing_rich(data_dir: Path) -> None:
    held = reserve(data_dir, "C7")
    script = (
        "import sys\n"
        "from cinema_cli.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    loaded = 'rich' in sys.modules\n"
        "    print('rich loaded' if loaded else 'rich not loaded', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "--data-dir",
            str(data_dir),
            *buy_args(held, "--card", APPROVED),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "CINEMA_NOW": NOW, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Booking b-" in done.stdout
    assert done.stderr.strip().endswith("rich not loaded")
