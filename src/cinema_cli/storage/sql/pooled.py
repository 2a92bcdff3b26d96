"""Session settings through a transaction pooler that refuses them at start-up (PgBouncer).

A connection's settings (``search_path``, the UTC time zone, ``lock_timeout``...) normally
travel in libpq's start-up packet (``options``). PgBouncer refuses that parameter (before
1.20; later versions accept only the few settings it tracks), and in its transaction
pooling mode a ``SET`` would stay behind on whichever server connection ran it, for the
next client. So, when the start-up options are refused, the same settings go with every
transaction instead: ``set_config(name, value, true)`` lasts until the end of the
transaction it runs in, which for a statement sent alone is that statement's own.
"""

from __future__ import annotations

import re


class BadOptions(ValueError):
    """An ``options`` string that is not a list of ``-c name=value`` settings."""


def refused_options(error: Exception) -> bool:
    """Whether a failed connection was a pooler refusing the start-up ``options``."""
    text = str(error).lower()
    return "unsupported" in text and "startup parameter" in text


def settings(options: str) -> list[tuple[str, str]]:
    """The ``-c name=value`` (or ``-cname=value``, ``--name=value``) pairs of a libpq
    ``options`` string, in order; a backslash keeps a space in a value."""
    words = [w.replace("\\ ", " ") for w in re.split(r"(?<!\\)\s+", options.strip()) if w]
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(words):
        word = words[at]
        if word == "-c" and at + 1 < len(words):
            word, at = words[at + 1], at + 2
        elif word.startswith(("-c", "--")):
            word, at = word[2:], at + 1
        else:
            raise BadOptions(word)
        name, equals, value = word.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z_][\w.-]*", name):
            raise BadOptions(word)
        pairs.append((name.replace("-", "_"), value))
    return pairs


def set_config_sql(pairs: list[tuple[str, str]]) -> str:
    """One statement applying ``pairs`` until the end of the current transaction."""
    calls = (f"set_config({_literal(name)}, {_literal(value)}, true)" for name, value in pairs)
    return f"SELECT {', '.join(calls)}"


def _literal(text: str) -> str:
    # standard_conforming_strings is on (PostgreSQL's default since 9.1): only ' is special.
    return "'" + text.replace("'", "''") + "'"
