"""Races between real processes on every backend: what two box offices, two gates or a
box office and a nightly import do to the same showing or booking at the same moment.

Each test starts two long-lived processes (``race_child.py``) and releases them together
for each round, so they meet in the database, not in Python's start-up. Rounds are
bounded; no timing is asserted, only outcomes and final state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from contract_backends import Backend
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.services.ports.storage import ShowingQuery

ROUNDS = 30
ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("race_child.py")
NOW = "2027-06-01T10:00:00Z"
CARD = "4242424242424242"
HEADER = "showing_id,theater_id,room_id,movie_id,starts_at,price\n"

RACE_BACKENDS = ["json", "sqlite", "postgresql"]


def _day(n: int) -> str:
    return (datetime(2027, 7, 1) + timedelta(days=n)).strftime("%Y-%m-%d")


def _row(n: int, hour: str) -> str:
    return f"race-{n},berlin-mitte,saal1,metropolis,{_day(n)} {hour},10.00\n"


PADDING = {"postgresql": 3000}
"""New showings ahead of the moved one in each import (few where a lock serialises all)."""


def _padding(n: int, count: int) -> list[str]:
    """``count`` new short showings in Kreuzberg, on days of their own for round ``n``."""
    first = datetime(2030, 1, 1) + timedelta(days=n * (count // 8 + 1))
    return [
        f"pad-{n}-{i},berlin-kreuzberg,kino,the-kid,"
        f"{(first + timedelta(days=i // 8, hours=8 + 2 * (i % 8))):%Y-%m-%d %H:%M},9.00\n"
        for i in range(count)
    ]


def _doors_open(n: int) -> str:
    """Half an hour before race-n starts (12:00 in Berlin, 10:00 UTC in July)."""
    return f"{_day(n)}T09:30:00Z"


class Race:
    """A data store with the race showings, and the processes that race on it."""

    def __init__(self, backend: Backend, folder: Path) -> None:
        self.url = backend.url
        self.folder = folder
        self.data_dir = folder / "data"
        self.data_dir.mkdir(parents=True)
        self.env = {"CINEMA_DATA_DIR": str(self.data_dir), "CINEMA_STORAGE": self.url}
        self.cinema("import", "theaters", str(ROOT / "fixtures" / "demo-theaters.json"))
        feed = folder / "showings.csv"
        feed.write_text(HEADER + "".join(_row(n, "12:00") for n in range(ROUNDS)))
        self.cinema("import", "showtimes", str(feed))

    def cinema(self, *args: str, now: str = NOW, code: int = 0) -> Any:
        result = CliRunner().invoke(
            app, list(args), env={**self.env, "CINEMA_NOW": now, "NO_COLOR": "1"}
        )
        assert result.exit_code == code, result.output
        return json.loads(result.stdout) if "--json" in args else result

    def sell(self, n: int, *seats: str) -> dict[str, Any]:
        held = self.cinema("reserve", f"race-{n}", *seats, "--session", f"s-{n}", "--json")
        return dict(
            self.cinema(
                "buy", held["reservation_id"], "--session", f"s-{n}", "--name", "Ada",
                "--email", "ada@example.com", "--card", CARD, "--json",
            )
        )  # fmt: skip

    def run(self, plans: dict[str, list[list[dict[str, Any]]]]) -> dict[str, list[Any]]:
        """Run the rounds of each named process together; their results by name."""
        env = {**os.environ, **self.env, "NO_COLOR": "1"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
        children = []
        for name, rounds in plans.items():
            (self.folder / f"{name}.json").write_text(json.dumps(rounds))
            with (self.folder / f"{name}.log").open("w") as log:
                children.append(
                    subprocess.Popen(
                        [sys.executable, str(CHILD), str(self.folder), name],
                        env=env, stdout=log, stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
        results: dict[str, list[Any]] = {name: [] for name in plans}
        try:
            for number in range(ROUNDS):
                (self.folder / f"go-{number}").touch()
                for name in plans:
                    results[name].append(self._wait(name, number, children))
        finally:
            for child in children:
                child.wait(timeout=60)
        return results

    def _wait(self, name: str, number: int, children: list[subprocess.Popen[bytes]]) -> Any:
        done = self.folder / f"{name}-{number}.json"
        deadline = time.monotonic() + 120
        while not done.exists():
            dead = [c for c in children if c.poll() not in (None, 0)]
            if dead or time.monotonic() > deadline:
                log = (self.folder / f"{name}.log").read_text()
                pytest.fail(f"{name} round {number} never finished:\n{log}")
            time.sleep(0.005)
        return json.loads(done.read_text())

    def storage(self) -> Any:
        from cinema_cli.storage import open_storage

        return open_storage(self.url, self.data_dir)


@pytest.fixture(params=RACE_BACKENDS)
def race(
    request: pytest.FixtureRequest, make_backend: Callable[[str], Backend], tmp_path: Path
) -> Race:
    return Race(make_backend(request.param), tmp_path)


def _codes(results: list[Any]) -> list[int]:
    return [step["code"] for step in results]


def _no_crash(results: dict[str, list[Any]]) -> None:
    for name, rounds in results.items():
        for number, steps in enumerate(rounds):
            for step in steps:
                assert step["code"] not in (1, 2), f"{name} round {number}: {step}"
                assert "Traceback" not in step["err"], step["err"]


def test_a_sale_and_an_import_moving_the_same_showing_never_leave_a_ticket_for_a_moved_showing(
    race: Race,
) -> None:
    moves = []
    # New showings written before the moved one widen the window between the import's
    # check and its write, as a large nightly feed does.
    padding = PADDING.get(race.url.split(":")[0], 100)
    for n in range(ROUNDS):
        feed = race.folder / f"moved-{n}.csv"
        feed.write_text(HEADER + "".join(_padding(n, padding)) + _row(n, "16:00"))
        moves.append([{"argv": ["import", "showtimes", str(feed), "--json"], "env": {}}])
    env = {"CINEMA_NOW": NOW}
    buy = ["--name", "Ada", "--email", "ada@example.com", "--card", CARD, "--json"]
    sales: list[list[dict[str, Any]]] = [
        [
            # Rounds start the sale at different moments of the import's work.
            {"sleep": (n % 10) * 0.03},
            {"argv": ["reserve", f"race-{n}", "A5", "--session", f"s-{n}", "--json"], "env": env},
            {"argv": ["buy", "{reservation_id}", "--session", f"s-{n}", *buy], "env": env},
        ]
        for n in range(ROUNDS)
    ]

    results = race.run({"import": moves, "sale": sales})

    _no_crash(results)
    storage = race.storage()
    try:
        showings = {s.id: s for s in storage.showings(ShowingQuery(include_cancelled=True))}
        sold = storage.sold_counts([f"race-{n}" for n in range(ROUNDS)])
    finally:
        storage.close()
    outcomes: Counter[str] = Counter()
    for n, steps in enumerate(results["sale"]):
        final = showings[f"race-{n}"].starts_at
        moved = final.astimezone(UTC).hour != 10
        if _codes(steps) != [0, 0]:
            assert not sold[f"race-{n}"], steps
            outcomes["moved, then no sale"] += 1
            continue
        sold_for = datetime.fromisoformat(json.loads(steps[1]["out"])["showing"]["starts_at"])
        assert sold_for == final, f"round {n}: a ticket for {sold_for}, the showing is at {final}"
        outcomes["moved, then sold at the new time" if moved else "sold, import refused"] += 1
    print(f"\nimport vs sale on {race.url.split(':')[0]}: {dict(outcomes)}")


@pytest.fixture
def sold_pairs(race: Race) -> list[dict[str, Any]]:
    """One booking of two seats per round."""
    return [race.sell(n, "B4", "B5") for n in range(ROUNDS)]


def _checkin(code: str, gate: str, n: int) -> dict[str, Any]:
    return {
        "argv": ["checkin", code, "--gate", gate, "--json"],
        "env": {"CINEMA_NOW": _doors_open(n)},
    }


def test_two_gates_scanning_two_tickets_of_one_booking_both_admit(
    race: Race, sold_pairs: list[dict[str, Any]]
) -> None:
    north = [[_checkin(b["tickets"][0]["code"], "north", n)] for n, b in enumerate(sold_pairs)]
    south = [[_checkin(b["tickets"][1]["code"], "south", n)] for n, b in enumerate(sold_pairs)]

    results = race.run({"north": north, "south": south})

    _no_crash(results)
    for n in range(ROUNDS):
        assert _codes(results["north"][n]) == [0], results["north"][n]
        assert _codes(results["south"][n]) == [0], results["south"][n]


def test_a_gate_and_a_cancel_of_the_same_ticket_end_in_one_of_them(
    race: Race, sold_pairs: list[dict[str, Any]]
) -> None:
    gate = [[_checkin(b["tickets"][0]["code"], "north", n)] for n, b in enumerate(sold_pairs)]
    cancels = [
        [
            {
                "argv": ["cancel", b["booking_id"], "--tickets", "B4", "--json"],
                "env": {"CINEMA_NOW": _doors_open(n), "CINEMA_CANCEL_MINUTES": "0"},
            }
        ]
        for n, b in enumerate(sold_pairs)
    ]

    results = race.run({"gate": gate, "cancel": cancels})

    _no_crash(results)
    outcomes: Counter[str] = Counter()
    for n in range(ROUNDS):
        admitted = _codes(results["gate"][n]) == [0]
        cancelled = _codes(results["cancel"][n]) == [0]
        assert admitted != cancelled, (results["gate"][n], results["cancel"][n])
        loser = results["cancel" if admitted else "gate"][n][0]
        assert loser["code"] == 4, loser
        outcomes["admitted first" if admitted else "cancelled first"] += 1
    print(f"\ngate vs cancel on {race.url.split(':')[0]}: {dict(outcomes)}")


def _on_a_host_whose_clock_is_off(race: Race, offset: str, *args: str) -> Any:
    """``cinema ARGS`` in a process whose clock is ``offset`` off (libfaketime), no CINEMA_NOW.

    The library is preloaded directly rather than through the ``faketime`` wrapper, whose
    named semaphores, left behind by killed processes, make a later run with a reused process
    id fail with "sem_open: File exists".
    """
    libraries = sorted(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))
    if not libraries:
        reason = "needs libfaketime (apt-get install faketime)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI {reason}", pytrace=False)
        pytest.skip(reason)
    env = {**os.environ, **race.env, "NO_COLOR": "1"}
    env.pop("CINEMA_NOW", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.update(LD_PRELOAD=str(libraries[0]), FAKETIME=offset, FAKETIME_NO_CACHE="1")
    return subprocess.run(
        [sys.executable, "-m", "cinema_cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("+0", "+15m", id="a host ahead cannot take a live hold"),
        pytest.param("-15m", "+0", id="a host behind does not make holds that die early"),
    ],
)
def test_hosts_whose_clocks_disagree_judge_holds_by_the_database_clock(
    make_backend: Callable[[str], Backend], tmp_path: Path, first: str, second: str
) -> None:
    race = Race(make_backend("postgresql"), tmp_path)
    held = _on_a_host_whose_clock_is_off(
        race, first, "reserve", "race-0", "C3", "--session", "host-a", "--json"
    )
    assert held.returncode == 0, held.stderr

    taken = _on_a_host_whose_clock_is_off(
        race, second, "reserve", "race-0", "C3", "--session", "host-b", "--json"
    )

    assert taken.returncode == 4, taken.stdout
    assert json.loads(taken.stderr)["error"]["code"] == "seat_unavailable"
