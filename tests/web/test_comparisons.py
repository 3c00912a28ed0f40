"""Plan versus actual, budget revisions and changes between versions, on a tiny budget whose
every figure the test knows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from ingest import pipeline, recipes
from portal import create_app, migrate
from tests.conftest import BACKENDS, drop_postgres, new_engine

RECIPE = """
[dataset]
id = "tiny-budget"
title = "Tiny budget"
publisher = "Test"
country = "KZ"
level = "national"
kind = "budget"
currency = "KZT"

[source]
files = ["tiny.csv"]
unit = 1

[[classification]]
key = "administrative"
kind = "administrative"
label = "Administrator"
levels = [{ name = "Administrator", code = "Code", label = "Name" }]

[[measure]]
key = "amount"
label = "Amount"
column = "Approved"
year = 2021
phase = "approved"

[[measure]]
key = "amount"
label = "Amount"
column = "Adjusted"
year = 2021
phase = "adjusted"

[[measure]]
key = "amount"
label = "Amount"
column = "Executed"
year = 2021
phase = "executed"
"""
FIRST = [("01", "Schools", 100, 120, 90), ("02", "Roads", 50, 40, 45)]
SECOND = [("01", "Schools", 100, 120, 110), ("02", "Roads", 50, 40, 45)]


def write(folder: Path, rows: list[tuple[str, str, int, int, int]]) -> None:
    text = "Code,Name,Approved,Adjusted,Executed\n" + "".join(
        ",".join(map(str, row)) + "\n" for row in rows
    )
    (folder / "tiny.csv").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module", params=BACKENDS)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.toml").write_text(RECIPE, encoding="utf-8")
    engine: Engine = new_engine(request.param, folder, "tiny")
    migrate.upgrade(engine)
    for rows in (FIRST, SECOND):  # the publisher corrected its execution figure
        write(folder, rows)
        pipeline.ingest(engine, recipes.parse(folder / "tiny.toml"))
    app: Flask = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    yield app.test_client()
    app.extensions["ashyq.engine"].dispose()
    drop_postgres(engine)


def section(body: str, title: str) -> dict[str, list[Decimal]]:
    """The rows of the first table after a heading: label -> the exact values."""
    start = body.index(title)
    table = body[start : body.index("</table>", start)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        label = re.findall(r"<bdi>(.*?)</bdi>", row)
        if label:
            rows[label[0]] = [Decimal(v) for v in re.findall(r'data-value="([-\d.E+]+)"', row)]
    return rows


def test_plan_versus_actual_revisions_and_versions(client: FlaskClient) -> None:
    body = client.get("/datasets/tiny-budget/?lang=en").get_data(as_text=True)
    assert "Executed · Expenditure · 2021" in body
    plan = section(body, "Plan versus actual")
    # adjusted, executed, change, rate (the plan is the adjusted budget when there is one)
    assert plan["Schools"][:3] == [120, 110, -10]
    assert plan["Schools"][3] == Decimal(110) / Decimal(120)
    assert plan["Roads"][:3] == [40, 45, 5]
    revised = section(body, "Budget revisions: approved versus adjusted")
    assert revised["Schools"][:3] == [100, 120, 20] and revised["Roads"][:3] == [50, 40, -10]
    versions = section(body, "Changes between versions")
    assert versions["Schools"][:3] == [90, 110, 20]
    assert versions["Roads"][:3] == [45, 45, 0]
    # The first version is still there, and says it is not the current one.
    old = client.get("/datasets/tiny-budget/?version=1&lang=en").get_data(as_text=True)
    assert "not the current one" in old and "Changes between versions" not in old
