"""The ``cinema`` Typer application: global options, command registration, error mapping.

Start-up stays lean: this module and the command modules import only Typer and
the standard library; each command imports its services (and their heavy
libraries) inside its body.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from cinema_cli import __version__


class _LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name; a command is built the first time it is looked up."""

    def __init__(self) -> None:
        from cinema_cli.cli.commands import COMMANDS

        self._modules = COMMANDS
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            module_name = self._modules[name]  # KeyError for unknown commands, as a dict would
            self._built.update(_build_module(module_name, only=name))
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


def _build_module(module_name: str, only: str | None = None) -> dict[str, Any]:
    """Build the Click commands of one module of ``cli.commands`` (and only that one).

    With ``only``, just that command of the module is built (Typer reads every parameter's
    annotations to build one: the module's other commands would cost as much as the one
    that runs); the module is built whole when no registration carries that name.
    """
    import importlib

    module = importlib.import_module(f"cinema_cli.cli.commands.{module_name}")
    holder = typer.Typer(
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    holder.callback()(lambda: None)  # a callback makes Typer build a group we can pick from
    module.register(holder)
    if only is not None:
        commands = [info for info in holder.registered_commands if info.name == only]
        groups = [
            info
            for info in holder.registered_groups
            if (info.name or (info.typer_instance and info.typer_instance.info.name)) == only
        ]
        if commands or groups:
            holder.registered_commands, holder.registered_groups = commands, groups
    group = typer.main.get_command(holder)
    return dict(getattr(group, "commands", {}))


class CinemaGroup(TyperGroup):
    """The root command; maps every error to its documented message and exit code.

    Overriding ``main`` covers real runs and Typer's test runner alike. Commands are
    built lazily (see :mod:`cinema_cli.cli.commands`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands()

    def main(self, args: Sequence[str] | None = None, *pargs: Any, **kwargs: Any) -> Any:
        from cinema_cli.cli.global_options import reorder

        argv = reorder(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        debug = "--debug" in argv or os.environ.get("CINEMA_DEBUG", "") not in ("", "0")
        # Not standalone: usage errors come back to us, so that --json can report them as JSON.
        kwargs["standalone_mode"] = False
        if any("\x00" in arg for arg in argv):
            # A real argv cannot hold NUL; in-process callers can, and paths choke on it.
            from cinema_cli.cli.errors import report_usage

            report_usage(
                typer.BadParameter("arguments cannot contain NUL characters"), as_json=as_json
            )
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
            help="json (default), json:///folder, sqlite:///file.db or postgresql://user@host/db.",
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
    from cinema_cli.cli.context import set_command_prefix, set_runtime
    from cinema_cli.config import Settings

    # Options that came from the environment are in the shell already; flags are not.
    given = []
    if data_dir is not None and os.environ.get("CINEMA_DATA_DIR") != str(data_dir):
        given += ["--data-dir", str(data_dir)]
    if storage is not None and os.environ.get("CINEMA_STORAGE") != storage:
        given += ["--storage", storage]
    set_command_prefix(given)
    set_runtime(Runtime(Settings.from_env(data_dir=data_dir, storage_url=storage, debug=debug)))


def run(argv: list[str] | None = None) -> None:
    """Run the app (``cinema`` and ``python -m cinema_cli``)."""
    try:
        app(args=argv, prog_name="cinema")
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
