"""``cinema payments list`` / ``reconcile`` through the CLI, their JSON shapes, and the
provider chosen by ``CINEMA_PAYMENT_PROVIDER``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from schema_support import assert_shape
from ticket_support import stocked_data_dir

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def cli(*args: str, code: int = 0, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, [*args, "--json"], env=env or {})
    assert result.exit_code == code, (result.stdout, result.stderr)
    if code:
        return json.loads(result.stderr)["error"]
    return json.loads(result.stdout)


def buy_args(held: dict[str, Any]) -> list[str]:
    return [
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
        "--card",
        "4242424242424242",
    ]


def strand_a_charge(data: Path) -> Any:
    """A purchase that charged the card and died before its booking (a SIGKILL stand-in:
    the ledger says captured, no booking exists)."""
    from cinema_cli.adapters.payment import TestPaymentProvider
    from cinema_cli.domain.ledger import ChargeStatus
    from cinema_cli.domain.purchase import parse_card
    from cinema_cli.services import charges

    held = cli("reserve", "s1", "B3")
    storage = JsonStorage(data)
    [reservation] = [storage.reservation(held["reservation_id"])]
    assert reservation is not None
    key = f"reservation:{reservation.id}"
    with storage.transaction() as tx:
        intent = charges.open_attempt(
            tx, key, fingerprint="fp", reservation_id=reservation.id,
            amount=reservation.total, now=NOW,
        )  # fmt: skip
    charge = TestPaymentProvider(storage).charge(
        parse_card("4242424242424242"), reservation.total,
        idempotency_key=key, fingerprint="fp", description="stranded",
    )  # fmt: skip
    record = charges.record_outcome(storage, lambda: NOW, intent, charge=charge)
    assert record.status is ChargeStatus.CAPTURED
    storage.close()
    return held


def test_payments_list_shows_each_charge_with_its_booking(data: Path) -> None:
    bought = cli(*buy_args(cli("reserve", "s1", "B4")))

    listed = cli("payments", "list")

    assert_shape("payments", listed)
    [charge] = listed["charges"]
    assert (charge["status"], charge["booking_id"]) == ("captured", bought["booking_id"])


def test_reconcile_refunds_a_stranded_charge_once_it_is_old_enough(data: Path) -> None:
    strand_a_charge(data)

    early = cli("payments", "reconcile")
    later = (NOW + timedelta(minutes=16)).isoformat()
    done = cli("payments", "reconcile", env={"CINEMA_NOW": later})
    again = cli("payments", "reconcile", "--older-than", "0", env={"CINEMA_NOW": later})

    assert_shape("payments_reconcile", early)
    assert_shape("payments_reconcile", done)
    assert (early["checked"], early["too_recent"], early["refunded"]) == (1, 1, [])
    assert [c["status"] for c in done["refunded"]] == ["refunded"]
    assert again["checked"] == 0
    [charge] = cli("payments", "list")["charges"]
    assert (charge["status"], charge["booking_id"]) == ("refunded", None)


def test_a_retried_buy_after_expiry_refunds_the_stranded_charge(data: Path) -> None:
    held = strand_a_charge(data)
    later = (NOW + timedelta(minutes=11)).isoformat()

    error = cli(*buy_args(held), code=4, env={"CINEMA_NOW": later})

    assert error["code"] == "hold_expired"
    assert error["details"]["refunded"] == {"amount": "12.50", "currency": "EUR"}
    assert cli("payments", "list")["charges"][0]["status"] == "refunded"


def test_reconcile_prints_what_it_did(data: Path) -> None:
    strand_a_charge(data)
    later = (NOW + timedelta(minutes=16)).isoformat()

    result = runner.invoke(app, ["payments", "reconcile"], env={"CINEMA_NOW": later})

    assert result.exit_code == 0, result.stderr
    assert "Refunded" in result.stdout


def test_an_unknown_payment_provider_exits_6_naming_the_variable(data: Path) -> None:
    error = cli(
        *buy_args(cli("reserve", "s1", "B4")), code=6, env={"CINEMA_PAYMENT_PROVIDER": "acme"}
    )

    assert "CINEMA_PAYMENT_PROVIDER" in error["message"]


@pytest.mark.parametrize("age", ["nan", "inf", "-1", "1440000000000.0"])
def test_reconcile_refuses_an_age_that_is_not_a_number_of_minutes(data: Path, age: str) -> None:
    result = runner.invoke(app, ["payments", "reconcile", "--older-than", age])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--older-than'" in result.stderr
