"""The JSON data folder's layout 2: programmes by theater and week, read only where asked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from builders import NOW, city, movie, showing, theater
from cinema_cli.domain.models import ClaimKind, SeatClaim
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.json import JsonStorage
from cinema_cli.storage.json.files import DataFiles
from cinema_cli.storage.json.layout import week_of, week_overlaps

WEEK = timedelta(days=7)


def _stocked(folder: Path) -> JsonStorage:
    storage = JsonStorage(folder, lock_timeout=5)
    with storage.transaction() as tx:
        tx.put_city(city())
        tx.put_theater(theater())
        tx.put_theater(theater("arsenal"))
        tx.put_movies([movie(), movie("nosferatu", "Nosferatu")])
        tx.put_showings(
            [
                showing("past", starts_at=NOW - 3 * WEEK),
                showing("soon"),
                showing("later", starts_at=NOW + 5 * WEEK),
                showing("other", movie_id="nosferatu", starts_at=NOW + 5 * WEEK),
            ]
        )
    return storage


def _hold(storage: JsonStorage, showing_id: str, seats: list[str]) -> None:
    with storage.transaction() as tx:
        tx.claim_seats(
            showing_id,
            [
                SeatClaim(
                    showing_id=showing_id,
                    seat_id=seat,
                    kind=ClaimKind.HOLD,
                    reservation_id="r1",
                    session_id="s",
                    expires_at=NOW + timedelta(minutes=10),
                )
                for seat in seats
            ],
            now=NOW,
        )


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = DataFiles.read

    def recording(self: DataFiles, path: Path) -> object:
        seen.append(str(path.relative_to(self.root)))
        return real(self, path)

    monkeypatch.setattr(DataFiles, "read", recording)
    return seen


def test_weeks_are_named_by_their_monday_and_overlap_half_open_ranges() -> None:
    assert week_of("2026-11-24T20:00:00Z") == "2026-11-23"
    assert week_of("2026-11-29T23:59:59Z") == "2026-11-23"
    assert week_of("2026-11-30T00:00:00Z") == "2026-11-30"
    assert week_overlaps("2026-11-23", "2026-11-29T23:00:00Z", None)
    assert not week_overlaps("2026-11-23", "2026-11-30T00:00:00Z", None)
    assert not week_overlaps("2026-11-30", None, "2026-11-30T00:00:00Z")


def test_a_search_about_the_future_never_parses_past_weeks_or_weeks_without_the_movie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _stocked(tmp_path / "data")
    storage.close()
    seen = _reads(monkeypatch)

    found = storage.showings(
        ShowingQuery(movie_ids=frozenset({"metropolis"}), starts_from=NOW + timedelta(hours=1))
    )

    assert [s.id for s in found] == ["soon", "later"]
    past_week = week_of((NOW - 3 * WEEK).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert not [name for name in seen if past_week in name]
    assert not [name for name in seen if name.startswith("showings/arsenal/")]


def test_past_showings_stay_readable(tmp_path: Path) -> None:
    storage = _stocked(tmp_path / "data")
    past = storage.showing("past")
    assert past is not None
    assert past.starts_at == NOW - 3 * WEEK
    assert "past" in storage.showings_by_ids(["past", "nope"])


def test_a_showing_moved_to_another_week_and_theater_keeps_its_seats(tmp_path: Path) -> None:
    storage = _stocked(tmp_path / "data")
    _hold(storage, "soon", ["A1", "A2"])
    moved = showing("soon", theater_id="arsenal", starts_at=NOW + 2 * WEEK)

    with storage.transaction() as tx:
        tx.put_showings([moved])

    assert storage.showing("soon") == moved
    assert storage.seats_taken(["soon"], NOW) == {"soon": 2}
    assert {c.seat_id for c in storage.claims("soon")} == {"A1", "A2"}
    this_week = storage.showings(ShowingQuery(starts_before=NOW + WEEK))
    assert "soon" not in [s.id for s in this_week]
    at_arsenal = storage.showings(ShowingQuery(theater_ids=frozenset({"arsenal"})))
    assert [s.id for s in at_arsenal] == ["soon"]
    old_week = week_of(NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert old_week not in (storage._weeks("babylon") or {})  # its table of contents
