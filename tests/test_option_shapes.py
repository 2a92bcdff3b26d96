"""A malformed command-line value is a usage error (exit 2) naming the option; the services
keep the same checks (exit 6 there, 422 over HTTP) for callers that are not the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

import builders
from booking_support import seed_catalog
from cinema_cli.cli.app import app
from cinema_cli.cli.options import check_session
from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services import reservations
from cinema_cli.storage.json import JsonStorage
from fakes import FakeStorage, MovableClock

GATE_41 = "g" * 41
BUY = ("--name", "Ada", "--email", "ada@example.com", "--card", "4242424242424242")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    storage = JsonStorage(folder)
    with storage.transaction() as tx:
        seed_catalog(tx)
    storage.close()
    return folder


@pytest.mark.parametrize(
    ("args", "option", "says"),
    [
        (["reserve", "sh-1", "--count", "2", "--category", "balcony"], "--category", "balcony"),
        (["reserve", "sh-1", "C7", "--session", "bad id!"], "--session", "not a session id"),
        (["reserve", "sh-1", "--count", "2", "--wheelchair", "-1"], "--wheelchair", "-1"),
        (["buy", "r-1", "--session", "bad id!", *BUY], "--session", "not a session id"),
        (
            ["buy", "r-1", "--session", "s-1", *BUY, "--idempotency-key", "a b"],
            "--idempotency-key",
            "printable ASCII",
        ),
        (["seats", "sh-1", "--session", "bad id!"], "--session", "not a session id"),
        (["checkin", "CODE", "--gate", GATE_41], "--gate", "1 to 40"),
        (["checkin", "CODE", "--gate", " "], "--gate", "1 to 40"),
        (["tokens", "create", "--role", "king", "--name", "x"], "--role", "king"),
        (["tokens", "create", "--role", "door", "--name", " "], "--name", "1 to 64"),
        (["db", "copy", "--from", "json", "--to", "foo://x"], "--to", "not a store"),
        (["db", "copy", "--from", "mysql://x", "--to", "sqlite:///c.db"], "--from", "not a store"),
    ],
)
def test_a_malformed_option_value_exits_2_naming_the_option(
    data_dir: Path, args: list[str], option: str, says: str
) -> None:
    runner = CliRunner()
    env = {"CINEMA_NOW": builders.utc_text(builders.NOW), "NO_COLOR": "1"}
    human = runner.invoke(app, ["--data-dir", str(data_dir), *args], env=env)
    assert human.exit_code == 2, human.output
    assert f"Invalid value for '{option}'" in human.stderr
    assert says in human.stderr
    assert "Traceback" not in human.output
    as_json = runner.invoke(app, ["--data-dir", str(data_dir), *args, "--json"], env=env)
    assert as_json.exit_code == 2, as_json.output
    error = json.loads(as_json.stderr)["error"]
    assert error["code"] == "usage"
    assert option in error["message"]


def test_more_seats_than_allowed_stays_invalid_data(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "reserve", "sh-1", "--count", "11", "--json"]
    )
    assert result.exit_code == 6
    assert json.loads(result.stderr)["error"]["code"] == "too_many_seats"


def test_the_service_still_refuses_a_bad_category_for_other_callers() -> None:
    with pytest.raises(InvalidInput, match="--category"):
        reservations.reserve(FakeStorage(), MovableClock(), "sh-1", count=2, category="balcony")


@example("s-1\n")
@example("a" * 64)
@example("a" * 65)
@given(st.text(max_size=70))
def test_the_cli_and_the_service_agree_on_session_ids(text: str) -> None:
    try:
        check_session(text)
        cli_accepts = True
    except Exception:
        cli_accepts = False
    service_refuses = False
    try:
        reservations.reserve(
            FakeStorage(), MovableClock(), "sh-none", seats=["C1"], session_id=text
        )
    except InvalidInput as error:
        service_refuses = str(error).startswith("--session")
    except Exception:  # past the session check: the showing does not exist
        service_refuses = False
    assert cli_accepts != service_refuses
