"""``db upgrade`` moves the charges found in a data folder into the store's payment ledger, once.

The data folder is made the way today's releases leave it: bookings in the store, and the
only record of each charge in the test provider's file ``<data dir>/payments/test-ledger.json``.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.cli.app import app
from cinema_cli.domain.models import Money
from cinema_cli.domain.purchase import parse_card
from cinema_cli.durable_files import write_private
from cinema_cli.storage.json import JsonStorage
from schema_support import assert_shape
from ticket_support import stocked_data_dir

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, [*args, "--json"], env=env or {})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def an_old_data_folder(data: Path, *, foreign: bool = False) -> str:
    """One booking sold, one charge refunded in full, one charge left without a booking (its
    purchase crashed after the charge: the reservation is still here); the store has no ledger
    rows (as before the ledger moved into it). ``foreign``: one more charge, of a reservation
    another store sharing the data folder held. Returns the booking id."""
    crashed = cli("reserve", "s1", "B5")
    held = cli("reserve", "s1", "B3")
    bought = cli(
        "buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada",
        "--email", "ada@example.org", "--card", "4242424242424242",
    )  # fmt: skip
    shutil.rmtree(data / "ledger")  # the ledger rows this release writes did not exist
    provider = TestPaymentProvider(JsonStorage(data))
    card = parse_card("4242424242424242")
    euros = Money(Decimal("12.50"), "EUR")
    given_back = provider.charge(
        card, euros, idempotency_key="k-refunded", fingerprint="f1", description="x"
    )
    provider.refund(given_back, euros, reason="not sold: hold_expired")
    provider.charge(
        card,
        euros,
        idempotency_key=f"reservation:{crashed['reservation_id']}",
        fingerprint="f2",
        description="y",
    )
    if foreign:
        provider.charge(
            card,
            euros,
            idempotency_key="reservation:r-elsewhere",
            fingerprint="f3",
            description="z",
        )
    # Earlier releases kept the provider's books in a file of each host's data folder.
    (data / "payments").mkdir(mode=0o700)
    write_private(data / "payments" / "test-ledger.json", json.dumps(provider.ledger()).encode())
    shutil.rmtree(data / "provider-books")
    return str(bought["booking_id"])


def test_db_upgrade_moves_the_ledger_once_and_reconcile_settles_the_rest(data: Path) -> None:
    booking_id = an_old_data_folder(data)

    first = cli("db", "upgrade")
    second = cli("db", "upgrade")

    assert_shape("db_upgrade", first)
    assert first["moved"]["charges"] == {
        "found": 3, "adopted": 3, "already": 0, "with_booking": 1, "refunded": 1,
        "without_booking": 1, "elsewhere": 0,
    }  # fmt: skip
    assert second["moved"]["charges"]["adopted"] == 0
    assert second["moved"]["charges"]["already"] == 3
    assert first["moved"]["provider_books"] == {"found": 3, "moved": 3, "already": 0}
    assert second["moved"]["provider_books"] == {"found": 3, "moved": 0, "already": 3}
    charges = {c["idempotency_key"]: c for c in cli("payments", "list")["charges"]}
    assert len(charges) == 3
    assert [c["booking_id"] for c in charges.values() if c["booking_id"]] == [booking_id]
    assert charges["k-refunded"]["status"] == "refunded"
    lost = next(key for key, c in charges.items() if not c["booking_id"] and key != "k-refunded")
    assert charges[lost]["status"] == "captured"

    # The provider stamped its charges with the wall clock, not CINEMA_NOW.
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    settled = cli("payments", "reconcile", env={"CINEMA_NOW": later})

    assert [c["idempotency_key"] for c in settled["refunded"]] == [lost]
    # The refund went into the books in the store, where the file's charges moved.
    assert TestPaymentProvider(JsonStorage(data)).net_charged() == Decimal("12.50")


def test_db_upgrade_reports_the_move_in_words(data: Path) -> None:
    an_old_data_folder(data)

    result = runner.invoke(app, ["db", "upgrade"])

    assert result.exit_code == 0, result.stderr
    assert "3 moved into the store" in result.stdout
    assert "cinema payments reconcile" in result.stdout
    assert "Test provider's books: 3 charge(s)" in result.stdout


def test_a_charge_of_another_store_sharing_the_data_folder_is_never_adopted(data: Path) -> None:
    an_old_data_folder(data, foreign=True)

    first = cli("db", "upgrade")

    assert first["moved"]["charges"]["elsewhere"] == 1
    assert first["moved"]["charges"]["adopted"] == 3
    keys = {c["idempotency_key"] for c in cli("payments", "list")["charges"]}
    assert "reservation:r-elsewhere" not in keys
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    settled = cli("payments", "reconcile", env={"CINEMA_NOW": later})
    assert "reservation:r-elsewhere" not in {c["idempotency_key"] for c in settled["refunded"]}
