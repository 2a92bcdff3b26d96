"""`cinema seats ID --format svg`: the same drawing the web page shows, from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from builders import DEMO_NOW, utc_text
from cinema_cli.cli.app import app

NOW = utc_text(DEMO_NOW)
SHOWING = "berlin-mitte-saal1-20260512-1515"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("svg-data")
    loaded = CliRunner().invoke(app, ["--data-dir", str(folder), "demo"], env={"CINEMA_NOW": NOW})
    assert loaded.exit_code == 0, loaded.output
    return folder


def test_seats_format_svg_draws_every_seat_with_its_status(data_dir: Path) -> None:
    held = CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), "reserve", SHOWING, "C7", "C8"],
        env={"CINEMA_NOW": NOW},
    )
    assert held.exit_code == 0, held.output
    result = CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), "seats", SHOWING, "--format", "svg"],
        env={"CINEMA_NOW": NOW},
    )
    assert result.exit_code == 0, result.output
    svg = ElementTree.fromstring(result.stdout)
    assert svg.tag.endswith("svg")
    status = {
        element.get("data-seat"): element.get("class", "")
        for element in svg.iter()
        if element.get("data-seat")
    }
    seats = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "seats", SHOWING, "--json"], env={"CINEMA_NOW": NOW}
    )
    assert len(status) == len(json.loads(seats.stdout)["seats"])
    assert "s-held" in status["C7"]
    assert "s-held" in status["C8"]
    assert "s-available" in status["C9"]


def test_an_unknown_format_is_a_usage_error_naming_the_option(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "seats", SHOWING, "--format", "png"]
    )
    assert result.exit_code == 2
    assert "--format" in result.stderr
