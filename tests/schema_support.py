"""Check real ``--json`` output against the published JSON Schemas, strictly.

The published schemas let consumers ignore keys added later; here every object is closed
(``additionalProperties: false``) so that a key the output has and the schema lacks fails.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator

from cinema_cli.present.schemas import json_schema


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed(value)
    elif isinstance(node, list):
        for value in node:
            _closed(value)
    return node


def assert_shape(name: str, document: Any) -> None:
    """Fail with every mismatch when ``document`` does not match the shape ``name``."""
    schema = _closed(copy.deepcopy(json_schema(name)))
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors
    )
