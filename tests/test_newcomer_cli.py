"""Rough edges a new user met at a terminal, each checked through the CLI (JSON backend)."""

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
    return result


def buy(*seats: str) -> dict[str, Any]:
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


def test_admit_names_the_room_not_its_id(data: Path) -> None:
    sold = buy("B3")
    admitted = cli("checkin", sold["tickets"][0]["code"], now=DOORS_OPEN).stdout
    assert "Saal 1" in admitted
    assert "saal-1" not in admitted


def test_booking_shows_the_confirmation_and_marks_cancelled_codes(data: Path) -> None:
    sold = buy("B3", "B4")
    cli("cancel", sold["booking_id"], "--tickets", "B4", now=NOW + timedelta(minutes=5))
    shown = cli("booking", sold["booking_id"]).stdout
    assert f"Confirmation: {sold['confirmation_eml']}" in shown
    kept, gone = sold["tickets"]
    assert f"  B3: {kept['code']}" in shown
    assert f"  B4 (cancelled, does not admit): {gone['code']}" in shown


@pytest.mark.parametrize("moment", ["started", "ended"])
def test_seats_of_a_past_showing_say_it_is_no_longer_on_sale(data: Path, moment: str) -> None:
    when = SHOW_STARTS + timedelta(minutes=1 if moment == "started" else 60 * 5)
    shown = cli("seats", "s1", now=when).stdout
    assert "No longer on sale" in shown
    assert f"{moment} " in shown
    assert "seats available" not in shown
    assert "seats available" in cli("seats", "s1").stdout


def test_global_options_work_before_and_after_the_command(data: Path, tmp_path: Path) -> None:
    assert cli("--json", "search", "metro")["movies"]
    before = cli("--json", "seats", "s1")
    assert before["showing"]["id"] == "s1"
    elsewhere = tmp_path / "elsewhere"
    assert "No theaters" in cli("theaters", "--data-dir", str(elsewhere)).stdout
    assert "No theaters" in cli("theaters", f"--data-dir={elsewhere}", "--debug").stdout


def test_reorder_keeps_values_and_everything_after_a_double_dash() -> None:
    from cinema_cli.cli.global_options import reorder

    assert reorder(["--json", "db", "status"]) == ["db", "status", "--json"]
    assert reorder(["search", "--data-dir", "--json"]) == ["--data-dir", "--json", "search"]
    assert reorder(["checkin", "--", "--debug"]) == ["checkin", "--", "--debug"]
    assert reorder(["--version"]) == ["--version"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("reserve", "s1", "--count", "0"), "--count"),
        (("log", "--limit", "-1"), "--limit"),
        (("log", "--limit", "0"), "--limit"),
        (("search", "--limit", "-1"), "--limit"),
        (("search", "--after", "25:99"), "--after"),
    ],
)
def test_out_of_range_option_values_are_usage_errors_naming_the_option(
    data: Path, args: tuple[str, ...], option: str
) -> None:
    result = cli(*args, code=2)
    assert option in result.stderr


def test_theaters_at_80_columns_cut_no_id_or_name(data: Path) -> None:
    from rich.console import Console

    from cinema_cli.cli.render_catalog import render_theaters
    from cinema_cli.services.catalog import list_theaters

    storage = JsonStorage(data)
    console = Console(width=30, record=True, color_system=None)
    render_theaters(console, list_theaters(storage))
    text = console.export_text()
    assert "…" not in text
    assert "babylon" in text
    assert "Babylon" in text
    assert "Europe/Berlin" in text


def test_a_seat_map_wider_than_the_terminal_says_how_wide_it_must_be(data: Path) -> None:
    from rich.console import Console

    from builders import NOW as now
    from cinema_cli.cli.render_catalog import render_seat_map
    from cinema_cli.services.seats import seat_map

    storage = JsonStorage(data)
    console = Console(width=12, record=True, color_system=None, force_terminal=True)
    render_seat_map(console, seat_map(storage, lambda: now, "s1"))
    text = " ".join(console.export_text().split())
    assert "The seat map needs a terminal 32 columns wide" in text
    assert "cinema seats s1 --json" in text


def _run_on_a_terminal(args: list[str], env: dict[str, str], typed: str) -> tuple[int, str]:
    """Run ``python -m cinema_cli ARGS`` with a pseudo-terminal as its controlling terminal,
    type ``typed`` once it prompts, and return its exit code and everything it showed."""
    import os
    import pty
    import sys

    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.execve(sys.executable, [sys.executable, "-m", "cinema_cli", *args], env)
    import select
    import signal

    shown = b""
    typed_yet = False
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:  # silent for 30 s: it waits for input it never asked for
            os.kill(pid, signal.SIGKILL)
            break
        try:
            chunk = os.read(master, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if not typed_yet and b"Card number" in shown:
            os.write(master, typed.encode() + b"\n")
            typed_yet = True
    _, status = os.waitpid(pid, 0)
    os.close(master)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_card_dash_at_a_terminal_prompts_and_hides_the_number(data: Path) -> None:
    import os

    held = cli("reserve", "s1", "B5", "--json")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "CINEMA_DATA_DIR": str(data),
        "CINEMA_NOW": NOW.isoformat(),
        "NO_COLOR": "1",
    }
    args = ["buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada"]
    args += ["--email", "ada@example.org", "--card", "-"]
    code, shown = _run_on_a_terminal(args, env, "4242424242424242")
    assert code == 0, shown
    assert "Card number (hidden):" in shown
    assert "4242424242424242" not in shown
    assert "Booking b-" in shown


def test_card_dash_off_a_terminal_reads_standard_input(data: Path) -> None:
    held = cli("reserve", "s1", "B5", "--json")
    result = runner.invoke(
        app,
        [
            *("buy", held["reservation_id"], "--session", held["session_id"], "--name", "Ada"),
            *("--email", "ada@example.org", "--card", "-", "--json"),
        ],
        input="4242424242424242\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "Card number" not in result.stderr


def test_a_taken_seat_says_sold_or_held_until_when_and_what_runs_next(data: Path) -> None:
    buy("B3")
    cli("reserve", "s1", "C5", "--session", "s-other")
    refused = cli("reserve", "s1", "B3", "C5", code=4)
    assert "B3 (sold)" in refused.stderr
    assert "C5 (held until Tue 24 Nov 2026 13:10 CET)" in refused.stderr
    assert "`cinema seats s1`" in refused.stderr
    assert "SHOWING_ID" not in refused.stderr
    unknown = cli("reserve", "s1", "Z99", code=3)
    assert "`cinema seats s1`" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "typo", "meant"),
    [
        (("showtimes",), "metropolsi", "metropolis"),
        (("search", "--theater"), "babylom", "babylon"),
    ],
)
def test_a_one_character_typo_in_an_id_gets_did_you_mean(
    data: Path, args: tuple[str, ...], typo: str, meant: str
) -> None:
    result = cli(*args, typo, code=3)
    assert f"did you mean '{meant}'?" in result.stderr


def test_a_one_character_typo_in_a_booking_or_showing_id_gets_did_you_mean(data: Path) -> None:
    booking_id = buy("B3")["booking_id"]
    typo = booking_id[:-1] + ("0" if booking_id[-1] != "0" else "1")
    for args in (("booking", typo), ("cancel", typo), ("log", "--booking", typo)):
        result = cli(*args, code=3)
        assert f"did you mean '{booking_id}'?" in result.stderr, args


def test_did_you_mean_lists_the_closest_ids() -> None:
    from cinema_cli.services.explain import did_you_mean

    known = ["berlin-mitte-saal1-1515", "berlin-mitte-saal1-1615", "tokyo-shibuya-s1-1230"]
    assert did_you_mean("berlin-mitte-saal1-151", known) == (
        "did you mean 'berlin-mitte-saal1-1515' or 'berlin-mitte-saal1-1615'?"
    )
    assert did_you_mean("nothing-like-it", known) is None


def test_three_slashes_to_an_existing_absolute_folder_hint_at_four(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "abs"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    url = f"sqlite://{folder}/x.db"  # three slashes: relative to the working folder
    result = cli("--storage", url, "theaters", code=7)
    assert (
        f"Hint: did you mean sqlite:///{folder}/x.db (four slashes for an absolute path)?"
        in result.stderr
    )
    assert not (folder / "x.db").exists()
    nowhere = cli("--storage", "sqlite:///no/such/place.db", "theaters", code=7)
    assert "four slashes" not in nowhere.stderr


def test_a_one_character_typo_in_a_showing_id_gets_did_you_mean(data: Path) -> None:
    from builders import showing

    storage = JsonStorage(data)
    with storage.transaction() as tx:
        tx.put_showings([showing("babylon-saal1-20261124-1900", starts_at=SHOW_STARTS)])
    storage.close()
    for command in (("seats",), ("reserve", "--count", "1")):
        result = cli(*command, "babylon-saal1-20261124-1800", code=3)
        assert "did you mean 'babylon-saal1-20261124-1900'?" in result.stderr, command
