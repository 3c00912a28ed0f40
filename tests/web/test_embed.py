"""Embeds without a browser: headers (frameable or not), hashed static files, compression,
oEmbed agreeing with the builder's snippet, images, 404 embeds, and a pinned embed that keeps
its figures after the dataset is loaded again with changed data."""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from ingest import pipeline, recipes
from portal import create_app
from tests.conftest import loaded

DATASET = "il-mof-execution-1998"
db = loaded(DATASET)
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(scope="module")
def client(db: Engine) -> Iterator[FlaskClient]:
    app: Flask = create_app({"DATABASE_URL": db.url.render_as_string(hide_password=False)})
    yield app.test_client()
    app.extensions["ashyq.engine"].dispose()


def text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def figure(body: str) -> dict:
    found = re.search(r'<script type="application/json" id="fig">(.*?)</script>', body, re.S)
    assert found, "no figure in the embed"
    return json.loads(found[1])


def test_embed_pages_may_be_framed_and_other_pages_not(client: FlaskClient) -> None:
    embed = client.get(f"/embed/{DATASET}/treemap?lang=en")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert "Set-Cookie" not in embed.headers  # ?lang= sets no cookie in an embed
    missing = client.get("/embed/no-such-dataset/treemap?lang=en")
    assert missing.status_code == 404
    assert "frame-ancestors *" in missing.headers["Content-Security-Policy"]
    for url in (
        f"/datasets/{DATASET}/?lang=en",
        f"/datasets/{DATASET}/embed/treemap?lang=en",
        "/?lang=en",
        "/no-such-page",
    ):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url


def test_static_files_have_hashed_immutable_names(client: FlaskClient) -> None:
    page = text(client, f"/embed/{DATASET}/top?lang=en")
    names = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert any("plotly-basic" in n for n in names) and not any("plotly.min" in n for n in names)
    for name in names:
        response = client.get(name)
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        digest = re.search(r"\.([0-9a-f]{10})\.", name)
        assert digest, name
        # A name whose hash is not the content's is never served.
        stale = client.get(name.replace(digest[1], "0" * 10))
        assert stale.status_code == 404
    treemap = text(client, f"/embed/{DATASET}/treemap?lang=en")
    assert re.search(r'src="/assets/plotly\.min\.[0-9a-f]{10}\.js"', treemap)
    host = client.get("/assets/embed-host.js")
    assert host.status_code == 200 and "immutable" not in host.headers["Cache-Control"]


def test_text_responses_are_compressed(client: FlaskClient) -> None:
    page = client.get(f"/embed/{DATASET}/top?lang=en")
    for url in (
        f"/embed/{DATASET}/top?lang=en",
        f"/datasets/{DATASET}/?lang=en",
        re.findall(r'src="(/assets/vendor/plotly-basic[^"]+)"', page.get_data(as_text=True))[0],
        f"/api/v1/datasets/{DATASET}/aggregate?drilldown=administrative.1",
    ):
        plain = client.get(url)
        packed = client.get(url, headers=GZIP)
        assert packed.headers.get("Content-Encoding") == "gzip", url
        assert "Accept-Encoding" in packed.headers.get("Vary", ""), url
        assert gzip.decompress(packed.get_data()) == plain.get_data(), url
        assert len(packed.get_data()) < len(plain.get_data()), url


def test_every_chart_page_names_its_oembed_and_image(client: FlaskClient) -> None:
    for url in (
        f"/datasets/{DATASET}/?lang=en",
        f"/embed/{DATASET}/plan?lang=en",
        f"/datasets/{DATASET}/embed/top?lang=en",
    ):
        body = text(client, url)
        link = re.search(
            r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', body
        )
        assert link, url
        answer = client.get(html.unescape(link[1]))
        assert answer.status_code == 200 and answer.json["type"] == "rich", url
        image = re.search(r'<meta property="og:image" content="([^"]+)"', body)
        assert image and ".png?" in image[1], url
        assert 'name="twitter:card" content="summary_large_image"' in body


def test_oembed_answer_and_builder_snippet_agree(client: FlaskClient) -> None:
    query = "c=administrative&cut=administrative.1:0020&year=1998&phase=executed&lang=ru"
    builder = text(client, f"/datasets/{DATASET}/embed/treemap?{query}&embed_lang=ru")
    snippet = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", builder, re.S)[1])
    answer = client.get(
        "/oembed?format=json&url=" + quote(f"http://localhost/embed/{DATASET}/treemap?{query}")
    )
    assert answer.status_code == 200
    data = answer.json
    assert data["html"] == snippet
    assert data["version"] == "1.0" and data["provider_name"] == "Ashyq"
    src = re.search(r'<iframe src="([^"]+)"', snippet)[1]
    height = int(re.search(r'height="(\d+)"', snippet)[1])
    assert data["height"] == height
    assert 'loading="lazy"' in snippet and "/assets/embed-host.js" in snippet
    asked = parse_qs(urlsplit(html.unescape(src)).query)
    assert asked["cut"] == ["administrative.1:0020"] and asked["lang"] == ["ru"]
    assert "version" not in asked  # live by default
    # The iframe shows the same chart that the oEmbed answer names.
    frame = client.get(urlsplit(html.unescape(src)).path + "?" + urlsplit(html.unescape(src)).query)
    assert frame.status_code == 200
    assert html.escape(data["title"], quote=False) in frame.get_data(as_text=True)
    thumb = client.get(data["thumbnail_url"].replace("http://localhost", ""))
    assert thumb.status_code in (200, 503)
    if thumb.status_code == 200:
        assert thumb.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    pinned = text(client, f"/datasets/{DATASET}/embed/treemap?{query}&mode=pinned")
    assert "version=1" in html.unescape(
        re.search(r"<textarea[^>]*>(.*?)</textarea>", pinned, re.S)[1]
    )


def test_oembed_errors_follow_the_spec(client: FlaskClient) -> None:
    url = quote(f"http://localhost/embed/{DATASET}/treemap")
    assert client.get(f"/oembed?format=xml&url={url}").status_code == 501
    assert (
        client.get("/oembed?format=json&url=" + quote("http://localhost/about")).status_code == 404
    )
    missing = quote("http://localhost/embed/no-such-dataset/treemap")
    assert client.get(f"/oembed?format=json&url={missing}").status_code == 404
    bad_kind = quote(f"http://localhost/embed/{DATASET}/pie")
    assert client.get(f"/oembed?format=json&url={bad_kind}").status_code == 404


def test_unknown_ids_give_a_clear_404_embed(client: FlaskClient) -> None:
    for url, words in (
        ("/embed/no-such-dataset/treemap?lang=en", "no dataset 'no-such-dataset'"),
        (f"/embed/{DATASET}/pie?lang=en", "no chart kind 'pie'"),
        (f"/embed/{DATASET}/treemap?lang=en&cut=administrative.1:9999", "9999"),
        (f"/embed/{DATASET}/treemap?lang=en&version=99", "has no version 99"),
    ):
        body = text(client, url, 404)
        assert "Chart not found" in body and words in html.unescape(body), url
        assert '<div class="chart"' not in body  # never another chart instead


def test_without_javascript_the_embed_has_its_figures_as_a_table(client: FlaskClient) -> None:
    body = text(client, f"/embed/{DATASET}/top?lang=en")
    fig = figure(body)
    rows = re.findall(r'<tr><th scope="row">.*?</tr>', body, re.S)
    assert len(rows) == len(fig["data"][0]["x"])
    # The figure lists bars bottom up; the table top down, with the exact amounts.
    cells = [re.search(r'<td class="num">([^<]*)</td>', r)[1] for r in rows]
    amounts = [int(re.sub(r"[^\d-]", "", c)) for c in cells]
    assert amounts == [int(v) for v in reversed(fig["data"][0]["x"])]
    csv_link = html.unescape(re.search(r'<a href="(/api/v1/[^"]+)" download>', body)[1])
    assert csv_link.startswith(f"/api/v1/datasets/{DATASET}/aggregate.csv?")


def test_images_are_svg_and_png(client: FlaskClient) -> None:
    svg = client.get(f"/embed/{DATASET}/plan.svg?lang=en")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")
    body = svg.get_data(as_text=True)
    assert body.startswith("<svg") and "<script" not in body
    assert "Israel Ministry of Finance, Accountant General" in body
    png = client.get(f"/embed/{DATASET}/treemap.png?lang=kk")
    # PNG needs cairo: without it the answer is a clear 503, never a 500.
    assert png.status_code in (200, 503)
    if png.status_code == 200:
        assert png.mimetype == "image/png" and png.get_data()[:4] == b"\x89PNG"
    assert client.get(f"/embed/{DATASET}/treemap.gif").status_code == 404


RECIPE = """\
[dataset]
id = "test-embed-pin"
title = "A small budget to pin"
publisher = "Pin test publisher"
country = "XX"
level = "national"
kind = "budget"
currency = "EUR"

[source]
files = ["budget.csv"]
unit = 1000

[[classification]]
key = "administrative"
label = "Item"
levels = [{ name = "Item", code = "Code", label = "Name" }]

[[measure]]
key = "spending"
label = "Spending"
columns = "re:^20\\\\d\\\\d$"
phase = "executed"
"""


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def expected(path: Path, year: str) -> dict[str, float]:
    """Each item's amount in whole currency units, read plainly from the file."""
    with path.open(encoding="utf-8") as handle:
        return {row["Name"]: float(Decimal(row[year]) * 1000) for row in csv.DictReader(handle)}


def shown(client: FlaskClient, url: str) -> dict[str, float]:
    trace = figure(text(client, url))["data"][0]
    return dict(zip(trace["labels"][1:], trace["values"][1:], strict=True))


def test_a_pinned_embed_keeps_its_figures_after_new_data(engine: Engine, tmp_path: Path) -> None:
    recipe_path = tmp_path / "pin.toml"
    recipe_path.write_text(RECIPE, encoding="utf-8")
    data = tmp_path / "budget.csv"
    write(
        data,
        [
            ["Code", "Name", "2020", "2021"],
            ["01", "Schools", "100", "110"],
            ["02", "Clinics", "200", "230"],
        ],
    )
    old = expected(data, "2021")
    pipeline.ingest(engine, recipes.load(str(recipe_path)))
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    client = app.test_client()
    try:
        builder = text(client, "/datasets/test-embed-pin/embed/treemap?lang=en&mode=pinned")
        code = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", builder, re.S)[1])
        src = urlsplit(html.unescape(re.search(r'<iframe src="([^"]+)"', code)[1]))
        pinned_url = f"{src.path}?{src.query}"
        assert "version=1" in pinned_url
        live_url = re.sub(r"&?version=1", "", pinned_url)
        assert shown(client, pinned_url) == old == shown(client, live_url)

        write(
            data,
            [
                ["Code", "Name", "2020", "2021"],
                ["01", "Schools", "100", "150"],
                ["02", "Clinics", "200", "260"],
                ["03", "Roads", "50", "70"],
            ],
        )
        new = expected(data, "2021")
        assert new != old
        pipeline.ingest(engine, recipes.load(str(recipe_path)))
        assert shown(client, live_url) == new
        assert shown(client, pinned_url) == old, pinned_url
        # The pinned embed's data link is pinned too.
        body = text(client, pinned_url)
        assert "version=1" in html.unescape(re.search(r'<a href="(/api/v1/[^"]+)"', body)[1])
    finally:
        app.extensions["ashyq.engine"].dispose()
