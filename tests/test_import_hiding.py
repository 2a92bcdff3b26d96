"""A module made unimportable for the moment of an import, and only then."""

from __future__ import annotations

import sys

import pytest

from cinema_cli.import_hiding import unimportable


def test_a_hidden_module_cannot_be_imported_until_the_block_ends() -> None:
    name = "wave"  # a standard-library module nothing here has imported
    sys.modules.pop(name, None)
    with unimportable(name), pytest.raises(ImportError):
        __import__(name)
    assert name not in sys.modules
    assert __import__(name).__name__ == name


def test_a_module_already_loaded_stays_usable() -> None:
    with unimportable("json"):
        import json

        assert json.dumps([1]) == "[1]"
