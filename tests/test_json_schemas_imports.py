"""Real ``--json`` output of ``import showtimes|theaters`` and ``export showtimes`` matches
the published schemas, every optional part included (invalid rows, refusals, --prune)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from schema_support import assert_shape

ROOT = Path(__file__).parent.parent
CATALOG = Path(__file__).parent / "data" / "imports-theaters.json"
EXAMPLE = ROOT / "fixtures" / "showtimes-example.csv"
HEADER = "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
NOW = "2027-06-01T09:00:00+00:00"
runner = CliRunner()


def cinema(data_dir: Path, *args: str) -> Any:
    return runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"CINEMA_NOW": NOW})


def stdout_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def error_json(result: Any, exit_code: int) -> dict[str, Any]:
    assert result.exit_code == exit_code, result.output
    document: dict[str, Any] = json.loads(result.stderr)
    assert_shape("error", document)
    body: dict[str, Any] = document["error"]
    return body


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    assert_shape(
        "import_theaters", stdout_json(cinema(folder, "import", "theaters", str(CATALOG), "--json"))
    )
    return folder


def test_import_theaters_json_matches_its_schema_on_a_dry_run_too(data_dir: Path) -> None:
    again = stdout_json(cinema(data_dir, "import", "theaters", str(CATALOG), "--json"))
    assert again["unchanged"] > 0
    assert again["by_kind"]["theaters"]["unchanged"] == 3
    assert_shape("import_theaters", again)
    dry = stdout_json(cinema(data_dir, "import", "theaters", str(CATALOG), "--dry-run", "--json"))
    assert dry["dry_run"] is True
    assert_shape("import_theaters", dry)


def test_import_showtimes_json_matches_its_schema_written_and_dry_run(data_dir: Path) -> None:
    dry = stdout_json(cinema(data_dir, "import", "showtimes", str(EXAMPLE), "--dry-run", "--json"))
    assert (dry["created"], dry["dry_run"], dry["written"]) == (8, True, False)
    assert_shape("import_showtimes", dry)
    report = stdout_json(cinema(data_dir, "import", "showtimes", str(EXAMPLE), "--json"))
    assert (report["created"], report["written"]) == (8, True)
    assert report["by_kind"] == {"movies": {"created": 1}}
    assert_shape("import_showtimes", report)


def test_skipped_invalid_rows_match_the_schema_with_lines_and_records(
    data_dir: Path, tmp_path: Path
) -> None:
    csv_feed = tmp_path / "bad.csv"
    csv_feed.write_text(
        HEADER
        + "g1,berlin-mitte,saal2,metropolis,2027-07-01 10:00,9.50\n"
        + "g2,berlin-mitte,saal2,metropolis,2026-02-30 19:00,9.50\n"
    )
    report = stdout_json(
        cinema(data_dir, "import", "showtimes", str(csv_feed), "--skip-invalid", "--json")
    )
    assert (report["created"], report["invalid"][0]["line"]) == (1, 3)
    assert_shape("import_showtimes", report)

    json_feed = tmp_path / "bad.json"
    json_feed.write_text(
        json.dumps(
            {
                "showtimes": [
                    {
                        "showing_id": "g1",
                        "theater_id": "berlin-mitte",
                        "room_id": "saal2",
                        "movie_id": "metropolis",
                        "starts_at": "2027-07-01 10:00",
                        "price": "10.50",
                    },
                    {"showing_id": "g3", "theater_id": "nowhere"},
                ]
            }
        )
    )
    report = stdout_json(
        cinema(data_dir, "import", "showtimes", str(json_feed), "--skip-invalid", "--json")
    )
    assert report["first"]["updated"] == [
        {"line": None, "showing_id": "g1", "record": "showtimes[0]", "changed": ["prices"]}
    ]
    assert {problem["record"] for problem in report["invalid"]} == {"showtimes[1]"}
    assert_shape("import_showtimes", report)


def test_an_invalid_feed_error_carries_the_report_in_its_details(
    data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "bad.csv"
    feed.write_text(HEADER + "g2,berlin-mitte,saal2,metropolis,2026-02-30 19:00,9.50\n")
    error = error_json(cinema(data_dir, "import", "showtimes", str(feed), "--json"), 6)
    details = dict(error["details"])
    assert details.pop("hint") == (
        "fix the rows, or import the valid ones with "
        f"`cinema import showtimes {feed} --skip-invalid`"
    )
    assert [problem["line"] for problem in details["invalid"]] == [2]
    assert_shape("import_showtimes", details)


def test_refused_and_kept_showings_match_the_schema(data_dir: Path, tmp_path: Path) -> None:
    stdout_json(cinema(data_dir, "import", "showtimes", str(EXAMPLE), "--json"))
    held = cinema(data_dir, "reserve", "feed-mitte-0615-1", "C7", "--session", "s-ada", "--json")
    assert held.exit_code == 0, held.output
    feed = tmp_path / "moved.csv"
    feed.write_text(
        HEADER
        + "feed-mitte-0615-1,berlin-mitte,saal2,metropolis,2027-06-15 10:00,11.50\n"
        + "feed-mitte-0615-3,berlin-mitte,saal2,the-general,2027-06-15 18:00,9.50\n"
    )
    refused = stdout_json(
        cinema(data_dir, "import", "showtimes", str(feed), "--skip-invalid", "--json")
    )
    assert [row["showing_id"] for row in refused["refused"]] == ["feed-mitte-0615-1"]
    assert_shape("import_showtimes", refused)

    only_one = tmp_path / "one.csv"
    only_one.write_text(
        HEADER + "feed-mitte-0615-3,berlin-mitte,saal2,the-general,2027-06-15 18:00,9.50\n"
    )
    pruned = stdout_json(
        cinema(data_dir, "import", "showtimes", str(only_one), "--prune", "berlin-mitte", "--json")
    )
    assert [row["showing_id"] for row in pruned["kept"]] == ["feed-mitte-0615-1"]
    assert pruned["first"]["cancelled"] == [
        {"line": None, "showing_id": "feed-mitte-0615-2", "changed": ["status"]}
    ]
    assert_shape("import_showtimes", pruned)


def test_a_layout_dropping_a_held_seat_is_refused_with_the_report_in_the_details(
    data_dir: Path, tmp_path: Path
) -> None:
    stdout_json(cinema(data_dir, "import", "showtimes", str(EXAMPLE), "--json"))
    held = cinema(data_dir, "reserve", "feed-mitte-0615-1", "A3", "--session", "s-ada", "--json")
    assert held.exit_code == 0, held.output
    catalog = json.loads(CATALOG.read_text())
    saal1 = catalog["theaters"][0]["rooms"][0]
    saal1["layout"] = saal1["layout"][1:]  # row A goes
    feed = tmp_path / "theaters.json"
    feed.write_text(json.dumps(catalog))
    error = error_json(cinema(data_dir, "import", "theaters", str(feed), "--json"), 4)
    details = dict(error["details"])
    assert details.pop("hint")
    assert details["refused"][0]["seats"] == ["A3"]
    assert_shape("import_theaters", details)


def test_export_json_matches_its_schema(data_dir: Path, tmp_path: Path) -> None:
    stdout_json(cinema(data_dir, "import", "showtimes", str(EXAMPLE), "--json"))
    output = tmp_path / "programme.jsonl"
    result = stdout_json(cinema(data_dir, "export", "showtimes", "-o", str(output), "--json"))
    assert result == {"exported": 8, "format": "jsonl", "output": str(output)}
    assert_shape("export_showtimes", result)
