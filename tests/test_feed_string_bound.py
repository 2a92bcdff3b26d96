"""One string value of a JSON-array feed is bounded before ijson builds it whole."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cinema_cli.domain.limits import FEED_STRING_BYTES
from cinema_cli.services.imports.reading import FeedBroken, records
from cinema_cli.services.imports.string_bound import BoundedStrings, StringTooLong

_ROW = {
    "showing_id": "x1",
    "theater_id": "t",
    "room_id": "r",
    "movie_id": "m",
    "starts_at": "2026-12-10T20:00",
    "price": "9.00",
}


def _read_all(stream: BoundedStrings, size: int) -> bytes:
    parts = []
    while chunk := stream.read(size):
        parts.append(chunk)
    return b"".join(parts)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@settings(max_examples=200)
@given(value=json_values, ascii_only=st.booleans(), size=st.integers(1, 64))
def test_valid_json_passes_through_unchanged(value: object, ascii_only: bool, size: int) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    stream = BoundedStrings(io.BytesIO(data), limit=len(data))
    assert _read_all(stream, size) == data


@example(text='\\\\"\\', size=1)
@example(text='"""', size=2)
@given(
    text=st.text(alphabet=st.sampled_from('ab"\\\né'), min_size=1, max_size=40)
    | st.text(min_size=1, max_size=40),
    size=st.integers(1, 8),
)
def test_a_string_one_byte_past_the_limit_is_refused_at_any_chunking(text: str, size: int) -> None:
    literal = json.dumps(text).encode()  # with quotes and escapes, as written
    inside = len(literal) - 2
    at_limit = BoundedStrings(io.BytesIO(b"[" + literal + b"]"), limit=inside)
    assert _read_all(at_limit, size) == b"[" + literal + b"]"
    past = BoundedStrings(io.BytesIO(b"[" + literal + b"]"), limit=inside - 1)
    with pytest.raises(StringTooLong):
        _read_all(past, size)


def test_escaped_quotes_and_backslashes_do_not_end_the_string() -> None:
    data = b'{"a": "x\\\\", "b": "\\"' + b"y" * 20 + b'"}'
    with pytest.raises(StringTooLong) as raised:
        _read_all(BoundedStrings(io.BytesIO(data), limit=10), 3)
    assert raised.value.offset == data.index(b'"\\"')


def test_a_2_mb_string_stops_the_feed_early_and_keeps_memory_small() -> None:
    size = 2_000_000
    row = dict(_ROW, note="a" * size)
    feed = json.dumps([_ROW, row], indent=1).encode()
    line = feed[: feed.index(b'"aaaa')].count(b"\n") + 1
    tracemalloc.start()
    try:
        with pytest.raises(FeedBroken) as raised:
            list(records(io.BytesIO(feed), "json", []))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (problem,) = raised.value.problems
    assert problem.line == line
    assert "longer than the field limit (65,536 characters, 393,216 bytes" in problem.message
    assert peak < FEED_STRING_BYTES + 256 * 1024 < size // 2, peak
