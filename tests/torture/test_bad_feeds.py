"""Bad feeds: hostile showtimes and theaters feeds never crash an import, and a refused
import writes nothing.

Hypothesis writes feeds mixing good rows with random bytes, huge fields, wrong
encodings (Latin-1, UTF-16, a BOM), CR/LF mixes, NaN/negative/huge prices and dates
out of range (or that do not exist in the theater's zone), and imports them through
the CLI. Every import ends with a documented exit code and no traceback; when it is
refused (exit != 0) the data folder is byte-for-byte unchanged; and the data always
loads with every invariant intact afterwards.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torture_kit import Tally, audit_store
from typer.testing import CliRunner
from workload import NOW, ROOM, THEATER, stock

from cinema_cli.cli.app import app

DOCUMENTED_EXIT_CODES = {0, 2, 3, 4, 5, 6, 7}
HEADER = [
    "showing_id",
    "theater_id",
    "room_id",
    "movie_id",
    "starts_at",
    "price",
    "movie_title",
    "runtime_minutes",
    "price_premium",
    "format",
]

texts = st.text(max_size=30)
huge = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["x", "é", "💺", "a,b"]),
    st.integers(10_000, 200_000),
)
ids = st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{0,12}\Z"), texts, huge)
starts = st.one_of(
    st.datetimes(
        min_value=NOW.replace(tzinfo=None), max_value=NOW.replace(tzinfo=None, year=2031)
    ).map(lambda d: d.isoformat(timespec="minutes")),
    st.sampled_from(
        [
            "2026-02-30 19:00",
            "2030-13-01T10:00",
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "2030-03-31T02:30",
            "2030-10-27T02:30",
            "1969-12-31T23:59:59Z",
            "yesterday",
            "2030-01-20T10:00:00+25:00",
            "2030-01-20T10:00:00.123456789Z",
            "",
        ]
    ),
    texts,
)
prices = st.one_of(
    st.decimals(min_value=0, max_value=500, places=2).map(str),
    st.sampled_from(
        [
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "-1",
            "-0.01",
            "1e309",
            "1e-400",
            "999999999999999999",
            "12,50",
            "€12",
            "0x10",
            "",
            " 12.5 ",
            "12.505",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    texts,
)


@st.composite
def showtime_rows(draw: st.DrawFn) -> list[str]:
    good = draw(st.booleans())
    return [
        draw(ids),
        THEATER if good or draw(st.booleans()) else draw(ids),
        ROOM if good or draw(st.booleans()) else draw(ids),
        "torture-movie" if draw(st.booleans()) else draw(ids),
        draw(starts),
        draw(prices),
        draw(st.one_of(st.just(""), texts, huge)),
        draw(st.one_of(st.just(""), st.integers(-5, 100_000).map(str), texts)),
        draw(prices) if draw(st.booleans()) else "",
        draw(st.sampled_from(["2D", "3D", "IMAX", "", "x" * 300])),
    ]


@st.composite
def showtime_feeds(draw: st.DrawFn) -> tuple[bytes, str]:
    """A feed file: CSV in some encoding, JSON, JSON Lines, or plain random bytes."""
    kind = draw(st.sampled_from(["csv", "csv", "csv", "json", "jsonl", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=5000)), draw(st.sampled_from(["csv", "json", "jsonl"]))
    rows = draw(st.lists(showtime_rows(), min_size=0, max_size=12))
    header = draw(st.one_of(st.just(HEADER), st.lists(texts, max_size=8), st.permutations(HEADER)))
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows(
            [header, *rows]
        )
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
        return buffer.getvalue().encode(encoding, errors="replace"), "csv"
    records = [dict(zip(header, row, strict=False)) for row in rows]
    if kind == "json":
        document = draw(st.sampled_from([records, {"showtimes": records}, {"showtimes": 5}]))
        return orjson.dumps(document), "json"
    return b"\n".join(orjson.dumps(r) for r in records), "jsonl"


theater_feeds = st.one_of(
    st.binary(max_size=2000),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | texts,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
        max_leaves=20,
    ).map(orjson.dumps),
    st.fixed_dictionaries(
        {
            "theaters": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": ids,
                        "name": texts,
                        "city_id": st.one_of(st.just("torture-city"), ids),
                        "timezone": st.sampled_from(["Europe/Berlin", "Mars/Olympus", "", "UTC"]),
                        "currency": st.sampled_from(["EUR", "eur", "EURO", ""]),
                        "rooms": st.lists(
                            st.fixed_dictionaries(
                                {
                                    "id": ids,
                                    "name": texts,
                                    "layout": st.lists(
                                        st.one_of(st.just("A ssss.ssss"), texts), max_size=5
                                    ),
                                }
                            ),
                            max_size=2,
                        ),
                    }
                ),
                max_size=2,
            ),
        }
    ).map(orjson.dumps),
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def _check(result_exit: int, output: str, before: dict[str, bytes], data: Path) -> bool:
    """Documented exit, no traceback, and a refusal left every file as it was.

    Returns whether the import was refused (and so checked byte for byte).
    """
    assert before, "the snapshot is empty: the comparison would prove nothing"
    assert result_exit in DOCUMENTED_EXIT_CODES, (result_exit, output[-800:])
    assert "Traceback" not in output, output[-800:]
    if result_exit == 0:
        return False
    assert _snapshot(data) == before, "a refused import changed the data"
    return True


@pytest.mark.slow
def test_hostile_showtimes_feeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tally: Tally
) -> None:
    data = tmp_path / "data"
    stock(f"json://{data}", data).close()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CINEMA_DATA_DIR": str(data), "CINEMA_NOW": NOW.isoformat(), "NO_COLOR": "1"}
    counts = {"feeds": 0, "refused": 0, "accepted": 0}

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(
        feed=showtime_feeds(),
        flags=st.sampled_from([[], ["--skip-invalid"], ["--strict"], ["--dry-run"], ["--json"]]),
    )
    def attempt(feed: tuple[bytes, str], flags: list[str]) -> None:
        content, extension = feed
        path = tmp_path / f"feed.{extension}"
        path.write_bytes(content)
        before = _snapshot(data)
        result = runner.invoke(app, ["import", "showtimes", str(path), *flags], env=env)
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        refused = _check(result.exit_code, shown, before, data)
        if "--dry-run" in flags:
            assert _snapshot(data) == before, "--dry-run wrote"
        counts["feeds"] += 1
        counts["refused" if refused else "accepted"] += 1

    attempt()
    assert counts["refused"] > 0, "no feed was refused: the unchanged-data check never ran"
    audit_store(f"json://{data}", data)
    tally.add(
        "bad input",
        feeds_tried=counts["feeds"],
        feeds_refused=counts["refused"],
        written_on_refusal=0,  # each refusal above compared the data folder byte for byte
    )


def test_hostile_theaters_feeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tally: Tally
) -> None:
    data = tmp_path / "data"
    stock(f"json://{data}", data).close()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"CINEMA_DATA_DIR": str(data), "CINEMA_NOW": NOW.isoformat(), "NO_COLOR": "1"}
    tried = refused = 0

    @settings(
        max_examples=80,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(content=theater_feeds)
    def attempt(content: bytes) -> None:
        nonlocal tried, refused
        tried += 1
        path = tmp_path / "theaters.json"
        path.write_bytes(content)
        before = _snapshot(data)
        result = runner.invoke(app, ["import", "theaters", str(path)], env=env)
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        refused += _check(result.exit_code, shown, before, data)

    attempt()
    assert refused > 0, "no feed was refused: the unchanged-data check never ran"
    audit_store(f"json://{data}", data)
    tally.add("bad input", theater_feeds_tried=tried, theater_feeds_refused=refused)
