"""Entry point for ``cinema`` and ``python -m cinema_cli``."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command-line application."""
    if sys.argv[1:] == ["--version"]:
        # Scripts call this to probe the install: answer before loading Typer.
        from cinema_cli import __version__

        sys.stdout.write(f"cinema-cli {__version__}\n")
        return
    from cinema_cli.cli.app import run

    run()


if __name__ == "__main__":
    main()
