"""An API client over a database holding the tiny test dataset and two bundled ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from ingest import pipeline, recipes
from portal import create_app, migrate
from tests.api import tiny
from tests.conftest import BACKENDS, drop_postgres, new_engine

BUNDLED = ("us-omb-outlays-fy2022", "al-treasury-payments-2014-12")


@pytest.fixture(scope="package", params=BACKENDS)
def api_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("api")
    engine = new_engine(request.param, folder, "api")
    migrate.upgrade(engine)
    pipeline.ingest(engine, recipes.parse(tiny.write(folder)))
    for dataset_id in BUNDLED:
        pipeline.ingest(engine, recipes.load(dataset_id))
    yield engine
    drop_postgres(engine)


@pytest.fixture(scope="package")
def api_app(api_engine: Engine) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": api_engine.url.render_as_string(hide_password=False)})
    yield app
    app.extensions["ashyq.engine"].dispose()


@pytest.fixture
def client(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


@pytest.fixture(scope="package")
def raw_dir() -> Path:
    from portal.config import DATASETS_DIR

    return DATASETS_DIR / "raw"
