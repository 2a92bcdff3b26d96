"""`cinema import` and `cinema export` as a user and cron run them, on the JSON backend."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.domain.models import SeatCategory
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.json import JsonStorage

ROOT = Path(__file__).parent.parent
CATALOG = Path(__file__).parent / "data" / "imports-theaters.json"
EXAMPLES = [ROOT / "fixtures" / f"showtimes-example.{ext}" for ext in ("csv", "json", "jsonl")]
HEADER = "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
runner = CliRunner()


def cinema(
    data_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real program, as cron would: no TTY, plain pipes."""
    env = {**os.environ, "CINEMA_DATA_DIR": str(data_dir)}
    env.pop("NO_COLOR", None)  # cron sets no NO_COLOR: a missing TTY alone must keep colour off
    return subprocess.run(
        [sys.executable, "-m", "cinema_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def invoke(data_dir: Path, *args: str) -> object:
    return runner.invoke(app, ["--data-dir", str(data_dir), *args])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    result = runner.invoke(
        app, ["--data-dir", str(folder), "import", "theaters", str(CATALOG), "-q"]
    )
    assert result.exit_code == 0, result.output
    return folder


def mtimes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


def showing_ids(folder: Path) -> set[str]:
    storage = JsonStorage(folder)
    try:
        return {s.id for s in storage.showings(ShowingQuery(include_cancelled=True))}
    finally:
        storage.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.suffix)
def test_the_example_feed_imported_twice_changes_nothing_the_second_time(
    data_dir: Path, example: Path
) -> None:
    first = runner.invoke(
        app, ["--data-dir", str(data_dir), "import", "showtimes", str(example), "--json"]
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 8
    before = mtimes(data_dir)
    second = runner.invoke(
        app, ["--data-dir", str(data_dir), "import", "showtimes", str(example), "--json"]
    )
    report = json.loads(second.stdout)
    assert (report["unchanged"], report["created"], report["updated"], report["written"]) == (
        8,
        0,
        0,
        False,
    )
    assert mtimes(data_dir) == before  # not one data file was rewritten


def test_the_three_example_formats_describe_the_same_programme(data_dir: Path) -> None:
    runner.invoke(app, ["--data-dir", str(data_dir), "import", "showtimes", str(EXAMPLES[0]), "-q"])
    for example in EXAMPLES[1:]:
        result = runner.invoke(
            app, ["--data-dir", str(data_dir), "import", "showtimes", str(example), "--json"]
        )
        assert json.loads(result.stdout)["unchanged"] == 8


def _feed_with_three_bad_rows(folder: Path) -> Path:
    rows = []
    for n in range(60):
        day, slot = divmod(n, 4)
        rows.append(
            f"f{n},berlin-mitte,saal2,metropolis,2027-07-{day + 1:02d} {10 + 3 * slot:02d}:00,9.50"
        )
    rows[15] = "f15,berlin-mitte,saal2,metropolis,2026-02-30 19:00,9.50"  # line 17
    rows[38] = "f38,berlin-mitte,saal2,metropolis,2027-08-01 10:00,"  # line 40
    rows[50] = "f50,berlin-mitte,saal9,metropolis,2027-08-01 13:00,9.50"  # line 52
    path = folder / "bad.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_bad_rows_are_all_reported_with_exit_6_and_the_rest_lands_with_skip_invalid(
    data_dir: Path, tmp_path: Path
) -> None:
    feed = _feed_with_three_bad_rows(tmp_path)
    before = mtimes(data_dir)
    result = cinema(data_dir, "import", "showtimes", str(feed))
    assert result.returncode == 6
    assert 'line 17: starts_at: "2026-02-30 19:00" is not a valid date' in result.stderr
    assert "line 40: price: is empty" in result.stderr
    assert 'line 52: room_id: theater berlin-mitte has no room "saal9"' in result.stderr
    assert "Traceback" not in result.stderr
    assert mtimes(data_dir) == before

    as_json = cinema(data_dir, "import", "showtimes", str(feed), "--json")
    assert as_json.returncode == 6
    assert as_json.stdout == ""
    error = json.loads(as_json.stderr)["error"]
    assert error["code"] == "invalid_feed"
    assert [p["line"] for p in error["details"]["invalid"]] == [17, 40, 52]

    skipped = cinema(data_dir, "import", "showtimes", str(feed), "--skip-invalid", "--json")
    assert skipped.returncode == 0
    report = json.loads(skipped.stdout)
    assert (report["created"], len(report["invalid"])) == (57, 3)
    assert len(showing_ids(data_dir)) == 57


def test_a_cron_run_has_no_progress_bar_and_no_colour(data_dir: Path) -> None:
    result = cinema(data_dir, "import", "showtimes", str(EXAMPLES[0]))
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Imported showtimes from")


def test_quiet_prints_nothing_on_success(data_dir: Path) -> None:
    result = cinema(data_dir, "import", "showtimes", str(EXAMPLES[0]), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_feed_on_standard_input_is_read_as_csv(data_dir: Path) -> None:
    result = cinema(data_dir, "import", "showtimes", "-", "--json", stdin=EXAMPLES[0].read_text())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 8
    jsonl = cinema(
        data_dir,
        "import",
        "showtimes",
        "-",
        "--format",
        "jsonl",
        "--json",
        stdin=EXAMPLES[2].read_text(),
    )
    assert json.loads(jsonl.stdout)["unchanged"] == 8


def test_dry_run_writes_nothing(data_dir: Path) -> None:
    before = mtimes(data_dir)
    result = invoke(data_dir, "import", "showtimes", str(EXAMPLES[0]), "--dry-run")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert "Would import showtimes" in result.stdout  # type: ignore[attr-defined]
    assert mtimes(data_dir) == before


def test_usage_errors_name_the_argument(data_dir: Path, tmp_path: Path) -> None:
    missing = invoke(data_dir, "import", "showtimes", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2  # type: ignore[attr-defined]
    assert "nope.csv does not exist" in missing.output  # type: ignore[attr-defined]
    (tmp_path / "feed.txt").write_text(HEADER)
    unknown = invoke(data_dir, "import", "showtimes", str(tmp_path / "feed.txt"))
    assert unknown.exit_code == 2  # type: ignore[attr-defined]
    assert "--format" in unknown.output  # type: ignore[attr-defined]
    bad_date = invoke(data_dir, "export", "showtimes", "--from", "tomorrowish")
    assert bad_date.exit_code == 2  # type: ignore[attr-defined]


def test_prune_of_an_unknown_theater_exits_3(data_dir: Path) -> None:
    result = invoke(data_dir, "import", "showtimes", str(EXAMPLES[0]), "--prune", "nowhere")
    assert result.exit_code == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_an_exported_programme_imports_back_unchanged(
    data_dir: Path, tmp_path: Path, fmt: str
) -> None:
    invoke(data_dir, "import", "showtimes", str(EXAMPLES[0]), "-q")
    out = tmp_path / f"programme.{fmt}"
    exported = invoke(data_dir, "export", "showtimes", "--output", str(out), "--json")
    assert exported.exit_code == 0, exported.output  # type: ignore[attr-defined]
    assert json.loads(exported.stdout) == {"exported": 8, "format": fmt, "output": str(out)}  # type: ignore[attr-defined]
    before = mtimes(data_dir)
    again = invoke(data_dir, "import", "showtimes", str(out), "--json")
    assert json.loads(again.stdout)["unchanged"] == 8  # type: ignore[attr-defined]
    assert mtimes(data_dir) == before


def test_export_to_stdout_filters_by_theater(data_dir: Path) -> None:
    invoke(data_dir, "import", "showtimes", str(EXAMPLES[0]), "-q")
    result = cinema(
        data_dir, "export", "showtimes", "--theater", "nyc-bleecker", "--format", "jsonl"
    )
    lines = result.stdout.splitlines()
    assert [json.loads(line)["showing_id"] for line in lines] == [
        "feed-nyc-0615-1",
        "feed-nyc-0615-2",
    ]


def test_a_theater_feed_may_shrink_a_room_with_no_tickets_sold(
    data_dir: Path, tmp_path: Path
) -> None:
    document = json.loads(CATALOG.read_text())
    document["theaters"][0]["rooms"][0]["layout"] = ["A ssss"]
    smaller = tmp_path / "smaller.json"
    smaller.write_text(json.dumps(document))
    # No tickets are sold: the new layout is accepted.
    assert invoke(data_dir, "import", "theaters", str(smaller), "--json").exit_code == 0  # type: ignore[attr-defined]


# --- kill -9 in the middle ----------------------------------------------------------------------
def _programme_feed(path: Path, rows: int, price: str) -> None:
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(rows):
            room = ("saal1", "saal2")[n % 2]
            day, slot = divmod(n // 2, 5)
            when = f"2028-{1 + day // 28:02d}-{1 + day % 28:02d}T{8 + 3 * slot:02d}:00:00Z"
            out.write(f"k{n},berlin-mitte,{room},nosferatu,{when},{price}\n")


def _prices(folder: Path) -> set[str]:
    storage = JsonStorage(folder)
    try:
        return {
            f"{s.prices[SeatCategory.STANDARD]:.2f}"
            for s in storage.showings(ShowingQuery(include_cancelled=True))
            if s.id.startswith("k")
        }
    finally:
        storage.close()


@pytest.mark.slow
def test_a_killed_import_leaves_the_old_or_the_new_programme(
    data_dir: Path, tmp_path: Path
) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    rows = 3000
    _programme_feed(old, rows, "9.00")
    _programme_feed(new, rows, "10.00")
    first = cinema(data_dir, "import", "showtimes", str(old), "-q")
    assert first.returncode == 0, first.stderr
    env = {**os.environ, "CINEMA_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    timed = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "import", "showtimes", str(new), "-q"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert timed.returncode == 0
    duration = time.monotonic() - started
    assert _prices(data_dir) == {"10.00"}
    seen = set()
    generator = random.Random(4)
    for attempt in range(8):
        feed = (old, new)[attempt % 2]  # alternate so that every kill has something to change
        process = subprocess.Popen(
            [sys.executable, "-m", "cinema_cli", "import", "showtimes", str(feed), "-q"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(generator.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        prices = _prices(data_dir)  # the next process to open the folder recovers it
        assert prices in ({"9.00"}, {"10.00"}), prices
        assert len(showing_ids(data_dir)) == rows
        seen.add(process.returncode)
        # put the folder back in a known state for the next round
        settle = cinema(data_dir, "import", "showtimes", str((new, old)[attempt % 2]), "-q")
        assert settle.returncode == 0, settle.stderr
        assert _prices(data_dir) == ({"10.00"}, {"9.00"})[attempt % 2]
    assert -signal.SIGKILL in seen  # at least one import really died mid-way


def test_a_feed_whose_every_row_is_invalid_exits_6_even_with_skip_invalid(
    data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "cron.csv"
    feed.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
        "x1,nowhere,saal1,metropolis,2027-11-25 19:00,9.50\n"
        "x2,nowhere,saal1,metropolis,2027-11-26 19:00,9.50\n"
    )
    result = cinema(data_dir, "import", "showtimes", str(feed), "--skip-invalid", "--json")
    assert result.returncode == 6, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_feed"
    assert "all 2 rows are invalid" in error["message"]
    assert error["details"]["storage"] == f"json://{data_dir.resolve()}"
    human = cinema(data_dir, "import", "showtimes", str(feed), "--skip-invalid")
    assert human.returncode == 6
    assert "cinema import showtimes" in human.stderr


def test_every_import_report_names_its_storage(data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "ok.csv"
    feed.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
        "ok1,berlin-mitte,saal1,metropolis,2027-11-25 19:00,9.50\n"
    )
    report = json.loads(cinema(data_dir, "import", "showtimes", str(feed), "--json").stdout)
    assert report["storage"] == f"json://{data_dir.resolve()}"
    human = cinema(data_dir, "import", "showtimes", str(feed), "--dry-run")
    assert f"Storage: json://{data_dir.resolve()}" in human.stdout


def test_a_dry_run_with_invalid_rows_also_shows_what_would_change(
    data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "mixed.csv"
    feed.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
        "new1,berlin-mitte,saal1,metropolis,2027-11-25 19:00,9.50\n"
        "bad1,berlin-mitte,saal1,metropolis,2026-02-30 19:00,9.50\n"
    )
    result = cinema(data_dir, "import", "showtimes", str(feed), "--dry-run")
    assert result.returncode == 6
    assert "Would import showtimes" in result.stdout
    assert "1 created" in result.stdout
    assert "created: new1 (line 2)" in result.stdout
    assert "line 3: starts_at" in result.stderr


def test_a_layout_refusal_hints_a_command_that_import_theaters_has(data_dir: Path) -> None:
    from cinema_cli.services.imports.report import ImportReport, seats_in_use

    error = seats_in_use(ImportReport(), "feed.json", ["x"], theaters=True)
    hint = error.details["hint"]
    assert "--skip-invalid" not in hint
    assert "`cinema import theaters feed.json`" in hint


def test_skipped_rows_are_counted_as_rows_when_a_row_has_several_problems(
    data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "two-problems.csv"
    feed.write_text(
        "showing_id,theater_id,room_id,movie_id,starts_at,price\n"
        "ok1,berlin-mitte,saal1,metropolis,2027-11-25 19:00,9.50\n"
        "bad1,berlin-mitte,saal1,metropolis,2026-02-30 19:00,\n"
    )
    result = cinema(data_dir, "import", "showtimes", str(feed), "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "1 created" in result.stdout
    assert "1 invalid row (2 problems), 0 refused." in result.stdout
    assert "Invalid rows, skipped (1 row, 2 problems):" in result.stdout
