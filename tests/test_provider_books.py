"""The test provider's books are in the store, with the brand and last four digits only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from booking_support import APPROVED, DECLINED, seed_catalog
from builders import NOW
from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.cli.app import app
from cinema_cli.storage import open_storage

CARD_NUMBERS = ("4242424242424242", "4000000000000002")


@pytest.fixture(params=["json", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    data = tmp_path / "data"
    url = "json" if request.param == "json" else f"sqlite:///{tmp_path / 'cinema.db'}"
    storage = open_storage(url, data)
    with storage.transaction() as tx:
        seed_catalog(tx)
    storage.close()
    return url, data


def cinema(store: tuple[str, Path], *args: str) -> Any:
    url, data = store
    return CliRunner().invoke(
        app,
        ["--data-dir", str(data), "--storage", url, *args, "--json"],
        env={"CINEMA_NOW": NOW.isoformat(), "NO_COLOR": "1"},
    )


def purchase(store: tuple[str, Path], seat: str, card: str) -> Any:
    held = json.loads(cinema(store, "reserve", "sh-1", seat, "--session", f"s-{seat}").stdout)
    return cinema(
        store, "buy", held["reservation_id"], "--session", f"s-{seat}", "--name", "Ada",
        "--email", "ada@example.org", "--card", card,
    )  # fmt: skip


def every_stored_byte(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_the_books_are_in_the_store_and_never_hold_a_card_number(
    store: tuple[str, Path], tmp_path: Path
) -> None:
    sold = purchase(store, "C7", APPROVED)
    declined = purchase(store, "C8", DECLINED)
    cancelled = cinema(store, "cancel", json.loads(sold.stdout)["booking_id"])

    assert (sold.exit_code, declined.exit_code, cancelled.exit_code) == (0, 5, 0)
    url, data = store
    storage = open_storage(url, data)
    try:
        [charge] = storage.provider_charges()  # the decline took nothing and kept nothing
        assert (charge.brand, charge.last4, charge.closed) == ("visa", "4242", True)
        assert TestPaymentProvider(storage).net_charged() == 0
    finally:
        storage.close()
    assert not (data / "payments").exists()  # no books of this host's own any more
    stored = every_stored_byte(tmp_path)  # the data folder and the SQLite file
    assert b"4242" in stored
    for number in CARD_NUMBERS:
        assert number.encode() not in stored
        assert f"{number[:4]} {number[4:8]}".encode() not in stored
