"""Every database test runs on SQLite, and on PostgreSQL when ASHYQ_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, make_url, text

from portal import create_app, migrate
from portal.db import make_engine

POSTGRES_URL = os.environ.get("ASHYQ_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _admin() -> Engine:
    return make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def fresh_postgres(database: str) -> str:
    """A new, empty PostgreSQL database beside the test one; its URL."""
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def drop_postgres(engine: Engine) -> None:
    engine.dispose()
    if engine.dialect.name == "postgresql":
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)')
            )
        admin.dispose()


def new_engine(backend: str, folder: Path, name: str) -> Engine:
    """An engine on a brand-new database; PostgreSQL names carry the process id so that
    several test runs can share one server."""
    if backend == "sqlite":
        return make_engine(f"sqlite:///{folder / (name + '.sqlite')}")
    return make_engine(fresh_postgres(f"ashyq_{name}_{os.getpid()}"))


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new database with no tables."""
    engine = new_engine(request.param, tmp_path, "empty")
    yield engine
    drop_postgres(engine)


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a new database migrated to the newest schema."""
    migrate.upgrade(empty_engine)
    return empty_engine


def loaded(*dataset_ids: str) -> Callable[..., Any]:
    """A module-scoped fixture: a migrated database on each backend holding these datasets.

    Use as `db = loaded("il-mof-execution-1998")` at module level in a test module.
    """

    @pytest.fixture(scope="module", params=BACKENDS)
    def fixture(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[Engine]:
        from ingest import pipeline, recipes

        name = "_".join(d.replace("-", "_") for d in dataset_ids)[:40]
        engine = new_engine(request.param, tmp_path_factory.mktemp(name), name)
        migrate.upgrade(engine)
        for dataset_id in dataset_ids:
            pipeline.ingest(engine, recipes.load(dataset_id))
        yield engine
        drop_postgres(engine)

    return fixture


@pytest.fixture
def app(engine: Engine) -> Iterator[Flask]:
    """The portal on a migrated, empty database."""
    application = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    yield application
    application.extensions["ashyq.engine"].dispose()
