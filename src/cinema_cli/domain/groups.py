"""Seats for a group that no single row can seat together: the best split over rows.

When no row has ``count`` free seats side by side, the group is split into blocks
(parts), one per row, in rows directly behind each other. Of every such split, the
best is chosen by these rules, most important first:

1. fewest stranded single seats (a free seat left alone between a part and a taken
   seat, a wall, an aisle or a seat of another category);
2. fewest parts;
3. fewest parts of a single seat (nobody sits alone when avoidable);
4. parts aligned: the centres of parts in neighbouring rows are as close as can be;
5. nearest the best spot in the room, as for one block (see :mod:`.seating`).

Parts are blocks of consecutive free seats of the asked category, so wheelchair
spaces and companion seats are never given as standard seats.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass
from itertools import pairwise

from cinema_cli.domain.layout import Seat
from cinema_cli.domain.seating import Candidate, candidates, free_runs

MAX_SPLITS_WEIGHED = 5_000
"""Splits compared at most, fewest parts first: bounds the work in a huge, fragmented room
(the best found so far is kept; typical rooms never come near it)."""


@dataclass(frozen=True, slots=True)
class Split:
    """One way to seat a group over consecutive rows, with its score (lower is better)."""

    parts: tuple[tuple[Seat, ...], ...]
    key: tuple[float, ...]

    @property
    def seats(self) -> list[Seat]:
        return [seat for part in self.parts for seat in part]


def _compositions(total: int, parts: int, limits: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every way to write ``total`` as ``parts`` sizes, the i-th at most ``limits[i]``."""
    if parts == 1:
        if 1 <= total <= limits[0]:
            yield (total,)
        return
    for first in range(1, min(total - parts + 1, limits[0]) + 1):
        for rest in _compositions(total - first, parts - 1, limits[1:]):
            yield (first, *rest)


def _centre(block: Sequence[Seat]) -> float:
    return (block[0].column + block[-1].column) / 2


class _Options:
    """Every free block of each size in each row, scored as :func:`candidates` scores them."""

    def __init__(self, seats: Sequence[Seat], taken: Set[str], category: str) -> None:
        self._seats = seats
        self._taken = taken
        self._category = category
        self._cache: dict[int, dict[int, list[Candidate]]] = {}
        self._by_centre: dict[tuple[int, int], tuple[list[float], list[Candidate]]] = {}
        self.longest: dict[int, int] = {}
        for run in free_runs(seats, taken, category):
            row = run[0].row_index
            self.longest[row] = max(self.longest.get(row, 0), len(run))

    def of(self, row: int, size: int) -> list[Candidate]:
        if size not in self._cache:
            by_row: dict[int, list[Candidate]] = {}
            for found in candidates(self._seats, self._taken, size, self._category):
                by_row.setdefault(found.seats[0].row_index, []).append(found)
            self._cache[size] = by_row
        return self._cache[size].get(row, [])

    def nearest(self, row: int, size: int, centre: float) -> Candidate | None:
        """The block of ``size`` in ``row`` stranding fewest seats, then nearest ``centre``."""
        if (row, size) not in self._by_centre:
            found = self.of(row, size)
            fewest = min((c.stranded for c in found), default=0)
            best = sorted(
                (c for c in found if c.stranded == fewest), key=lambda c: _centre(c.seats)
            )
            self._by_centre[row, size] = ([_centre(c.seats) for c in best], best)
        centres, blocks = self._by_centre[row, size]
        if not blocks:
            return None
        at = bisect_left(centres, centre)
        near = blocks[max(at - 1, 0) : at + 1]
        return min(near, key=lambda c: (abs(_centre(c.seats) - centre), c.key))


def _splits_from(options: _Options, first_row: int, sizes: tuple[int, ...]) -> Iterator[Split]:
    for first in options.of(first_row, sizes[0]):
        parts = [first]
        for offset, size in enumerate(sizes[1:], start=1):
            near = options.nearest(first_row + offset, size, _centre(parts[-1].seats))
            if near is None:
                break
            parts.append(near)
        else:
            misalignment = sum(abs(_centre(a.seats) - _centre(b.seats)) for a, b in pairwise(parts))
            yield Split(
                tuple(part.seats for part in parts),
                (
                    sum(part.stranded for part in parts),
                    len(parts),
                    sum(1 for size in sizes if size == 1),
                    misalignment,
                    min(part.distance for part in parts),
                    -first_row,
                    first.seats[0].column,
                ),
            )


def best_split(seats: Sequence[Seat], taken: Set[str], count: int, category: str) -> Split | None:
    """The best split of ``count`` seats over consecutive rows, or ``None`` when none fits."""
    options = _Options(seats, taken, category)
    if sum(options.longest.values()) < count:
        return None
    rows = sorted(options.longest)
    best: Split | None = None
    weighed = 0
    for parts in range(2, count + 1):
        if best is not None and (best.key[0] == 0 or weighed >= MAX_SPLITS_WEIGHED):
            break  # no more parts can beat a split that strands nobody
        for first_row in rows:
            limits = [options.longest.get(first_row + i, 0) for i in range(parts)]
            if 0 in limits or sum(limits) < count:
                continue
            for sizes in _compositions(count, parts, limits):
                for split in _splits_from(options, first_row, sizes):
                    weighed += 1
                    if best is None or split.key < best.key:
                        best = split
    return best
