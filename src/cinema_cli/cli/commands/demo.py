"""``cinema demo``: load the demo theaters, movies and two weeks of showings."""

from __future__ import annotations

import typer

from cinema_cli.cli.options import JsonFlag


def demo(json: JsonFlag = False) -> None:
    """Load demo data: 4 cities, 5 theaters, 11 classic movies, showings for 14 days.

    Also books two seats for demo@example.com and says where the e-tickets are.
    Running it again changes nothing (later days are added as time goes on).

    Example: `cinema demo`
    """
    from cinema_cli.cli.context import runtime
    from cinema_cli.services.demo import load_demo

    rt = runtime()
    result = load_demo(
        rt.storage, rt.clock, office=rt.box_office, hold_seconds=rt.settings.hold_seconds
    )
    if json:
        from cinema_cli.cli.output import emit_json
        from cinema_cli.present.demo import demo as demo_shape

        emit_json(demo_shape(result))
        return
    from cinema_cli.cli.output import console
    from cinema_cli.cli.render_catalog import render_demo

    render_demo(console(), result)


def register(app: typer.Typer) -> None:
    """Attach ``cinema demo``."""
    app.command("demo")(demo)
