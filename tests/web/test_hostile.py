"""A dataset whose every label is hostile shows them as text on every page, never as markup."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from ingest import pipeline, recipes
from portal import create_app, migrate
from tests.conftest import BACKENDS, drop_postgres, new_engine

SCRIPT = "<script>alert('x')</script>"
QUOTES = "\"q\" 'a' `b` </textarea><img src=x onerror=alert(1)>"
RTL = "\u202eevil\u202c \u2067isolate\u2069 שלום"
TITLE = f"Hostile {SCRIPT} & {QUOTES}"


def q(text: str) -> str:
    """A TOML string (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


RECIPE = f"""
[dataset]
id = "hostile-test"
title = {q(TITLE)}
publisher = {q(RTL)}
country = "KZ"
level = "national"
kind = "budget"
currency = "KZT"
license = {q(QUOTES)}
source_url = "javascript:alert(1)"
description = {q(SCRIPT)}

[source]
files = ["hostile.csv"]
unit = 1

[[classification]]
key = "administrative"
kind = "administrative"
label = {q(SCRIPT)}
levels = [
  {{ name = {q(QUOTES)}, code = "Code", label = "Name" }},
  {{ name = {q(RTL)}, code = "Sub", label = "Sub name" }},
]

[[measure]]
key = "amount"
label = {q(QUOTES)}
column = "Amount"
year = 2020
phase = "executed"
"""
ROWS = [
    ("01", SCRIPT, "10", QUOTES, "100"),
    ("01", SCRIPT, "20", RTL, "-5"),
    ("02", QUOTES, "30", "x\u202e<b>bold</b>", "7"),
]
# Everything a hostile label could become if it reached the page unescaped.
RAW = ["<script>alert", "<img src=x", "<b>bold", "javascript:alert"]


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("hostile")
    lines = ["Code,Name,Sub,Sub name,Amount"]
    for row in ROWS:
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in row))
    (folder / "hostile.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "hostile.toml").write_text(RECIPE, encoding="utf-8")
    engine = new_engine(request.param, folder, "hostile")
    migrate.upgrade(engine)
    pipeline.ingest(engine, recipes.parse(folder / "hostile.toml"))
    yield engine
    drop_postgres(engine)


@pytest.fixture(scope="module")
def client(hostile: Engine) -> Iterator[FlaskClient]:
    app: Flask = create_app({"DATABASE_URL": hostile.url.render_as_string(hide_password=False)})
    yield app.test_client()
    app.extensions["ashyq.engine"].dispose()


def pages(client: FlaskClient) -> list[str]:
    base = "/datasets/hostile-test/"
    first = client.get(base + "?lang=en").get_data(as_text=True)
    drill = re.findall(r'href="(/datasets/hostile-test/\?[^"]*cut=administrative[^"]*)"', first)
    line = re.findall(r'href="(/datasets/hostile-test/lines/\d+[^"]*)"', first)
    assert drill and line, "the dataset page links one level down and to its line items"
    return [
        "/",
        "/datasets/",
        base,
        html.unescape(drill[0]),
        html.unescape(line[0]),
        "/search?q=alert",
        "/search?q=evil",
        "/search?q=bold",
    ]


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_hostile_labels_are_text_on_every_page(client: FlaskClient, lang: str) -> None:
    for url in pages(client):
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in body, f"{raw!r} reached {url} unescaped"
        # The label is there, as text: escaped in the page, or in a chart's JSON.
        assert "&lt;script&gt;alert(" in body or "\\u003cscript\\u003e" in body, url
        for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", body, re.S):
            attributes, content = script
            assert "src=" in attributes or 'type="application/json"' in attributes, url
            assert "</" not in content and "<!--" not in content, url


def test_rtl_labels_are_isolated_and_the_page_stays_left_to_right(client: FlaskClient) -> None:
    body = client.get("/datasets/hostile-test/?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in body
    assert f"<bdi>{html.escape(RTL, quote=False)}</bdi>" in body.replace("&#34;", '"')
    assert 'href="javascript:' not in body


def test_the_page_headers_forbid_inline_scripts_and_framing(client: FlaskClient) -> None:
    response = client.get("/datasets/hostile-test/")
    policy = dict(
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    api = client.get("/api/v1/datasets/hostile-test")
    assert "X-Frame-Options" not in api.headers and "Content-Security-Policy" not in api.headers
