"""The `ashyq` command: a thin click wrapper over library code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from portal import config
from portal.db import make_engine


class UserError(click.ClickException):
    """An error a person can act on: printed as one line, exit status 1."""


@contextmanager
def _engine() -> Iterator[Engine]:
    from flask import Flask

    instance = Flask("portal", instance_relative_config=True).instance_path
    Path(instance).mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.from_environment(instance)["DATABASE_URL"])
    try:
        yield engine
    finally:
        engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Ashyq: ingest government budget files and serve them as a public portal.

    The database is DATABASE_URL (default: a SQLite file in the instance folder).
    """


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from portal import migrate

    with _engine() as engine:
        migrate.upgrade(engine)
        click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@main.command()
@click.argument("recipe", required=False)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(),
    help="Read this file instead "
    "of the recipe's bundled one (another year, edition or region of the same report).",
)
@click.option("--all", "run_all", is_flag=True, help="Ingest every bundled recipe.")
@click.option("--region", help="Region name for recipes whose files do not name it inside.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(
    recipe: str | None, files: tuple[str, ...], run_all: bool, region: str | None, quiet: bool
) -> None:
    """Ingest RECIPE (a recipe file or a dataset id), or --all bundled recipes."""
    from ingest import pipeline, recipes
    from ingest.errors import IngestError
    from portal import migrate

    if run_all == bool(recipe):
        raise UserError("give either a RECIPE or --all")
    try:
        chosen = recipes.bundled() if run_all else [recipes.load(recipe or "")]
        with _engine() as engine:
            migrate.upgrade(engine)
            for item in chosen:
                report = pipeline.ingest(
                    engine,
                    item,
                    files=[Path(f) for f in files],
                    region=region,
                    progress=not quiet,
                )
                click.echo(report.summary())
    except IngestError as error:
        raise UserError(str(error)) from None


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address to listen on.")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
def serve(bind: str, workers: int) -> None:
    """Serve the portal with gunicorn."""
    _serve(bind, workers)


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="Address to listen on.")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
def demo(bind: str, workers: int) -> None:
    """Migrate, ingest every bundled dataset (unchanged ones are skipped), then serve."""
    ctx = click.get_current_context()
    ctx.invoke(db_upgrade)
    ctx.invoke(ingest, recipe=None, files=(), run_all=True, region=None, quiet=True)
    _serve(bind, workers)


def _serve(bind: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from portal import create_app

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return create_app()

    click.echo(f"Ashyq at http://{bind}/")
    Server().run()


if __name__ == "__main__":
    sys.exit(main())
