"""Command-line interface: parsing and rendering only; use cases live in ``services``."""
