"""The presenter: the one place that builds the documented JSON shapes.

Services return typed results (dataclasses); a function here turns each result into its
shape, a ``TypedDict`` that is also the shape's typed definition. The CLI's ``--json`` and
the HTTP API both print what these functions return, so the two cannot disagree, and
``cinema schema NAME`` prints the JSON Schema generated from the same ``TypedDict``
(:mod:`cinema_cli.present.schemas`).

Conventions: one module per area (``common`` for shapes shared by several commands);
amounts are strings with their currency's decimals; instants are ISO 8601 with the
theater's UTC offset (audit and key times in UTC); keys are only ever added.
"""
