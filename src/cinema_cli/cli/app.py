"""The ``cinema`` Typer application: global options, command registration, error mapping.

Start-up stays lean: this module and the command modules import only Typer and
the standard library; each command imports its services (and their heavy
libraries) inside its body.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from cinema_cli import __version__


class CinemaGroup(TyperGroup):
    """The root command; maps every error to its documented message and exit code.

    Overriding ``main`` covers real runs and Typer's test runner alike.
    """

    def main(self, args: Sequence[str] | None = None, *pargs: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        debug = "--debug" in argv or os.environ.get("CINEMA_DEBUG", "") not in ("", "0")
        # Not standalone: usage errors come back to us, so that --json can report them as JSON.
        kwargs["standalone_mode"] = False
        try:
            result = super().main(argv, *pargs, **kwargs)
        except typer.Abort:
            sys.stderr.write("Aborted.\n")
            raise SystemExit(1) from None
        except Exception as error:
            from cinema_cli.cli.errors import report, report_usage

            if hasattr(error, "format_message") and hasattr(error, "exit_code"):
                report_usage(error, as_json=as_json)
            report(error, as_json=as_json, debug=debug)
        finally:
            from cinema_cli.cli.context import set_runtime

            set_runtime(None)
        if isinstance(result, int) and result:  # typer.Exit(code) and Ctrl-C (130)
            raise SystemExit(result)
        return result


app = typer.Typer(
    cls=CinemaGroup,
    name="cinema",
    help="Book movie-theater seats: search, seat maps, reservations, e-tickets, check-in, imports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"cinema-cli {__version__}\n")
        raise typer.Exit()


@app.callback()
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="CINEMA_DATA_DIR",
            help="Data folder (JSON data, keys, tickets, outbox). [default: user data folder]",
            show_default=False,
        ),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage",
            envvar="CINEMA_STORAGE",
            help="json (default), json:///folder, sqlite:///file.db or postgresql+psycopg://user@host/db.",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Book movie-theater seats from the shell, from cron and from CI.

    Start with `cinema demo`, then `cinema search`, `cinema seats SHOWING_ID`,
    `cinema reserve SHOWING_ID --count 2` and `cinema buy RESERVATION_ID ...`.
    """
    from cinema_cli.bootstrap import Runtime
    from cinema_cli.cli.context import set_runtime
    from cinema_cli.config import Settings

    set_runtime(Runtime(Settings.from_env(data_dir=data_dir, storage_url=storage, debug=debug)))


def _register() -> None:
    """Attach every command module; each keeps its heavy imports inside its commands."""
    from cinema_cli.cli.commands import register_all

    register_all(app)


_register()


def run(argv: list[str] | None = None) -> None:
    """Run the app (``cinema`` and ``python -m cinema_cli``)."""
    try:
        app(args=argv, prog_name="cinema")
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
