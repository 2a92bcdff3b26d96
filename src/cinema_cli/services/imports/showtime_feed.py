"""One streaming pass over a showtime feed: check each row, keep the valid ones, note the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from cinema_cli.domain.feeds import KNOWN_COLUMNS, FeedProblem, RowChecker, RowInvalid, ShowtimeRow
from cinema_cli.services.imports.formats import FeedFormat, Progress
from cinema_cli.services.imports.reading import FeedBroken, Record, position, records

_PROGRESS_EVERY = 2000


@dataclass
class ShowtimeFeed:
    """What the import keeps of a feed after one streaming pass."""

    rows: list[ShowtimeRow] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    """Every showing id the feed mentions, valid row or not."""
    warnings: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def theater_ids(self) -> frozenset[str]:
        """The theaters the valid rows name."""
        return frozenset(row.theater_id for row in self.rows)


class FeedStopped(Exception):
    """The feed cannot be imported at all; ``feed`` holds what was read before."""

    def __init__(self, feed: ShowtimeFeed) -> None:
        super().__init__()
        self.feed = feed


def read_feed(
    source: IO[bytes], fmt: FeedFormat, *, strict: bool, progress: Progress | None
) -> ShowtimeFeed:
    """Read and check every row; raises :class:`FeedStopped` when the feed cannot be used."""
    feed = ShowtimeFeed()
    checker: RowChecker | None = None
    unknown_seen: set[str] = set()
    first_line: dict[str, Record] = {}
    duplicates: dict[str, list[Record]] = {}
    # Locals, not attribute look-ups: this loop runs once per row.
    keep_row = feed.rows.append
    problems = feed.problems
    count = 0
    try:
        for item in records(source, fmt, feed.warnings):
            count += 1
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress(position(source))
            values = item.values
            if values is None:
                assert item.problem is not None
                problems.append(item.problem)
                continue
            raw_id = values.get("showing_id")
            if isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
                showing_id = str(raw_id).strip()
                first = first_line.setdefault(showing_id, item)
                if first is not item:
                    duplicates.setdefault(showing_id, [first]).append(item)
            if fmt != "csv":
                for name in values:
                    if name not in KNOWN_COLUMNS and name not in unknown_seen:
                        unknown_seen.add(name)
                        where = f"line {item.line}" if item.line is not None else item.record
                        feed.warnings.append(f"{where}: key {name!r} is not known; ignored")
            if checker is None:
                # Every CSV row holds exactly the header's columns: check only those.
                checker = RowChecker(strict=strict, columns=values if fmt == "csv" else None)
            try:
                keep_row(checker.check(values, line=item.line, record=item.record))
            except RowInvalid as invalid:
                problems.extend(invalid.problems)
    except FeedBroken as broken:
        feed.count = count
        feed.ids = set(first_line)
        feed.problems.extend(broken.problems)
        raise FeedStopped(feed) from None
    feed.count = count
    feed.ids = set(first_line)
    if duplicates:
        _reject_duplicates(feed, duplicates)
    if feed.count == 0:
        # An empty feed is what a broken upstream export looks like; importing "nothing"
        # would hide it from cron (and --prune would cancel the whole programme).
        what = (
            'no rows: a JSON feed is an array of records or {"showtimes": [...]}'
            if fmt == "json"
            else "no rows"
        )
        feed.problems.append(FeedProblem(None, "", f"the feed has {what}"))
        raise FeedStopped(feed)
    return feed


def _reject_duplicates(feed: ShowtimeFeed, duplicates: dict[str, list[Record]]) -> None:
    """Every row of a showing id the feed gives more than once is invalid: which one is meant?"""
    twice = set(duplicates)
    feed.rows = [row for row in feed.rows if row.showing_id not in twice]
    for showing_id, items in duplicates.items():
        places = ", ".join(f"line {i.line}" if i.line is not None else str(i.record) for i in items)
        for item in items:
            feed.problems.append(
                FeedProblem(
                    item.line,
                    "showing_id",
                    f"{showing_id} appears more than once ({places})",
                    item.record,
                )
            )
