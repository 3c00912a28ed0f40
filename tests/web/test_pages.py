"""Every page of every loaded dataset opens in every language, with its figures and links."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.models import Dataset, LineItem, Payment
from tests.conftest import loaded

LANGS = ("en", "ru", "kk")
db = loaded(
    "us-omb-outlays-fy2022",
    "il-mof-execution-1998",
    "al-treasury-payments-2014-12",
    "mx-shcp-federalized-puebla-2016q1",
    "il-mof-budget-2013-2014",
)


@pytest.fixture(scope="module")
def client(db: Engine) -> Iterator[FlaskClient]:
    app: Flask = create_app({"DATABASE_URL": db.url.render_as_string(hide_password=False)})
    yield app.test_client()
    app.extensions["ashyq.engine"].dispose()


def dataset_ids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Dataset.id).order_by(Dataset.id)))


def get(client: FlaskClient, url: str, lang: str, status: int = 200) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert response.status_code == status, f"{url} in {lang}: {response.status_code}"
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in body
    return body


def links(body: str, pattern: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(rf'href="({pattern}[^"#]*)', body)]


@pytest.mark.parametrize("lang", LANGS)
def test_site_pages_open(client: FlaskClient, db: Engine, lang: str) -> None:
    home = get(client, "/", lang)
    for dataset in dataset_ids(db):
        assert f"/datasets/{dataset}/" in home
    catalogue = get(client, "/datasets/", lang)
    assert catalogue.count('class="card"') == len(dataset_ids(db))
    for query in ("country=US", "level=national", "kind=payments", "year=1998", "sort=newest"):
        get(client, "/datasets/?" + query, lang)
    get(client, "/methodology", lang)
    search = get(client, "/search?q=defense", lang)
    assert "us-omb-outlays-fy2022" in search and "Defense" in search
    payments = get(client, "/payments/", lang)
    supplier = links(payments, "/payments/suppliers/")
    assert supplier
    get(client, supplier[0], lang)
    get(client, "/payments/?q=a", lang)
    get(client, "/no-such-page", lang, 404)
    get(client, "/datasets/no-such-dataset/", lang, 404)
    get(client, "/datasets/?year=abc", lang, 400)


@pytest.mark.parametrize("lang", LANGS)
def test_every_dataset_page_opens_with_its_explorer(
    client: FlaskClient, db: Engine, lang: str
) -> None:
    for dataset in dataset_ids(db):
        url = f"/datasets/{dataset}/"
        body = get(client, url, lang)
        files = links(body, f"/datasets/{dataset}/files/")
        assert files, dataset
        with client.get(files[0]) as download:
            assert download.status_code == 200 and len(download.data) > 1000
        if '<h2 id="payments">' in body:  # a payments dataset has no explorer
            continue
        # One level down, the line item page, another classification and selection.
        down = links(body, f'/datasets/{dataset}/\\?[^"]*cut=')
        assert down, f"{dataset}: nothing to drill into"
        deeper = get(client, down[0], lang)
        assert 'aria-current="page"' in deeper
        line = links(deeper, f"/datasets/{dataset}/lines/")
        assert line, dataset
        get(client, line[0], lang)
        for option in re.findall(r'<select id="s-(\w+)" name="\w+">(.*?)</select>', body, re.S):
            field, values = option
            last = re.findall(r'<option value="([^"]*)"', values)[-1]
            get(client, f"{url}?{field}={html.unescape(last)}", lang)


def test_the_page_states_the_selection_and_its_total(client: FlaskClient) -> None:
    body = get(client, "/datasets/il-mof-execution-1998/?phase=approved", "en")
    assert "Approved · Expenditure · 1998" in body
    # The explorer never defaults to a projection: the latest year with executed figures.
    us = get(client, "/datasets/us-omb-outlays-fy2022/", "en")
    assert "Executed · Expenditure · 2020" in us


def test_the_source_file_is_served_by_its_record_only(client: FlaskClient, db: Engine) -> None:
    with Session(db) as session:
        line = session.scalars(select(LineItem).limit(1)).one()
        other = session.scalars(select(Payment).limit(1)).one()
    assert client.get("/datasets/us-omb-outlays-fy2022/files/999999").status_code == 404
    # A file of another dataset is not served under this one.
    response = client.get(f"/datasets/us-omb-outlays-fy2022/files/{other.source_file_id}")
    assert response.status_code == 404
    assert client.get("/datasets/us-omb-outlays-fy2022/files/..%2F..%2Fetc").status_code == 404
    assert line.source_file_id


def test_amounts_are_formatted_for_the_language(client: FlaskClient) -> None:
    url = "/datasets/il-mof-execution-1998/?phase=executed&direction=expenditure"
    english = get(client, url, "en")
    russian = get(client, url, "ru")
    value = Decimal(re.findall(r'data-value="([-\d.]+)"', english)[0])
    whole = int(value)
    assert f"₪{whole:,}" in english
    assert f"{whole:,}".replace(",", "\u00a0") + "\u00a0₪" in russian
    assert "млрд" in russian and "B" in english


def test_error_pages_are_in_the_language_and_the_api_keeps_json(client: FlaskClient) -> None:
    assert "Страница не найдена" in get(client, "/nowhere", "ru", 404)
    assert "Бет табылмады" in get(client, "/nowhere", "kk", 404)
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.json is not None and api.json["ok"] is False


def test_language_comes_from_the_cookie_then_the_browser(client: FlaskClient) -> None:
    fresh = client.application.test_client()
    body = fresh.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru"' in body
    fresh.get("/?lang=kk")
    body = fresh.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="kk"' in body
