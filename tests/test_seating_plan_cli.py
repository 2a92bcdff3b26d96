"""`cinema import|export seating-plan` as a user runs them, on the JSON backend."""

from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cinema_cli.cli.app import app
from schema_support import assert_shape

DATA = Path(__file__).parent / "data"
CATALOG = DATA / "imports-theaters.json"
KANAL = DATA / "seating-plan-kino.json"
MAPPING = [
    "--category",
    "Parkett=standard",
    "--category",
    "Loge=premium",
    "--category",
    "Rollstuhl=wheelchair",
    "--category",
    "Begleitung=companion",
]
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    result = runner.invoke(
        app, ["--data-dir", str(folder), "import", "theaters", str(CATALOG), "-q"]
    )
    assert result.exit_code == 0, result.output
    return folder


def invoke(data_dir: Path, *args: str) -> Result:
    return runner.invoke(app, ["--data-dir", str(data_dir), *args])


def first_theater_and_room() -> tuple[str, str]:
    catalog = json.loads(CATALOG.read_text())
    theater = catalog["theaters"][0]
    return theater["id"], theater["rooms"][0]["id"]


def test_import_then_export_through_the_cli(data_dir: Path, tmp_path: Path) -> None:
    theater, _ = first_theater_and_room()
    result = invoke(data_dir, "import", "seating-plan", theater, "kanal", str(KANAL), *MAPPING)
    assert result.exit_code == 0, result.output
    assert "a new room, 12 seats in 3 rows" in result.output
    assert "Warning: row C" in result.output
    again = invoke(
        data_dir, "import", "seating-plan", theater, "kanal", str(KANAL), *MAPPING, "--json"
    )
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert_shape("import_seating_plan", report)
    assert (report["outcome"], report["written"]) == ("unchanged", False)
    assert report["layout"] == ["A wc.sss", "B ss.sss", "C ...pp"]

    out = tmp_path / "kanal.json"
    exported = invoke(
        data_dir, "export", "seating-plan", theater, "kanal", "-o", str(out), "--json"
    )
    assert exported.exit_code == 0, exported.output
    assert_shape("export_seating_plan", json.loads(exported.stdout))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    plan = json.loads(out.read_text())
    assert plan["name"] == "Kino am Kanal"
    stdout = invoke(data_dir, "export", "seating-plan", theater, "kanal")
    assert json.loads(stdout.stdout) == plan
    # Our own export needs no mapping: its categories are ours.
    back = invoke(data_dir, "import", "seating-plan", theater, "kanal", str(out), "--json")
    assert json.loads(back.stdout)["outcome"] == "unchanged"


def test_an_unmapped_category_exits_6_with_a_hint_that_runs(data_dir: Path) -> None:
    theater, _ = first_theater_and_room()
    result = invoke(data_dir, "import", "seating-plan", theater, "kanal", str(KANAL), "--json")
    assert result.exit_code == 6
    error = json.loads(result.stderr)
    assert_shape("error", error)
    hint = error["error"]["details"]["hint"]
    assert hint.startswith(f"cinema import seating-plan {theater} kanal {KANAL} ")
    assert "--category Parkett=standard" in hint
    rerun = invoke(data_dir, *shlex.split(hint)[1:])
    assert rerun.exit_code == 0, rerun.output


def test_unknown_theater_room_or_bad_option_are_clear(data_dir: Path) -> None:
    theater, _ = first_theater_and_room()
    missing = invoke(data_dir, "export", "seating-plan", "nowhere", "r1")
    assert missing.exit_code == 3
    no_room = invoke(data_dir, "export", "seating-plan", theater, "nope")
    assert no_room.exit_code == 3
    assert "has no room 'nope'" in no_room.output
    bad = invoke(data_dir, "import", "seating-plan", theater, "r1", str(KANAL), "--category", "x")
    assert bad.exit_code == 2
    absent = invoke(data_dir, "import", "seating-plan", theater, "r1", "no-such-plan.json")
    assert absent.exit_code == 2


def test_a_room_drawn_with_trailing_gaps_round_trips_as_unchanged(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "demo"
    assert invoke(data_dir, "demo", "--json").exit_code == 0
    out = tmp_path / "saal1.json"
    assert invoke(data_dir, "export", "seating-plan", "berlin-mitte", "saal1", "-o", str(out))
    back = invoke(data_dir, "import", "seating-plan", "berlin-mitte", "saal1", str(out), "--json")
    assert back.exit_code == 0, back.output
    assert (json.loads(back.stdout)["outcome"], json.loads(back.stdout)["written"]) == (
        "unchanged",
        False,
    )
