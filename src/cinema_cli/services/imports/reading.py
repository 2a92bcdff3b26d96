"""Reading feeds record by record: CSV through :mod:`csv` over a text stream, JSON Lines
line by line, JSON arrays through ``ijson``, so only the parsed rows are ever kept."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import IO, NamedTuple

from cinema_cli.domain.feeds import KNOWN_COLUMNS, FeedProblem
from cinema_cli.domain.limits import FEED_FIELD_CHARACTERS, FEED_LINE_BYTES, FEED_STRING_BYTES
from cinema_cli.services.imports.formats import FeedFormat


class Record(NamedTuple):
    """One record of a feed: its values, or the problem that kept it from having any."""

    # A named tuple: one is made per feed row, and tuples are the cheapest to make.
    line: int | None
    record: str | None
    values: Mapping[str, object] | None
    problem: FeedProblem | None = None


def position(source: IO[bytes]) -> int:
    """How many bytes of ``source`` were read (0 when it cannot tell: a pipe)."""
    try:
        return source.tell()
    except (OSError, ValueError):
        return 0


def _csv_records(source: IO[bytes], warnings: list[str]) -> Iterator[Record]:
    # utf-8-sig drops a BOM when there is one; newline="" lets csv handle CRLF, LF and
    # line breaks inside quoted cells.
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    # A documented bound on one cell: csv then stops with "field larger than field limit".
    csv.field_size_limit(FEED_FIELD_CHARACTERS)
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
            raise FeedBroken(problems)
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
                yield Record(
                    start,
                    None,
                    None,
                    FeedProblem(
                        start, "", f"has {len(row)} values but the header has {width} columns"
                    ),
                )
                continue
            yield Record(start, None, dict(zip(names, row, strict=True)))
    except UnicodeDecodeError:
        raise FeedBroken(
            [FeedProblem(reader.line_num + 1, "", "is not UTF-8 text (save the feed as UTF-8)")]
        ) from None
    except csv.Error as error:
        raise FeedBroken([FeedProblem(reader.line_num, "", f"is not valid CSV: {error}")]) from None
    finally:
        text.detach()


def jsonl_records(source: IO[bytes]) -> Iterator[Record]:
    """One record per line of JSON Lines; blank lines are skipped."""
    import orjson

    number = 0
    while raw := source.readline(FEED_LINE_BYTES + 1):
        number += 1
        if len(raw.rstrip(b"\r\n")) > FEED_LINE_BYTES:
            raise FeedBroken(
                [FeedProblem(number, "", f"is longer than {FEED_LINE_BYTES:,} bytes, the limit")]
            )
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            yield Record(number, None, None, FeedProblem(number, "", f"is not valid JSON: {error}"))
            continue
        if not isinstance(value, dict):
            yield Record(number, None, None, FeedProblem(number, "", "is not a JSON object"))
            continue
        yield Record(number, None, value)


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


def _json_records(source: IO[bytes], key: str) -> Iterator[Record]:
    import ijson

    from cinema_cli.services.imports.string_bound import BoundedStrings, StringTooLong

    if not hasattr(source, "peek"):
        source = io.BufferedReader(source)  # type: ignore[type-var]  # BytesIO in tests
    first = _first_byte(source)
    if first == b"[":
        prefix = "item"
    elif first == b"{":
        prefix = f"{key}.item"
    else:
        raise FeedBroken(
            [FeedProblem(None, "", f'a JSON feed is an array of records or {{"{key}": [...]}}')]
        )
    index = -1
    bounded = BoundedStrings(source, FEED_STRING_BYTES, offset=position(source))
    try:
        for index, value in enumerate(ijson.items(bounded, prefix)):
            label = f"{key}[{index}]"
            if not isinstance(value, dict):
                yield Record(
                    None, label, None, FeedProblem(None, "", "is not a JSON object", label)
                )
                continue
            yield Record(None, label, value)
    except ijson.JSONError as error:
        raise FeedBroken(
            [FeedProblem(None, "", f"the JSON is malformed after {key}[{index}]: {error}")]
        ) from None
    except UnicodeDecodeError:
        raise FeedBroken([FeedProblem(None, "", "is not UTF-8 text")]) from None
    except StringTooLong as long:
        message = (
            f"a string value is longer than the field limit ({FEED_FIELD_CHARACTERS:,} "
            f"characters, {long.limit:,} bytes as written); it starts at byte {long.offset:,}"
        )
        raise FeedBroken([FeedProblem(long.line, "", message)]) from None


class FeedBroken(Exception):
    """The feed cannot be read on (bad header, not UTF-8, malformed JSON)."""

    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


def records(source: IO[bytes], fmt: FeedFormat, warnings: list[str]) -> Iterator[Record]:
    """The records of a showtime feed, one by one; raises :class:`FeedBroken`."""
    if fmt == "csv":
        return _csv_records(source, warnings)
    if fmt == "jsonl":
        return jsonl_records(source)
    return _json_records(source, "showtimes")
