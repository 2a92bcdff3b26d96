"""The settings sent with each transaction when a pooler refuses libpq's start-up options."""

from __future__ import annotations

import pytest

from cinema_cli.storage.sql.pooled import BadOptions, refused_options, set_config_sql, settings


def test_every_spelling_of_a_setting_in_libpq_options_is_read_in_order() -> None:
    options = "-csearch_path=store_a -c timezone=UTC --lock-timeout=2500 -c x=a\\ b"
    assert settings(options) == [
        ("search_path", "store_a"),
        ("timezone", "UTC"),
        ("lock_timeout", "2500"),
        ("x", "a b"),
    ]
    assert settings("  ") == []


@pytest.mark.parametrize("options", ["-c", "search_path=a", "-c =1", "-c 1x=2", "-X foo", "-c a"])
def test_options_that_are_not_settings_are_refused(options: str) -> None:
    with pytest.raises(BadOptions):
        settings(options)


def test_values_are_sql_literals_even_with_quotes() -> None:
    assert set_config_sql([("search_path", "a, b"), ("application_name", "o'neil")]) == (
        "SELECT set_config('search_path', 'a, b', true), "
        "set_config('application_name', 'o''neil', true)"
    )


def test_only_a_refused_startup_parameter_counts_as_a_pooler() -> None:
    assert refused_options(Exception("FATAL:  unsupported startup parameter: options"))
    assert refused_options(Exception("unsupported options startup parameter: lock_timeout"))
    assert not refused_options(Exception('FATAL:  database "nope" does not exist'))
    assert not refused_options(Exception("connection refused"))
