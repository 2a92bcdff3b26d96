"""Batch imports of theaters and showtimes, and the showtime export.

Cron-safe by construction:

* **Idempotent.** Showings are upserted by the feed's ``showing_id``; a feed
  that changes nothing opens no write transaction at all, so the data files are
  not touched (their modification times stay as they were).
* **All or nothing.** Everything is decided first (:func:`plan_showtimes` is
  pure), then written in one storage transaction. The decision is taken again
  inside the transaction, under the write lock, so a seat sold while the feed
  was being read is seen; bookings go through the same lock and are never lost.
* **Every bad row at once.** Rows are checked one by one while the feed
  streams in; problems are collected, and by default nothing is written when
  any row is invalid (:class:`InvalidFeed`) or refused (:class:`SeatsInUse`).
* **Streaming.** CSV goes through :mod:`csv` over a text stream, JSON Lines
  line by line, JSON arrays through ``ijson``; only the parsed rows are kept.
"""

from __future__ import annotations

import csv
import gc
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any, Literal, NamedTuple

from cinema_cli.domain.errors import InvalidFeed, InvalidInput, SeatsInUse, TheaterNotFound
from cinema_cli.domain.feeds import (
    COLUMNS,
    KNOWN_COLUMNS,
    PRICE_COLUMNS,
    Accepted,
    Catalog,
    FeedProblem,
    Refusal,
    RowChecker,
    RowInvalid,
    ShowtimePlan,
    ShowtimeRow,
    plan_showtimes,
    resolve_row,
    zone_of,
)
from cinema_cli.domain.models import (
    AuditEntry,
    City,
    Movie,
    SeatCategory,
    Showing,
    Theater,
)
from cinema_cli.services.ports.clock import Clock
from cinema_cli.services.ports.storage import Reader, ShowingQuery, Storage

FeedFormat = Literal["csv", "json", "jsonl"]
FORMATS: tuple[FeedFormat, ...] = ("csv", "json", "jsonl")
_EXTENSIONS: dict[str, FeedFormat] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
SAMPLE = 10
"""How many rows of each outcome a report lists (counts are always complete)."""
_PROGRESS_EVERY = 2000

Progress = Callable[[int], None]
"""Called now and then with the number of bytes of the feed read so far."""


def feed_format(
    name: str, explicit: str | None, *, allowed: tuple[str, ...] = FORMATS
) -> FeedFormat:
    """The feed's format: ``explicit`` when given, else from the file name's extension.

    Standard input (``-``) without ``--format`` is read as CSV for showtimes and JSON
    for theaters (the first of ``allowed``).
    """
    if explicit is not None:
        if explicit not in allowed:
            raise InvalidInput(
                f"--format: {explicit!r} is not one of {', '.join(allowed)}", field="--format"
            )
        return explicit  # type: ignore[return-value]
    if name == "-":
        return allowed[0]  # type: ignore[return-value]
    lowered = name.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension) and fmt in allowed:
            return fmt
    raise InvalidInput(
        f"FILE: cannot tell the format of {name!r} from its extension; "
        f"give --format {'|'.join(allowed)}",
        field="--format",
    )


# --- the report ----------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    invalid: list[FeedProblem] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: int = 0
    dry_run: bool = False
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The documented ``--json`` shape."""
        view: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cancelled": self.cancelled,
            "invalid": [problem.as_dict() for problem in self.invalid],
            "refused": self.refused,
            "kept": self.kept,
            "warnings": self.warnings,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "written": self.written,
            "first": self.first,
        }
        if self.by_kind:
            view["by_kind"] = self.by_kind
        return view


def _problem_lines(problems: list[FeedProblem], limit: int = 20) -> str:
    lines = [f"  {problem}" for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more (--json lists them all)")
    return "\n".join(lines)


def _invalid_feed(report: ImportReport, name: str, *, theaters: bool = False) -> InvalidFeed:
    whole = [p for p in report.invalid if p.line is None and p.record is None]
    if whole or report.rows == 0:  # the feed as a whole cannot be read: no row to skip
        return InvalidFeed(
            f"{name}: the feed cannot be used; nothing was written\n"
            + _problem_lines(whole or report.invalid),
            **report.as_dict(),
            hint="check the file and its --format",
        )
    rows = len({(p.line, p.record) for p in report.invalid})
    noun = "record" if theaters else "row"
    return InvalidFeed(
        f"{name}: {rows} invalid {noun}{'' if rows == 1 else 's'}; nothing was written\n"
        + _problem_lines(report.invalid),
        **report.as_dict(),
        # Theater feeds are all or nothing: a half-known room is worse than none.
        hint="fix them and import the feed again"
        if theaters
        else "fix the rows, or import the valid ones with --skip-invalid",
    )


def _seats_in_use(report: ImportReport, name: str, refusals: list[str]) -> SeatsInUse:
    lines = [f"  {text}" for text in refusals[:20]]
    if len(refusals) > 20:
        lines.append(f"  ... and {len(refusals) - 20} more (--json lists them all)")
    return SeatsInUse(
        f"{name}: {len(refusals)} {'change' if len(refusals) == 1 else 'changes'} refused because "
        "tickets are sold; nothing was written\n" + "\n".join(lines),
        **report.as_dict(),
        hint="change the feed, or import the rest with --skip-invalid",
    )


# --- reading feeds -------------------------------------------------------------------------------
class _Record(NamedTuple):
    # A named tuple: one is made per feed row, and tuples are the cheapest to make.
    line: int | None
    record: str | None
    values: Mapping[str, object] | None
    problem: FeedProblem | None = None


def _position(source: IO[bytes]) -> int:
    try:
        return source.tell()
    except (OSError, ValueError):
        return 0


def _csv_records(source: IO[bytes], warnings: list[str]) -> Iterator[_Record]:
    # utf-8-sig drops a BOM when there is one; newline="" lets csv handle CRLF, LF and
    # line breaks inside quoted cells.
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        names = [name.strip() for name in header]
        missing = [
            name
            for name in ("showing_id", "theater_id", "room_id", "movie_id", "starts_at", "price")
            if name not in names
        ]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if missing or duplicated:
            problems = [FeedProblem(1, name, "required column is missing") for name in missing]
            problems += [FeedProblem(1, name, "column appears twice") for name in duplicated]
            raise _FeedBroken(problems)
        for name in names:
            if name not in KNOWN_COLUMNS:
                warnings.append(f"line 1: column {name!r} is not known; its values are ignored")
        width = len(names)
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if not row:
                continue
            if len(row) != width:
                yield _Record(
                    start,
                    None,
                    None,
                    FeedProblem(
                        start, "", f"has {len(row)} values but the header has {width} columns"
                    ),
                )
                continue
            yield _Record(start, None, dict(zip(names, row, strict=True)))
    except UnicodeDecodeError:
        raise _FeedBroken(
            [FeedProblem(reader.line_num + 1, "", "is not UTF-8 text (save the feed as UTF-8)")]
        ) from None
    except csv.Error as error:
        raise _FeedBroken(
            [FeedProblem(reader.line_num, "", f"is not valid CSV: {error}")]
        ) from None
    finally:
        text.detach()


def _jsonl_records(source: IO[bytes]) -> Iterator[_Record]:
    import orjson

    for number, raw in enumerate(source, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            yield _Record(
                number, None, None, FeedProblem(number, "", f"is not valid JSON: {error}")
            )
            continue
        if not isinstance(value, dict):
            yield _Record(number, None, None, FeedProblem(number, "", "is not a JSON object"))
            continue
        yield _Record(number, None, value)


def _first_byte(source: IO[bytes]) -> bytes:
    """The first non-blank byte of the feed, without consuming it (BOM skipped)."""
    peek = getattr(source, "peek", None)
    if peek is None:
        return b""
    while True:
        head = bytes(peek(64))[:64]
        if not head:
            return b""
        if head.startswith(b"\xef\xbb\xbf"):
            source.read(3)
            continue
        stripped = head.lstrip()
        if stripped:
            return stripped[:1]
        source.read(len(head))


def _json_records(source: IO[bytes], key: str) -> Iterator[_Record]:
    import ijson

    if not hasattr(source, "peek"):
        source = io.BufferedReader(source)  # type: ignore[type-var]  # BytesIO in tests
    first = _first_byte(source)
    if first == b"[":
        prefix = "item"
    elif first == b"{":
        prefix = f"{key}.item"
    else:
        raise _FeedBroken(
            [FeedProblem(None, "", f'a JSON feed is an array of records or {{"{key}": [...]}}')]
        )
    index = -1
    try:
        for index, value in enumerate(ijson.items(source, prefix)):
            label = f"{key}[{index}]"
            if not isinstance(value, dict):
                yield _Record(
                    None, label, None, FeedProblem(None, "", "is not a JSON object", label)
                )
                continue
            yield _Record(None, label, value)
    except ijson.JSONError as error:
        raise _FeedBroken(
            [FeedProblem(None, "", f"the JSON is malformed after {key}[{index}]: {error}")]
        ) from None
    except UnicodeDecodeError:
        raise _FeedBroken([FeedProblem(None, "", "is not UTF-8 text")]) from None


class _FeedBroken(Exception):
    """The feed cannot be read on (bad header, not UTF-8, malformed JSON)."""

    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


def _records(source: IO[bytes], fmt: FeedFormat, warnings: list[str]) -> Iterator[_Record]:
    if fmt == "csv":
        return _csv_records(source, warnings)
    if fmt == "jsonl":
        return _jsonl_records(source)
    return _json_records(source, "showtimes")


# --- import showtimes ----------------------------------------------------------------------------
@dataclass
class _Feed:
    """What the import keeps of a feed after one streaming pass."""

    rows: list[ShowtimeRow] = field(default_factory=list)
    problems: list[FeedProblem] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def theater_ids(self) -> frozenset[str]:
        """The theaters the valid rows name."""
        return frozenset(row.theater_id for row in self.rows)


def _read_feed(
    source: IO[bytes], fmt: FeedFormat, *, strict: bool, progress: Progress | None
) -> _Feed:
    feed = _Feed()
    checker: RowChecker | None = None
    unknown_seen: set[str] = set()
    first_line: dict[str, _Record] = {}
    duplicates: dict[str, list[_Record]] = {}
    # Locals, not attribute look-ups: this loop runs once per row.
    keep_row = feed.rows.append
    problems = feed.problems
    count = 0
    try:
        for item in _records(source, fmt, feed.warnings):
            count += 1
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress(_position(source))
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
    except _FeedBroken as broken:
        feed.count = count
        feed.ids = set(first_line)
        feed.problems.extend(broken.problems)
        raise _FeedStopped(feed) from None
    feed.count = count
    feed.ids = set(first_line)
    if duplicates:
        twice = set(duplicates)
        feed.rows = [row for row in feed.rows if row.showing_id not in twice]
        for showing_id, items in duplicates.items():
            places = ", ".join(
                f"line {i.line}" if i.line is not None else str(i.record) for i in items
            )
            for item in items:
                feed.problems.append(
                    FeedProblem(
                        item.line,
                        "showing_id",
                        f"{showing_id} appears more than once ({places})",
                        item.record,
                    )
                )
    if feed.count == 0:
        # An empty feed is what a broken upstream export looks like; importing "nothing"
        # would hide it from cron (and --prune would cancel the whole programme).
        what = (
            'no rows: a JSON feed is an array of records or {"showtimes": [...]}'
            if fmt == "json"
            else "no rows"
        )
        feed.problems.append(FeedProblem(None, "", f"the feed has {what}"))
        raise _FeedStopped(feed)
    return feed


class _FeedStopped(Exception):
    def __init__(self, feed: _Feed) -> None:
        super().__init__()
        self.feed = feed


_WINDOW_SLACK = timedelta(days=2)
"""Beyond any time-zone offset (< 15 h) plus the longest showing with its cleaning (< 21 h)."""


def _feed_window(feed: _Feed) -> tuple[datetime, datetime] | None:
    """UTC instants around every row's start (local or not), wide enough for overlaps."""
    if not feed.rows:
        return None
    starts = [
        row.starts_at.replace(tzinfo=UTC) if row.starts_at.tzinfo is None else row.starts_at
        for row in feed.rows
    ]
    return min(starts) - _WINDOW_SLACK, max(starts) + _WINDOW_SLACK


def _stored_showings(reader: Reader, feed: _Feed, prune_theater: str | None) -> dict[str, Showing]:
    """The stored showings a plan depends on, by id, cancelled ones included.

    That is every showing of the theaters the feed's rows (or ``--prune``) name
    around the feed's dates, since overlaps and pruning look at whole rooms and
    days, plus any stored showing whose id the feed uses (a row may move a showing
    to another theater or day). Other theaters and other weeks are not read.
    """
    theater_ids = feed.theater_ids
    if prune_theater is not None:
        theater_ids |= {prune_theater}
    window = _feed_window(feed)
    query = ShowingQuery(
        theater_ids=theater_ids,
        include_cancelled=True,
        starts_from=window[0] if window else None,
        starts_before=window[1] if window else None,
    )
    stored = {showing.id: showing for showing in reader.showings(query)}
    elsewhere = feed.ids.difference(stored)
    if elsewhere:
        stored.update(reader.showings_by_ids(elsewhere))
    return stored


def _decide(
    reader: Reader,
    feed: _Feed,
    *,
    prune_theater: str | None,
    now: datetime,
    before: _Decision | None = None,
) -> _Decision:
    """Resolve the rows against ``reader``'s catalog and plan the import.

    Given the decision taken before the lock (``before``), the plan is reused when
    nothing it depended on changed: same catalog, same stored showings, same
    seats-in-use counts. Otherwise everything is decided again.

    Seats in use are sold seats and live holds: a held seat may be bought any moment,
    so a showing with holds is protected like one with tickets sold.
    """

    def in_use(showing_ids: Iterable[str]) -> Mapping[str, int]:
        return reader.seats_taken(showing_ids, now)

    # Taken before any read, so that a commit landing during the reads changes it.
    version = reader.data_version()
    if (
        before is not None
        and before.version is not None
        and version == before.version
        and (not before.plan.sold or in_use(before.plan.sold) == before.plan.sold)
    ):
        return before  # no other process committed since the plan was made
    theaters = {theater.id: theater for theater in reader.theaters()}
    movies = {movie.id: movie for movie in reader.movies()}
    stored = _stored_showings(reader, feed, prune_theater)
    same_catalog = (
        before is not None
        and before.catalog.theaters == theaters
        and before.catalog.movies == movies
    )
    if (
        before is not None
        and same_catalog
        and before.stored == stored
        and (not before.plan.sold or in_use(before.plan.sold) == before.plan.sold)
    ):
        return before
    if before is not None and same_catalog:
        catalog, accepted, problems = before.catalog, before.accepted, before.problems
    else:
        catalog = Catalog(theaters=theaters, movies=movies)
        accepted = []
        problems = []
        for row in feed.rows:
            try:
                accepted.append(Accepted(row.line, row.record, resolve_row(row, catalog)))
            except RowInvalid as invalid:
                problems.extend(invalid.problems)
    prune = None
    if prune_theater is not None:
        prune = catalog.theaters.get(prune_theater)
        if prune is None:
            raise TheaterNotFound(
                f"--prune: no theater has id {prune_theater!r}", theater_id=prune_theater
            )
    plan = plan_showtimes(
        accepted,
        stored,
        in_use,
        catalog,
        invalid=feed.problems + problems,
        feed_ids=feed.ids,
        prune=prune,
    )
    plan.invalid = _in_feed_order(plan.invalid)
    return _Decision(plan, catalog, accepted, problems, stored, version)


@dataclass
class _Decision:
    plan: ShowtimePlan
    catalog: Catalog
    accepted: list[Accepted]
    problems: list[FeedProblem]
    stored: dict[str, Showing]
    version: int | None
    """The store's data version when the decision's reads began (``None``: unknown)."""


def _in_feed_order(problems: list[FeedProblem]) -> list[FeedProblem]:
    def key(problem: FeedProblem) -> tuple[int, int, str]:
        if problem.record is not None:
            head, _, tail = problem.record.rpartition("[")
            number = int(tail.rstrip("]")) if tail.rstrip("]").isdigit() else 0
            return (0, number, head)
        return (problem.line or 0, 0, "")

    return sorted(problems, key=key)


def _report_of(plan: ShowtimePlan, feed: _Feed, catalog: Catalog, *, dry_run: bool) -> ImportReport:
    return ImportReport(
        created=len(plan.created),
        updated=len(plan.updated),
        unchanged=len(plan.unchanged),
        cancelled=len(plan.cancelled),
        invalid=plan.invalid,
        refused=[refusal.as_dict() for refusal in plan.refused],
        kept=[refusal.as_dict() for refusal in plan.kept],
        warnings=feed.warnings + catalog.warnings,
        first={
            "created": [change.as_dict() for change in plan.created[:SAMPLE]],
            "updated": [change.as_dict() for change in plan.updated[:SAMPLE]],
            "unchanged": [change.as_dict() for change in plan.unchanged[:SAMPLE]],
            "cancelled": [change.as_dict() for change in plan.cancelled[:SAMPLE]],
        },
        by_kind={"movies": {"created": len(plan.new_movies)}} if plan.new_movies else {},
        rows=feed.count,
        dry_run=dry_run,
    )


def _refusal_texts(refusals: list[Refusal]) -> list[str]:
    return [str(refusal) for refusal in refusals]


def import_showtimes(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    strict: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    prune_theater: str | None = None,
    feed_name: str = "-",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a showtime feed (CSV, JSON or JSON Lines) read from ``source`` (binary).

    Raises :class:`InvalidFeed` (exit 6) when any row is invalid, and
    :class:`SeatsInUse` (exit 4) when a row would move a showing with tickets
    sold; then nothing is written. With ``skip_invalid`` the other rows are
    written and both kinds are listed in the report. ``dry_run`` writes nothing.
    """
    with _bulk_work():
        return _import_showtimes(
            storage,
            clock,
            source,
            format,
            strict=strict,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            prune_theater=prune_theater,
            feed_name=feed_name,
            progress=progress,
        )


@contextmanager
def _bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import works.

    An import keeps hundreds of thousands of small containers alive (rows, showings,
    stored records); each collection of the oldest generation walks all of them, and
    measured at 100,000 rows that was a third of the import's CPU time. The import
    makes no reference cycles worth collecting (reference counting frees its garbage),
    and collection resumes when it ends, however it ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_showtimes(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    strict: bool,
    skip_invalid: bool,
    dry_run: bool,
    prune_theater: str | None,
    feed_name: str,
    progress: Progress | None,
) -> ImportReport:
    try:
        feed = _read_feed(source, format, strict=strict, progress=progress)
    except _FeedStopped as stopped:
        report = ImportReport(
            invalid=_in_feed_order(stopped.feed.problems),
            warnings=stopped.feed.warnings,
            rows=stopped.feed.count,
            dry_run=dry_run,
        )
        raise _invalid_feed(report, feed_name) from None

    decision = _decide(storage, feed, prune_theater=prune_theater, now=clock())
    plan, catalog = decision.plan, decision.catalog
    _check_outcome(plan, feed, catalog, skip_invalid=skip_invalid, dry_run=dry_run, name=feed_name)
    if dry_run or not plan.writes:
        return _report_of(plan, feed, catalog, dry_run=dry_run)

    with storage.transaction() as tx:
        # Decide again under the write lock: tickets may have been sold, or another
        # import may have landed, while the feed was being read.
        decision = _decide(tx, feed, prune_theater=prune_theater, now=clock(), before=decision)
        plan, catalog = decision.plan, decision.catalog
        _check_outcome(
            plan, feed, catalog, skip_invalid=skip_invalid, dry_run=False, name=feed_name
        )
        report = _report_of(plan, feed, catalog, dry_run=False)
        if plan.writes:
            if plan.new_movies:
                tx.put_movies(plan.new_movies)
            tx.put_showings(plan.to_put)
            tx.append_audit(
                AuditEntry(
                    id=f"aud_{uuid.uuid4().hex}",
                    at=clock(),
                    actor="import",
                    action="import",
                    subject=f"feed:{feed_name}",
                    details={
                        "kind": "showtimes",
                        "created": report.created,
                        "updated": report.updated,
                        "cancelled": report.cancelled,
                        "invalid": len(report.invalid),
                        "refused": len(report.refused),
                    },
                )
            )
            report.written = True
    return report


def _check_outcome(
    plan: ShowtimePlan,
    feed: _Feed,
    catalog: Catalog,
    *,
    skip_invalid: bool,
    dry_run: bool,
    name: str,
) -> None:
    if skip_invalid:
        return
    if plan.invalid:
        raise _invalid_feed(_report_of(plan, feed, catalog, dry_run=dry_run), name)
    if plan.refused:
        report = _report_of(plan, feed, catalog, dry_run=dry_run)
        raise _seats_in_use(report, name, _refusal_texts(plan.refused))


# --- export showtimes ----------------------------------------------------------------------------
def _export_row(showing: Showing, theater: Theater, movie: Movie | None) -> dict[str, Any]:
    zone = zone_of(theater.timezone)
    prices = {str(k): v for k, v in showing.prices.items()}
    row: dict[str, Any] = {
        "showing_id": showing.id,
        "theater_id": showing.theater_id,
        "room_id": showing.room_id,
        "movie_id": showing.movie_id,
        "starts_at": _as_datetime(showing.starts_at).astimezone(zone).isoformat(),
        "price": f"{prices[SeatCategory.STANDARD]:.2f}",
        "ends_at": _as_datetime(showing.ends_at).astimezone(zone).isoformat(),
    }
    for column, category in PRICE_COLUMNS.items():
        row[column] = f"{prices[category]:.2f}" if category in prices else None
    row["currency"] = showing.currency
    row["format"] = showing.format
    row["language"] = showing.language or None
    row["movie_title"] = movie.title if movie else None
    row["runtime_minutes"] = movie.runtime_minutes if movie else None
    row["rating"] = (movie.rating or None) if movie else None
    row["genres"] = list(movie.genres) if movie else None
    return row


def _as_datetime(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value


def export_showtimes(
    storage: Storage,
    out: IO[bytes],
    format: FeedFormat,
    *,
    theater_id: str | None = None,
    from_day: date | None = None,
    to_day: date | None = None,
) -> int:
    """Write scheduled showings as a feed that ``import showtimes`` takes back unchanged.

    ``from_day`` / ``to_day`` are inclusive days in each theater's own time zone.
    Times are written in the theater's local time with their UTC offset, so the
    file is both readable and unambiguous. Returns the number of rows written.
    """
    theaters = {theater.id: theater for theater in storage.theaters()}
    if theater_id is not None and theater_id not in theaters:
        raise TheaterNotFound(f"--theater: no theater has id {theater_id!r}", theater_id=theater_id)
    movies = {movie.id: movie for movie in storage.movies()}
    # Query a day wider than asked on each side (zones are at most 14 hours from UTC),
    # then keep the showings whose local day is in range.
    query = ShowingQuery(
        theater_ids=frozenset({theater_id}) if theater_id else None,
        starts_from=datetime.combine(from_day, datetime.min.time(), UTC) - timedelta(days=1)
        if from_day
        else None,
        starts_before=datetime.combine(to_day, datetime.min.time(), UTC) + timedelta(days=2)
        if to_day
        else None,
    )
    writer = _FeedWriter(out, format)
    count = 0
    for showing in storage.showings(query):
        theater = theaters.get(showing.theater_id)
        if theater is None:
            continue
        day = _as_datetime(showing.starts_at).astimezone(zone_of(theater.timezone)).date()
        if (from_day and day < from_day) or (to_day and day > to_day):
            continue
        writer.write(_export_row(showing, theater, movies.get(showing.movie_id)))
        count += 1
    writer.close()
    return count


class _FeedWriter:
    """Writes rows as CSV, a ``{"showtimes": [...]}`` JSON document, or JSON Lines."""

    def __init__(self, out: IO[bytes], fmt: FeedFormat) -> None:
        import orjson

        self._dumps = orjson.dumps
        self.out = out
        self.fmt = fmt
        self.first = True
        self.text: io.TextIOWrapper | None = None
        if fmt == "csv":
            self.text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
            self.csv = csv.writer(self.text, lineterminator="\n")
            self.csv.writerow(COLUMNS)
        elif fmt == "json":
            out.write(b'{"showtimes": [')

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "csv":
            cells = dict(row)
            cells["genres"] = ";".join(row["genres"]) if row["genres"] else None
            self.csv.writerow(["" if cells[name] is None else cells[name] for name in COLUMNS])
            return
        document = {name: value for name, value in row.items() if value is not None}
        if self.fmt == "json":
            self.out.write(b"\n  " if self.first else b",\n  ")
            self.out.write(self._dumps(document))
        else:
            self.out.write(self._dumps(document) + b"\n")
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write(b"\n]}\n" if not self.first else b"]}\n")
        if self.text is not None:
            self.text.flush()
            self.text.detach()
        self.out.flush()


# --- import theaters -----------------------------------------------------------------------------
def _schemas() -> dict[str, Any]:
    from cinema_cli.domain.schemas import CityIn, MovieIn, TheaterIn

    return {"city": CityIn, "theater": TheaterIn, "movie": MovieIn}


_KINDS = ("city", "theater", "movie")
_PLURAL = {"city": "cities", "theater": "theaters", "movie": "movies"}


@dataclass
class _CatalogFeed:
    cities: dict[str, City] = field(default_factory=dict)
    theaters: dict[str, Theater] = field(default_factory=dict)
    movies: dict[str, Movie] = field(default_factory=dict)
    problems: list[FeedProblem] = field(default_factory=list)
    count: int = 0


def _catalog_records(source: IO[bytes], fmt: FeedFormat) -> Iterator[tuple[str | None, _Record]]:
    import orjson

    if fmt == "jsonl":
        for item in _jsonl_records(source):
            kind = item.values.get("type") if item.values is not None else None
            yield (kind if isinstance(kind, str) else None), item
        return
    # Theater feeds are small (a chain's theaters, rooms and movies): read whole.
    raw = source.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _FeedBroken(
            [FeedProblem(error.lineno, "", f"is not valid JSON: {error.msg}")]
        ) from None
    if not isinstance(document, dict):
        raise _FeedBroken(
            [
                FeedProblem(
                    None,
                    "",
                    'a theater feed is {"cities": [...], "theaters": [...], "movies": [...]}',
                )
            ]
        )
    for key in document:
        if key not in ("cities", "theaters", "movies"):
            raise _FeedBroken([FeedProblem(None, key, "is not cities, theaters or movies")])
    for kind in ("city", "theater", "movie"):
        records = document.get(_PLURAL[kind], [])
        if not isinstance(records, list):
            raise _FeedBroken([FeedProblem(None, _PLURAL[kind], "is not a list")])
        for index, value in enumerate(records):
            label = f"{_PLURAL[kind]}[{index}]"
            if not isinstance(value, dict):
                yield (
                    kind,
                    _Record(
                        None, label, None, FeedProblem(None, "", "is not a JSON object", label)
                    ),
                )
            else:
                yield kind, _Record(None, label, value)


def _field_name(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _read_catalog(source: IO[bytes], fmt: FeedFormat) -> _CatalogFeed:
    from pydantic import ValidationError

    from cinema_cli.domain.schemas import problem_text

    feed = _CatalogFeed()
    schemas = _schemas()
    seen: dict[tuple[str, str], str] = {}
    try:
        for kind, item in _catalog_records(source, fmt):
            feed.count += 1
            if item.values is None:
                assert item.problem is not None
                feed.problems.append(item.problem)
                continue
            values = dict(item.values)
            if fmt == "jsonl":
                values.pop("type", None)
                if kind not in _KINDS:
                    feed.problems.append(
                        FeedProblem(
                            item.line, "type", 'must be "city", "theater" or "movie"', item.record
                        )
                    )
                    continue
            assert kind is not None
            try:
                model = schemas[kind].model_validate(values).to_entity()
            except ValidationError as error:
                for detail in error.errors():
                    feed.problems.append(
                        FeedProblem(
                            item.line,
                            _field_name(tuple(detail["loc"])),
                            problem_text(detail),
                            item.record,
                        )
                    )
                continue
            problems: list[tuple[str, str]] = []
            previous = seen.get((kind, model.id))
            if previous is not None:
                problems.append(("id", f"{kind} {model.id} appears twice (first at {previous})"))
            seen[(kind, model.id)] = (
                f"line {item.line}" if item.line is not None else str(item.record)
            )
            if problems:
                feed.problems.extend(
                    FeedProblem(item.line, name, message, item.record) for name, message in problems
                )
                continue
            if isinstance(model, City):
                feed.cities[model.id] = model
            elif isinstance(model, Theater):
                feed.theaters[model.id] = model
            else:
                feed.movies[model.id] = model
    except _FeedBroken as broken:
        feed.problems.extend(broken.problems)
    return feed


def _sold_seats_lost(
    reader: Reader, new: Theater, now: datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """Seats with tickets sold for showings still to come that ``new`` would remove.

    Seat ids are compared: a sold seat's id must still exist in its room's new
    layout. A sold seat that changes category (or becomes blocked) is allowed,
    since the ticket keeps the category and price it was sold with; it is
    reported as a warning.
    """
    old = reader.theater(new.id)
    if old is None:
        return [], []
    showings = [
        s
        for s in reader.showings(
            ShowingQuery(theater_ids=frozenset({new.id}), include_cancelled=True)
        )
        if _as_datetime(s.ends_at) > now
    ]
    if not showings:
        return [], []
    # Live holds count like sales: a held seat may be bought at any moment.
    sold = reader.seats_taken((s.id for s in showings), now)
    lost: list[dict[str, Any]] = []
    warnings: list[str] = []
    new_rooms = {room.id: room for room in new.rooms}
    for showing in showings:
        if sold.get(showing.id, 0) == 0:
            continue
        room = new_rooms.get(showing.room_id)
        seats = room.seats_by_id if room is not None else {}
        old_room = old.room(showing.room_id)
        sold_seats = sorted(
            {claim.seat_id for claim in reader.claims(showing.id) if claim.is_live(now)}
        )
        missing = [seat for seat in sold_seats if seat not in seats]
        if missing:
            lost.append(
                {
                    "theater_id": new.id,
                    "room_id": showing.room_id,
                    "showing_id": showing.id,
                    "seats": missing,
                }
            )
        for seat_id in sold_seats:
            if seat_id in seats and old_room is not None and seat_id in old_room.seats_by_id:
                before, after = old_room.seats_by_id[seat_id], seats[seat_id]
                if (before.category, before.blocked) != (after.category, after.blocked):
                    warnings.append(
                        f"{new.id}/{showing.room_id}: sold seat {seat_id} of showing {showing.id} "
                        f"becomes {'blocked ' if after.blocked else ''}{after.category}; "
                        "its ticket keeps what was sold"
                    )
    return lost, warnings


@dataclass
class _CatalogPlan:
    changes: dict[str, dict[str, list[str]]]
    lost: list[dict[str, Any]]
    warnings: list[str]
    problems: list[FeedProblem]

    @property
    def writes(self) -> bool:
        return any(
            self.changes[kind]["created"] or self.changes[kind]["updated"] for kind in self.changes
        )


def _plan_catalog(reader: Reader, feed: _CatalogFeed, now: datetime) -> _CatalogPlan:
    stored_cities = {c.id: c for c in reader.cities()}
    stored_theaters = {t.id: t for t in reader.theaters()}
    stored_movies = {m.id: m for m in reader.movies()}
    problems: list[FeedProblem] = []
    for theater in feed.theaters.values():
        if theater.city_id not in feed.cities and theater.city_id not in stored_cities:
            problems.append(
                FeedProblem(
                    None, "city_id", f"theater {theater.id}: unknown city {theater.city_id!r}"
                )
            )
    changes: dict[str, dict[str, list[str]]] = {}
    pairs: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = [
        ("cities", feed.cities, stored_cities),
        ("theaters", feed.theaters, stored_theaters),
        ("movies", feed.movies, stored_movies),
    ]
    for kind, fed, stored in pairs:
        outcome: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        for item_id, item in fed.items():
            old = stored.get(item_id)
            if old is None:
                outcome["created"].append(item_id)
            elif old != item:
                outcome["updated"].append(item_id)
            else:
                outcome["unchanged"].append(item_id)
        changes[kind] = outcome
    lost: list[dict[str, Any]] = []
    warnings: list[str] = []
    for theater_id in changes["theaters"]["updated"]:
        theater_lost, theater_warnings = _sold_seats_lost(reader, feed.theaters[theater_id], now)
        lost += theater_lost
        warnings += theater_warnings
        old = stored_theaters[theater_id]
        new_rooms = {room.id for room in feed.theaters[theater_id].rooms}
        for room in old.rooms:
            room_id = room.id
            if room_id not in new_rooms:
                warnings.append(f"{theater_id}: room {room_id} is not in the feed and is removed")
    return _CatalogPlan(changes, lost, warnings, problems)


def _catalog_report(plan: _CatalogPlan, feed: _CatalogFeed, *, dry_run: bool) -> ImportReport:
    kinds = plan.changes
    return ImportReport(
        created=sum(len(kinds[k]["created"]) for k in kinds),
        updated=sum(len(kinds[k]["updated"]) for k in kinds),
        unchanged=sum(len(kinds[k]["unchanged"]) for k in kinds),
        invalid=feed.problems + plan.problems,
        refused=plan.lost,
        warnings=plan.warnings,
        first={
            f"{outcome}": [
                {"kind": kind, "id": item_id} for kind in kinds for item_id in kinds[kind][outcome]
            ][:SAMPLE]
            for outcome in ("created", "updated", "unchanged")
        },
        by_kind={kind: {k: len(v) for k, v in outcome.items()} for kind, outcome in kinds.items()},
        rows=feed.count,
        dry_run=dry_run,
    )


def import_theaters(
    storage: Storage,
    clock: Clock,
    source: IO[bytes],
    format: FeedFormat,
    *,
    dry_run: bool = False,
    feed_name: str = "-",
) -> ImportReport:
    """Import cities, theaters (rooms, seat layouts) and movies from JSON or JSON Lines.

    Raises :class:`InvalidFeed` (exit 6) when any record is invalid and
    :class:`SeatsInUse` (exit 4) when a room's new layout would drop seats sold
    for showings still to come; then nothing is written.
    """
    feed = _read_catalog(source, format)
    now = clock()
    plan = _plan_catalog(storage, feed, now)
    _check_catalog(plan, feed, dry_run=dry_run, name=feed_name)
    report = _catalog_report(plan, feed, dry_run=dry_run)
    if dry_run or not plan.writes:
        return report
    with storage.transaction() as tx:
        plan = _plan_catalog(tx, feed, now)
        _check_catalog(plan, feed, dry_run=False, name=feed_name)
        report = _catalog_report(plan, feed, dry_run=False)
        if plan.writes:
            for city_id in plan.changes["cities"]["created"] + plan.changes["cities"]["updated"]:
                tx.put_city(feed.cities[city_id])
            for theater_id in (
                plan.changes["theaters"]["created"] + plan.changes["theaters"]["updated"]
            ):
                tx.put_theater(feed.theaters[theater_id])
            movie_ids = plan.changes["movies"]["created"] + plan.changes["movies"]["updated"]
            if movie_ids:
                tx.put_movies(feed.movies[movie_id] for movie_id in movie_ids)
            tx.append_audit(
                AuditEntry(
                    id=f"aud_{uuid.uuid4().hex}",
                    at=now,
                    actor="import",
                    action="import",
                    subject=f"feed:{feed_name}",
                    details={"kind": "theaters", **report.by_kind},
                )
            )
            report.written = True
    return report


def _check_catalog(plan: _CatalogPlan, feed: _CatalogFeed, *, dry_run: bool, name: str) -> None:
    report = _catalog_report(plan, feed, dry_run=dry_run)
    if report.invalid:
        raise _invalid_feed(report, name, theaters=True)
    if plan.lost:
        texts = [
            f"{item['theater_id']}/{item['room_id']}: showing {item['showing_id']} has tickets "
            f"for {', '.join(item['seats'])}, which the new layout removes"
            for item in plan.lost
        ]
        raise _seats_in_use(report, name, texts)
