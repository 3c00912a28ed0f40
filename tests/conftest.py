"""Every database test runs on SQLite, and on PostgreSQL when ASHYQ_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, make_url, text

from portal import create_app, migrate
from portal.db import make_engine

POSTGRES_URL = os.environ.get("ASHYQ_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def fresh_postgres(database: str) -> str:
    """A new, empty PostgreSQL database beside the test one; its URL."""
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def fresh_url(backend: str, folder: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite')}"
    return fresh_postgres(f"ashyq_{name}")


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new database with no tables."""
    engine = make_engine(fresh_url(request.param, tmp_path, "empty"))
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a new database migrated to the newest schema."""
    migrate.upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def app(engine: Engine) -> Iterator[Flask]:
    """The portal on a migrated, empty database."""
    application = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    yield application
    application.extensions["ashyq.engine"].dispose()
