"""Which seats ``cinema reserve --count N`` holds: one block, a split group, or accessible seats.

* :func:`allocate` is the way in. Without wheelchair spaces it takes the best block of
  :func:`~cinema_cli.domain.seating.best_block`; when no row has ``count`` free seats side
  by side it offers the best split over rows (:mod:`.groups`), unless ``together`` forbids
  a split.
* With ``wheelchair=K`` it holds K wheelchair spaces, each with its companion seat
  (:mod:`.companions`) while seats remain, and the rest of the ``count`` as a block of
  ``category`` seats as close to them as the room allows: in the same row right beside
  them when free, else the nearest row. Spaces are chosen so that the whole party sits
  as close together as possible.

A wheelchair space or companion seat is never given in place of a standard seat: blocks
and splits only hold seats of the category asked for.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from itertools import combinations, islice

from cinema_cli.domain.companions import WHEELCHAIR, companion_of_space
from cinema_cli.domain.errors import NotEnoughSeats
from cinema_cli.domain.groups import best_split
from cinema_cli.domain.layout import Seat
from cinema_cli.domain.seating import DEFAULT_CATEGORY, best_block, candidates

MAX_SPACE_CHOICES = 500
"""Sets of wheelchair spaces weighed at most (rooms have a handful of spaces)."""


def allocate(
    seats: Sequence[Seat],
    taken: Set[str],
    count: int,
    category: str = DEFAULT_CATEGORY,
    *,
    wheelchair: int = 0,
    together: bool = False,
) -> list[Seat]:
    """The seats to hold for ``count`` people, ``wheelchair`` of them in wheelchair spaces.

    Raises :class:`NotEnoughSeats` (naming the largest free block) when they do not fit,
    or when ``together`` is set and no row seats them side by side.
    """
    if wheelchair:
        return _accessible(seats, taken, count, wheelchair, category, together=together)
    return _group(seats, taken, count, category, together=together)


def _group(
    seats: Sequence[Seat], taken: Set[str], count: int, category: str, *, together: bool
) -> list[Seat]:
    try:
        return best_block(seats, taken, count, category)
    except NotEnoughSeats as no_block:
        if count == 1:
            raise
        split = best_split(seats, taken, count, category)
        if split is None:
            raise
        if together:
            raise NotEnoughSeats(
                str(no_block),
                **{
                    **no_block.details,
                    "hint": f"drop --together to sit in {len(split.parts)} rows behind each "
                    "other, or ask for fewer seats",
                },
            ) from None
        return split.seats


def _gap(block: Sequence[Seat], group: Sequence[Seat]) -> tuple[int, int]:
    """How far ``block`` sits from ``group``: rows apart, then columns apart."""
    return min(
        (abs(a.row_index - b.row_index), abs(a.column - b.column)) for a in block for b in group
    )


def _spread(group: Sequence[Seat]) -> tuple[int, int]:
    rows = [seat.row_index for seat in group]
    columns = [seat.column for seat in group]
    return max(rows) - min(rows), max(columns) - min(columns)


def _no_spaces(wanted: int, companions: int, free: int) -> NotEnoughSeats:
    with_companion = f" with {companions} companion seats beside them" if companions else ""
    return NotEnoughSeats(
        f"not enough wheelchair spaces: asked for {wanted}{with_companion}, "
        f"{free} free in this showing",
        count=wanted,
        category=WHEELCHAIR,
        largest_block=free,
        hint="ask for fewer wheelchair spaces, or see `cinema seats SHOWING_ID`",
    )


def _accessible(
    seats: Sequence[Seat],
    taken: Set[str],
    count: int,
    wheelchair: int,
    category: str,
    *,
    together: bool,
) -> list[Seat]:
    by_id = {seat.id: seat for seat in seats}
    companion = companion_of_space(seats)

    def free(seat_id: str | None) -> bool:
        seat = by_id.get(seat_id) if seat_id else None
        return seat is not None and not seat.blocked and seat.id not in taken

    spaces = [seat for seat in seats if seat.category == WHEELCHAIR and free(seat.id)]
    companions = min(wheelchair, count - wheelchair)
    # Spaces whose companion seat is free come first: they are the ones that can be used.
    spaces.sort(key=lambda space: not free(companion.get(space.id)))
    if sum(1 for space in spaces if free(companion.get(space.id))) < companions or (
        len(spaces) < wheelchair
    ):
        raise _no_spaces(wheelchair, companions, len(spaces))

    best: tuple[tuple[object, ...], list[Seat]] | None = None
    for chosen in islice(combinations(spaces, wheelchair), MAX_SPACE_CHOICES):
        paired = [space for space in chosen if free(companion.get(space.id))][:companions]
        if len(paired) < companions:
            continue
        group = [*chosen, *(by_id[companion[space.id]] for space in paired)]
        found = _rest_beside(seats, taken, group, count - len(group), category, together)
        if found is None:
            continue
        rest, rest_key = found
        key = (*rest_key, _spread(group), group[0].row_index, group[0].column)
        if best is None or key < best[0]:
            best = (key, sorted([*group, *rest], key=lambda s: (s.row_index, s.column)))
    if best is None:
        # The spaces fit; the rest of the party does not: say how much room there is.
        others = count - wheelchair - companions
        best_block(seats, taken | {space.id for space in spaces}, others, category)
        raise _no_spaces(wheelchair, companions, len(spaces))
    return best[1]


def _rest_beside(
    seats: Sequence[Seat],
    taken: Set[str],
    group: Sequence[Seat],
    rest: int,
    category: str,
    together: bool,
) -> tuple[list[Seat], tuple[object, ...]] | None:
    """The ``rest`` seats nearest ``group`` and the score of that choice; ``None``: no room."""
    if rest == 0:
        return [], (0, 0, (0, 0))
    busy = taken | {seat.id for seat in group}
    blocks = candidates(seats, busy, rest, category)
    if blocks:
        near = min(blocks, key=lambda c: (c.stranded, _gap(c.seats, group), c.key))
        return list(near.seats), (0, near.stranded, _gap(near.seats, group))
    if together:
        return None
    split = best_split(seats, busy, rest, category)
    if split is None:
        return None
    return split.seats, (1, int(split.key[0]), _gap(split.seats, group))
