"""From purchase to the door, as a new user would: through the CLI, on the JSON backend.

Buy two tickets, decode the PNG QR, check in (admitted, then exit 4), flip a character
(exit 6), verify offline with the exported public key, cancel one ticket (its seat is free
again, its check-in refused, the refund recorded once), and look at the audit log.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from ticket_support import DOORS_OPEN, SHOW_STARTS, stocked_data_dir

CARD = "4242 4242 4242 4242"
runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def cli(*args: str, now: Any = None, code: int = 0) -> Any:
    env = {"CINEMA_NOW": now.isoformat()} if now is not None else {}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    if "--json" in args and code == 0:
        return json.loads(result.stdout)
    if "--json" in args:
        return json.loads(result.stderr)["error"]
    return result


def buy_two(seats: tuple[str, str] = ("B3", "B4")) -> dict[str, Any]:
    held = cli("reserve", "s1", *seats, "--json")
    return cli(  # type: ignore[no-any-return]
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
        "--card",
        CARD,
        "--json",
    )


def test_buy_scan_check_in_twice_flip_and_verify_offline(data: Path, tmp_path: Path) -> None:
    booking = buy_two()
    first = booking["tickets"][0]

    from cinema_cli.adapters.scan import read_qr_codes

    [decoded] = read_qr_codes(Path(first["qr_png"]))
    assert decoded == first["code"]

    admitted = cli(
        "checkin", "--image", first["qr_png"], "--gate", "north", "--json", now=DOORS_OPEN
    )
    assert admitted["status"] == "admitted"
    assert admitted["seat"] == "B3"
    assert admitted["gate"] == "north"
    assert admitted["showing"]["id"] == "s1"
    assert admitted["checked_in_at"] == "2026-11-24T17:30:00Z"

    again = cli("checkin", decoded, "--json", now=DOORS_OPEN, code=4)
    assert again["code"] == "already_checked_in"
    assert again["details"]["gate"] == "north"
    assert again["details"]["checked_in_at"] == "2026-11-24T17:30:00Z"

    flipped = decoded[:30] + ("X" if decoded[30] != "X" else "Y") + decoded[31:]
    forged = cli("checkin", flipped, "--json", now=DOORS_OPEN, code=6)
    assert forged == {
        "code": "invalid_ticket",
        "message": "this is not a valid ticket code",
        "details": {},
    }

    pem = tmp_path / "door.pem"
    pem.write_text(cli("keys", "public").stdout)
    offline = cli(
        "checkin", "--offline", "--public-key", str(pem), decoded, "--json", now=DOORS_OPEN
    )
    assert offline["status"] == "admitted"
    assert offline["offline"] is True
    assert offline["ticket_id"] == first["ticket_id"]
    cli("checkin", "--offline", "--public-key", str(pem), flipped, now=DOORS_OPEN, code=6)

    early = cli("checkin", booking["tickets"][1]["code"], "--json", code=4)  # at NOW
    assert early["code"] == "not_valid_now"


def test_cancel_one_ticket_frees_the_seat_refuses_it_and_refunds_once(data: Path) -> None:
    booking = buy_two()
    kept, gone = booking["tickets"]
    result = cli(
        "cancel", booking["booking_id"], "--tickets", "B4", "--json", now=NOW + timedelta(minutes=5)
    )
    assert result["status"] == "partially_cancelled"
    assert [c["seat"] for c in result["cancelled"]] == ["B4"]
    assert result["refund"]["amount"] == {"amount": "12.50", "currency": "EUR"}
    eml = Path(result["cancellation_eml"])
    assert eml.is_file()
    assert b"Cancelled:" in eml.read_bytes()
    assert b"Starts:  Tue 24 Nov 2026 19:00 CET" in eml.read_bytes()

    repeat = cli("cancel", booking["booking_id"], "--tickets", "B4", "--json")
    assert repeat["cancelled"] == []
    assert repeat["refund"] is None
    assert repeat["already_cancelled"] == ["B4"]
    assert repeat["refunded_total"] == {"amount": "12.50", "currency": "EUR"}

    stored = JsonStorage(data).booking(booking["booking_id"])
    assert stored is not None
    assert len(stored.refunds) == 1
    from cinema_cli.adapters.payment import TestPaymentProvider

    ledger = TestPaymentProvider(JsonStorage(data)).ledger()
    [charge] = ledger["charges"].values()
    assert len(charge["refunds"]) == 1

    # The seat is available again: someone else can hold it.
    cli("reserve", "s1", "B4", "--json")
    refused = cli("checkin", gone["code"], "--json", now=DOORS_OPEN, code=4)
    assert refused["code"] == "ticket_revoked"
    cli("checkin", kept["code"], "--json", now=DOORS_OPEN)

    log = cli("log", "--booking", booking["booking_id"], "--json")
    actions = [entry["action"] for entry in log["entries"]]
    # hold and purchase share the fixed instant NOW, so only their set is certain
    assert set(actions[:2]) == {"hold", "purchase"}
    assert actions[2:] == ["cancel", "refund", "checkin"]


def test_cancellation_closes_before_the_showing(data: Path) -> None:
    booking = buy_two()
    late = SHOW_STARTS - timedelta(minutes=59)
    error = cli("cancel", booking["booking_id"], "--json", now=late, code=4)
    assert error["code"] == "cancellation_closed"
    assert error["details"]["deadline"] == "2026-11-24T17:00:00Z"


def test_a_used_ticket_cannot_be_cancelled(data: Path) -> None:
    booking = buy_two()
    cli("checkin", booking["tickets"][0]["code"], now=SHOW_STARTS - timedelta(hours=1, minutes=30))
    error = cli("cancel", booking["booking_id"], "--json", code=4)
    assert error["code"] == "already_checked_in"


def test_cancel_names_an_unknown_seat(data: Path) -> None:
    booking = buy_two()
    error = cli("cancel", booking["booking_id"], "--tickets", "Z9", "--json", code=6)
    assert "--tickets" in error["message"]
    cli("cancel", "b-nope", "--json", code=3)


def test_keys_public_json_and_rotation(data: Path) -> None:
    before = cli("keys", "public", "--json")["keys"]
    assert len(before) == 1
    assert before[0]["active"]
    rotated = cli("keys", "rotate", "--json")
    assert rotated["active"] != before[0]["key_id"]
    after = cli("keys", "public", "--json")["keys"]
    assert [k["active"] for k in after] == [False, True]
    only = cli("keys", "public", "--key-id", before[0]["key_id"], "--json")["keys"]
    assert only == [after[0]]
    assert (
        cli("keys", "public", "--key-id", before[0]["key_id"]).stdout == after[0]["public_key_pem"]
    )
    cli("keys", "public", "--key-id", "00000000", code=3)


def test_checkin_usage_errors_are_named(data: Path, tmp_path: Path) -> None:
    assert "CODE" in cli("checkin", code=6).stderr
    assert "--public-key" in cli("checkin", "--offline", "X", code=6).stderr
    # a missing file is a usage error (exit 2), as for every file option
    assert "--image" in cli("checkin", "--image", str(tmp_path / "none.png"), code=2).stderr
    not_png = tmp_path / "x.png"
    not_png.write_text("hello")
    assert "--image" in cli("checkin", "--image", str(not_png), code=6).stderr


def test_without_zxing_the_image_option_says_how_to_install_it(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # import fails as if not installed
    picture = tmp_path / "t.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = cli("checkin", "--image", str(picture), code=1)
    assert "cinema-cli[scan]" in result.stderr


def test_stdin_dash_reads_the_code(data: Path) -> None:
    booking = buy_two()
    result = runner.invoke(
        app,
        ["checkin", "-", "--json"],
        input=booking["tickets"][0]["code"] + "\n",
        env={"CINEMA_NOW": DOORS_OPEN.isoformat()},
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["seat"] == "B3"


def test_no_card_number_or_private_key_leaves_the_process(data: Path, tmp_path: Path) -> None:
    """Scan every file of the data folder and every output after a full flow."""
    outputs: list[str] = []
    booking = buy_two()
    outputs.append(json.dumps(booking))
    for args, now in [
        (("checkin", booking["tickets"][0]["code"], "--json"), DOORS_OPEN - timedelta(hours=1)),
        (("cancel", booking["booking_id"], "--tickets", "B4", "--json"), None),
        (("log", "--json"), None),
        (("log",), None),
        (("keys", "public", "--json"), None),
        (("keys", "rotate"), None),
        (("outbox", "list", "--json"), None),
    ]:
        result = cli(*args, now=now) if now else runner.invoke(app, list(args))
        outputs.append(result.stdout if hasattr(result, "stdout") else json.dumps(result))
    from cinema_cli.storage.json import JsonStorage

    # The private keys as stored (unsealed without CINEMA_KEY_SECRET): their base64 text.
    private_lines = {key.private_key.split(":")[-1] for key in JsonStorage(data).signing_keys()}
    assert len(private_lines) == 2
    digits = CARD.replace(" ", "")
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert digits not in text, path
            assert CARD not in text, path
            if path.name != "signing-keys.json":
                assert not any(line in text for line in private_lines), path
    for text in outputs:
        assert digits not in text
        assert "PRIVATE" not in text
        assert not any(line in text for line in private_lines)


def test_a_real_process_checks_in_and_refuses_a_second_scan(data: Path) -> None:
    booking = buy_two()
    env = {**os.environ, "CINEMA_DATA_DIR": str(data), "CINEMA_NOW": DOORS_OPEN.isoformat()}
    code = booking["tickets"][1]["code"]
    first = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "checkin", code, "--gate", "east"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "ADMIT" in first.stdout
    assert "B4" in first.stdout
    second = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "checkin", code, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert second.returncode == 4
    assert json.loads(second.stderr)["error"]["details"]["gate"] == "east"
    assert second.stdout == ""


def test_log_limits_and_names_bad_arguments(data: Path) -> None:
    booking = buy_two()
    assert len(cli("log", "--json")["entries"]) == 2  # hold, purchase
    [last] = cli("log", "--limit", "1", "--json")["entries"]
    assert last["action"] in {"hold", "purchase"}
    assert set(last) == {
        "id",
        "at",
        "actor",
        "action",
        "subject",
        "details",
    }
    assert "--limit" in cli("log", "--limit", "0", code=2).stderr
    assert cli("log", "--booking", "b-unknown", "--json", code=3)["code"] == "booking_not_found"
    human = cli("log", "--booking", booking["booking_id"]).stdout
    assert "purchase" in human
    assert "B3,B4" in human
    assert "Tue 24 Nov 2026 12:00 UTC" in human  # the log spans zones: UTC, named


def test_outbox_list_shows_unsent_mail_without_smtp(data: Path) -> None:
    assert cli("outbox", "list", "--json") == {"messages": []}
    assert "empty" in cli("outbox", "list").stdout
    buy_two()
    [message] = cli("outbox", "list", "--json")["messages"]
    assert message["status"] == "unsent"
    assert message["to"] == "Ada Lovelace <ada@example.org>"


def test_a_refused_code_on_a_fresh_data_folder_creates_nothing(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    result = CliRunner().invoke(app, ["--data-dir", str(fresh), "checkin", "NOT-A-CODE", "--json"])
    assert result.exit_code == 6
    assert not fresh.exists()
