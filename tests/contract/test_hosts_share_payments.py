"""Two hosts, one store: the test payment provider behaves like one payment service.

Each "host" is a data folder of its own over the same SQLite file or PostgreSQL schema, as
two box offices of a chain are. A purchase retried on the other host is replayed, not
charged again; a booking sold on one host is cancelled and refunded on the other; and when
both cancel it at the same moment (two processes), the money goes back once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from contract_backends import Backend
from typer.testing import CliRunner

from cinema_cli.adapters.payment import TestPaymentProvider
from cinema_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("race_child.py")
NOW = "2027-06-01T10:00:00Z"
CARD = "4242424242424242"
ROUNDS = 8
HEADER = "showing_id,theater_id,room_id,movie_id,starts_at,price\n"


class Chain:
    """Hosts ``a`` and ``b``: a data folder each, one store."""

    def __init__(self, backend: Backend, folder: Path) -> None:
        self.url = backend.url
        self.folder = folder
        self.hosts = {name: folder / f"host-{name}" for name in ("a", "b")}
        for data in self.hosts.values():
            data.mkdir(mode=0o700)
        self.cinema("a", "import", "theaters", str(ROOT / "fixtures" / "demo-theaters.json"))
        feed = folder / "showings.csv"
        feed.write_text(HEADER + "show-1,berlin-mitte,saal1,metropolis,2027-07-01 20:00,10.00\n")
        self.cinema("a", "import", "showtimes", str(feed))

    def env(self, host: str) -> dict[str, str]:
        return {
            "CINEMA_DATA_DIR": str(self.hosts[host]),
            "CINEMA_STORAGE": self.url,
            "CINEMA_NOW": NOW,
            "NO_COLOR": "1",
        }

    def cinema(self, host: str, *args: str) -> Any:
        result = CliRunner().invoke(app, list(args), env=self.env(host))
        assert result.exit_code == 0, (host, args, result.output)
        return json.loads(result.stdout) if "--json" in args else result

    def buy_args(self, host: str, seat: str, *extra: str) -> list[str]:
        held = self.cinema(host, "reserve", "show-1", seat, "--session", f"s-{seat}", "--json")
        return [
            "buy", held["reservation_id"], "--session", f"s-{seat}", "--name", "Ada",
            "--email", "ada@example.org", "--card", CARD, *extra, "--json",
        ]  # fmt: skip

    def provider(self) -> tuple[TestPaymentProvider, Any]:
        from cinema_cli.storage import open_storage

        storage = open_storage(self.url, self.hosts["a"])
        return TestPaymentProvider(storage), storage


@pytest.fixture(params=["sqlite", "postgresql"])
def chain(
    request: pytest.FixtureRequest, make_backend: Callable[[str], Backend], tmp_path: Path
) -> Chain:
    return Chain(make_backend(request.param), tmp_path)


def test_a_purchase_retried_on_another_host_is_replayed_with_one_charge(chain: Chain) -> None:
    args = chain.buy_args("a", "C7", "--idempotency-key", "order-7")

    first = chain.cinema("a", *args)
    again = chain.cinema("b", *args)

    assert again["replayed"] is True
    assert again["booking_id"] == first["booking_id"]
    [charge] = chain.cinema("b", "payments", "list", "--json")["charges"]
    assert charge["booking_id"] == first["booking_id"]
    provider, storage = chain.provider()
    try:
        assert len(storage.provider_charges()) == 1
        assert provider.net_charged() == 10
    finally:
        storage.close()


def test_a_booking_sold_on_one_host_is_cancelled_and_refunded_on_the_other(
    chain: Chain,
) -> None:
    sold = chain.cinema("a", *chain.buy_args("a", "C7"))

    cancelled = chain.cinema("b", "cancel", sold["booking_id"], "--json")

    assert cancelled["refund"]["amount"] == {"amount": "10.00", "currency": "EUR"}
    provider, storage = chain.provider()
    try:
        [charge] = storage.provider_charges()
        assert [r.reference for r in charge.refunds] == [cancelled["refund"]["reference"]]
        assert provider.net_charged() == 0
    finally:
        storage.close()


def _run_together(chain: Chain, plans: dict[str, list[list[dict[str, Any]]]]) -> dict[str, Any]:
    """Each plan in a process of its own (``race_child.py``), released round by round."""
    env = {**os.environ, "NO_COLOR": "1", "CINEMA_STORAGE": chain.url}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    children = []
    for name, rounds in plans.items():
        (chain.folder / f"{name}.json").write_text(json.dumps(rounds))
        with (chain.folder / f"{name}.log").open("w") as log:
            children.append(
                subprocess.Popen(
                    [sys.executable, str(CHILD), str(chain.folder), name],
                    env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
    results: dict[str, list[Any]] = {name: [] for name in plans}
    try:
        for number in range(len(next(iter(plans.values())))):
            (chain.folder / f"go-{number}").touch()
            for name in plans:
                done = chain.folder / f"{name}-{number}.json"
                deadline = time.monotonic() + 120
                while not done.exists():
                    if any(c.poll() not in (None, 0) for c in children) or (
                        time.monotonic() > deadline
                    ):
                        pytest.fail((chain.folder / f"{name}.log").read_text())
                    time.sleep(0.005)
                results[name].append(json.loads(done.read_text()))
    finally:
        for child in children:
            child.wait(timeout=60)
    return results


def test_both_hosts_cancelling_one_booking_at_once_refund_it_once(chain: Chain) -> None:
    seats = [f"D{n + 1}" for n in range(ROUNDS)]
    bookings = [chain.cinema("a", *chain.buy_args("a", seat))["booking_id"] for seat in seats]
    plans = {
        host: [
            [{"argv": ["cancel", booking, "--json"], "env": chain.env(host)}]
            for booking in bookings
        ]
        for host in ("a", "b")
    }

    results = _run_together(chain, plans)

    refunds_reported = 0
    for n in range(ROUNDS):
        steps = [results[host][n][0] for host in ("a", "b")]
        assert [s["code"] for s in steps] == [0, 0], steps
        refunds_reported += sum(json.loads(s["out"])["refund"] is not None for s in steps)
    provider, storage = chain.provider()
    try:
        charges = storage.provider_charges()
        assert [len(c.refunds) for c in charges] == [1] * ROUNDS
        assert all(len(storage.booking(b).refunds) == 1 for b in bookings)
        assert provider.net_charged() == 0
    finally:
        storage.close()
    assert refunds_reported == ROUNDS  # one host refunded each booking; the other saw it done
    print(f"\ntwo hosts cancelling {ROUNDS} bookings at once on {chain.url.split(':')[0]}: "
          f"{ROUNDS} refunds, 0 twice")  # fmt: skip
