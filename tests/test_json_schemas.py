"""Every browsing and booking command's real ``--json`` output matches its published schema.

The commands run through Typer's runner on the real JSON backend, in the order a person
would: demo, browse, reserve, buy, look up. ``cinema schema`` prints the same schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.present.schemas import SCHEMAS, json_schema
from schema_support import assert_shape

NOW = "2026-05-11T10:00:00Z"
CARD = "4242424242424242"


def cinema(data_dir: Path, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), *args],
        input=input,
        env={"CINEMA_NOW": NOW, "NO_COLOR": "1"},
    )


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real ``--json`` document per case, from one data folder."""
    data_dir = tmp_path_factory.mktemp("cinema-data")
    docs: dict[str, Any] = {}
    docs["demo, first run"] = as_json(cinema(data_dir, "demo", "--json"))
    docs["demo, again"] = as_json(cinema(data_dir, "demo", "--json"))
    showing = docs["demo, first run"]["example_showing"]
    docs["theaters"] = as_json(cinema(data_dir, "theaters", "--json"))
    docs["search"] = as_json(cinema(data_dir, "search", "metro", "--json"))
    docs["search, nothing"] = as_json(cinema(data_dir, "search", "no such title", "--json"))
    docs["showtimes"] = as_json(cinema(data_dir, "showtimes", "metropolis", "--json"))
    docs["seats"] = as_json(cinema(data_dir, "seats", showing, "--json"))
    held = as_json(cinema(data_dir, "reserve", showing, "--count", "2", "--json"))
    docs["reserve"] = held
    session = held["session_id"]
    docs["seats, with a session"] = as_json(
        cinema(data_dir, "seats", showing, "--session", session, "--json")
    )
    buy = [
        "buy",
        held["reservation_id"],
        "--session",
        session,
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--card",
        "-",
        "--json",
    ]
    docs["buy"] = as_json(cinema(data_dir, *buy, input=CARD + "\n"))
    docs["buy, replayed"] = as_json(cinema(data_dir, *buy, input=CARD + "\n"))
    booking_id = docs["buy"]["booking_id"]
    docs["booking"] = as_json(cinema(data_dir, "booking", booking_id, "--json"))
    docs["bookings"] = as_json(cinema(data_dir, "bookings", "--email", "ada@example.com", "--json"))
    docs["bookings, none"] = as_json(
        cinema(data_dir, "bookings", "--email", "nobody@example.com", "--json")
    )
    docs["schema list"] = as_json(cinema(data_dir, "schema", "--json"))
    docs["data_dir"] = data_dir
    return docs


CASES = [
    ("demo, first run", "demo"),
    ("demo, again", "demo"),
    ("theaters", "theaters"),
    ("search", "search"),
    ("search, nothing", "search"),
    ("showtimes", "showtimes"),
    ("seats", "seats"),
    ("seats, with a session", "seats"),
    ("reserve", "reservation"),
    ("buy", "purchase"),
    ("buy, replayed", "purchase"),
    ("booking", "booking"),
    ("bookings", "bookings"),
    ("bookings, none", "bookings"),
    ("schema list", "schemas"),
]


@pytest.mark.parametrize(("case", "shape"), CASES, ids=[case for case, _ in CASES])
def test_the_output_matches_its_schema(documents: dict[str, Any], case: str, shape: str) -> None:
    assert_shape(shape, documents[case])


def test_the_shared_shapes_match_where_they_appear(documents: dict[str, Any]) -> None:
    for showing in documents["search"]["movies"][0]["showings"]:
        assert_shape("showing", showing)
    assert_shape("showing", documents["seats"]["showing"])
    assert_shape("showing", documents["booking"]["showing"])
    for theater in documents["theaters"]["theaters"]:
        assert_shape("theater", theater)


def test_the_cases_cover_real_content(documents: dict[str, Any]) -> None:
    # A schema check over empty lists would prove little: the documents hold real rows.
    assert documents["search"]["count"] > 0
    assert documents["showtimes"]["count"] > 0
    assert documents["demo, first run"]["booked"] is True
    assert "replayed" in documents["demo, first run"]["booking"]
    assert documents["demo, again"]["booking"] is not None
    assert "replayed" not in documents["demo, again"]["booking"]
    assert documents["seats, with a session"]["held_by_session"]
    assert documents["buy, replayed"]["replayed"] is True
    assert len(documents["bookings"]["bookings"]) == 1
    assert documents["booking"]["tickets"][0]["qr_png"] is not None


def test_a_document_that_drifts_from_its_schema_fails(documents: dict[str, Any]) -> None:
    drifted = {**documents["reserve"], "surprise": 1}
    del drifted["total"]
    with pytest.raises(AssertionError, match="surprise"):
        assert_shape("reservation", drifted)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_published_schema_is_a_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(json_schema(name))


@pytest.mark.parametrize(
    "args",
    [
        ["seats", "nope"],
        ["reserve", "nope", "C1"],
        ["booking", "b-000000000000"],
        ["bookings", "--email", "not an address"],
        [
            "buy",
            "r-nope",
            "--session",
            "s",
            "--name",
            "A",
            "--email",
            "a@b.example",
            "--card",
            CARD,
        ],
        ["search", "--city", "Atlantis"],
        ["search", "--date", "2026-13-45"],
        ["schema", "nope"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_errors_with_json_match_the_error_schema(
    documents: dict[str, Any], args: list[str]
) -> None:
    result = cinema(documents["data_dir"], *args, "--json")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert_shape("error", json.loads(result.stderr))


def test_schema_prints_the_json_schema_of_a_shape(tmp_path: Path) -> None:
    printed = as_json(cinema(tmp_path, "schema", "booking"))
    assert printed == json_schema("booking")
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"booking_id", "showing", "tickets"} <= set(printed["properties"])


def test_schema_without_a_name_lists_every_shape(tmp_path: Path) -> None:
    result = cinema(tmp_path, "schema")
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines()[: len(SCHEMAS)]]
    assert listed == list(SCHEMAS)
    names = [entry["name"] for entry in as_json(cinema(tmp_path, "schema", "--json"))["schemas"]]
    assert names == list(SCHEMAS)


def test_an_unknown_schema_is_a_usage_error_listing_the_names(tmp_path: Path) -> None:
    result = cinema(tmp_path, "schema", "nope")
    assert result.exit_code == 2
    assert "NAME" in result.stderr
    assert "'nope'" in result.stderr
    assert "booking" in result.stderr
    assert "seats" in result.stderr
    assert result.stdout == ""
