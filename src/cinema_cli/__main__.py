"""Entry point for ``cinema`` and ``python -m cinema_cli``."""

from __future__ import annotations


def main() -> None:
    """Run the command-line application."""
    from cinema_cli.cli.app import run

    run()


if __name__ == "__main__":
    main()
