"""Datasets, facts, members, search, suppliers, errors, caching and the OpenAPI document."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api import tiny


def test_dataset_list_and_filters(client: FlaskClient) -> None:
    body = client.get("/api/v1/datasets").get_json()
    ids = {d["id"] for d in body["datasets"]}
    assert {"tiny", "us-omb-outlays-fy2022", "al-treasury-payments-2014-12"} <= ids
    kz = client.get("/api/v1/datasets?country=kz").get_json()["datasets"]
    assert [d["id"] for d in kz] == ["tiny"]
    payments = client.get("/api/v1/datasets?kind=payments").get_json()["datasets"]
    assert {d["id"] for d in payments} == {"al-treasury-payments-2014-12"}
    y1962 = client.get("/api/v1/datasets?year=1962").get_json()["datasets"]
    assert {d["id"] for d in y1962} == {"us-omb-outlays-fy2022"}
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/datasets.csv").get_data(as_text=True)))
    )
    assert [r["id"] for r in rows] == [d["id"] for d in body["datasets"]]


def test_dataset_detail_has_provenance(client: FlaskClient, raw_dir: Path) -> None:
    body = client.get("/api/v1/datasets/al-treasury-payments-2014-12").get_json()
    files = body["dataset"]["source_files"]
    digest = hashlib.sha256((raw_dir / "albania_treasury/treasury.csv").read_bytes()).hexdigest()
    assert files == [
        {
            "name": "treasury.csv",
            "sha256": digest,
            "size": 13707,
            "url": body["dataset"]["source_url"],
        }
    ]
    assert body["dataset"]["version"] == 1
    omb = client.get("/api/v1/datasets/us-omb-outlays-fy2022").get_json()["dataset"]
    assert [c["key"] for c in omb["classifications"]][:2] == ["administrative", "functional"]
    assert omb["classifications"][0]["levels"] == ["Agency", "Bureau", "Account"]


def test_facts_pages_walk_every_fact_once(client: FlaskClient) -> None:
    url = "/api/v1/datasets/tiny/facts?pagesize=2"
    seen, total = [], Decimal(0)
    while url:
        body = client.get(url).get_json()
        seen += [f["id"] for f in body["facts"]]
        total += sum(Decimal(f["amount"]) for f in body["facts"])
        url = body["next"] and body["next"].replace("http://localhost", "")
    assert len(seen) == len(set(seen)) == len(tiny.ROWS)
    assert total == sum(Decimal(r[7]) for r in tiny.ROWS)
    fact = client.get("/api/v1/datasets/tiny/facts?pagesize=1").get_json()["facts"][0]
    assert fact["source"] == {"file": "tiny.csv", "sheet": None, "row": 2, "column": 6}
    assert [n["label"] for n in fact["classifications"]["administrative"]] == [
        "г. Алматы",
        "Медеуский район",
    ]


def test_members_and_children(client: FlaskClient) -> None:
    roots = client.get("/api/v1/datasets/tiny/members/administrative").get_json()
    assert [m["label"] for m in roots["members"]] == [
        "г. Алматы",
        "Акмолинская область",
        "EDUCACIÓN",
    ]
    parent = roots["members"][0]["id"]
    children = client.get(f"/api/v1/datasets/tiny/members/administrative?parent={parent}")
    assert [m["code"] for m in children.get_json()["members"]] == ["0101", "0102"]


@pytest.mark.parametrize(
    "query, label",
    [
        ("алматы", "г. Алматы"),
        ("Almaty", "г. Алматы"),
        ("Aqmola", "Акмолинская область"),
        ("Akmolinskaya", "Акмолинская область"),
        ("ақкөл", "Ақкөл ауданы"),
        ("Akkol", "Ақкөл ауданы"),
        ("educacion", "EDUCACIÓN"),
        ("EDUCACIÓN", "EDUCACIÓN"),
        ("מס הכנסה", "מַס הַכְנָסָה"),
        ("0101", "Медеуский район"),
    ],
)
def test_search_in_every_script(client: FlaskClient, query: str, label: str) -> None:
    body = client.get("/api/v1/search", query_string={"q": query, "dataset": "tiny"}).get_json()
    assert body["results"], query
    assert body["results"][0]["label"] == label


def test_suppliers_totals_equal_the_raw_payments(client: FlaskClient, raw_dir: Path) -> None:
    with (raw_dir / "albania_treasury/treasury.csv").open(encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    expected: dict[str, Decimal] = {}
    for row in raw:
        expected[row["Supplier"]] = expected.get(row["Supplier"], Decimal(0)) + Decimal(
            row["Value"]
        )
    body = client.get("/api/v1/suppliers?pagesize=100&q=").get_json()
    got = {s["name"]: Decimal(s["total"]) for s in body["suppliers"] if s["currency"] == "ALL"}
    assert got == expected
    top = body["suppliers"][0]
    detail = client.get(f"/api/v1/suppliers/{top['id']}").get_json()
    assert sum(Decimal(p["amount"]) for p in detail["payments"]) == Decimal(top["total"])


@pytest.mark.parametrize(
    "url, status, words",
    [
        ("/api/v1/datasets/nope", 404, "no dataset 'nope'"),
        ("/api/v1/datasets/tiny/aggregate?cut=year:abc", 400, "year must be a number"),
        ("/api/v1/datasets/tiny/aggregate?drilldown=nope", 400, "allowed:"),
        ("/api/v1/datasets/tiny/aggregate?pagesize=100000", 400, "pagesize"),
        ("/api/v1/datasets/tiny/aggregate?cut=phase:spent", 400, "phase must be one of"),
        ("/api/v1/datasets/tiny/aggregate?order=bogus:desc", 400, "cannot sort by"),
        ("/api/v1/datasets/tiny/aggregate?pagesiz=3", 400, "unknown parameter 'pagesiz'"),
        ("/api/v1/datasets/tiny/aggregate.xml", 400, "format must be one of"),
        ("/api/v1/datasets/tiny/facts?after=-1", 400, "after"),
        ("/api/v1/datasets/tiny/members/nope", 404, "no classification 'nope'"),
        ("/api/v1/datasets/tiny?version=9", 404, "no version 9"),
        ("/api/v1/suppliers/999999", 404, "no supplier"),
        ("/api/v1/search?q=", 400, "at least one word"),
        ("/api/v1/nowhere", 404, "not found"),
    ],
)
def test_errors_have_one_shape(client: FlaskClient, url: str, status: int, words: str) -> None:
    response = client.get(url)
    body = response.get_json()
    assert response.status_code == status
    assert set(body) == {"ok", "status", "error"}
    assert body["ok"] is False and body["status"] == status
    assert words in body["error"]


def test_etag_304_cache_and_cors(client: FlaskClient) -> None:
    url = "/api/v1/datasets/tiny/aggregate?drilldown=administrative"
    first = client.get(url)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert (
        "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    )
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(url + "&pagesize=1", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_csv_is_rfc4180_with_optional_bom(client: FlaskClient) -> None:
    url = "/api/v1/datasets/tiny/facts.csv?pagesize=100"
    plain = client.get(url).get_data()
    assert not plain.startswith(b"\xef\xbb\xbf")
    with_bom = client.get(url + "&bom=1").get_data()
    assert with_bom.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))
    paths = [r[rows[0].index("classifications.administrative")] for r in rows[1:]]
    assert 'Акмолинская область > Жетісу, "new"\nline' in paths  # quoted, not broken
    # Only a cell that starts like a formula is run by a spreadsheet: this one is not.
    assert 'EDUCACIÓN > =HYPERLINK("http://x")' in paths
    districts = client.get(
        "/api/v1/datasets/tiny/aggregate.csv?drilldown=administrative.2&pagesize=100"
    ).get_data(as_text=True)
    assert '\'=HYPERLINK(""http://x"")' in districts  # neutralised, CSV-quoted
    amounts = [r[rows[0].index("amount")] for r in rows[1:]]
    assert "-30.50" in amounts  # numbers are not touched


def test_every_endpoint_and_parameter_is_documented(api_app: Flask, client: FlaskClient) -> None:
    from portal.openapi import ENDPOINTS

    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {path for path in spec["paths"]}
    for rule in api_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<int:", "<")
        path = path.replace("<", "{").replace(">", "}")
        assert path in documented, path
        view = api_app.view_functions[rule.endpoint]
        params = getattr(view, "api_params", None)
        assert params is not None, f"{rule.endpoint} does not declare its parameters"
        names = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert set(params) <= names, (path, set(params) - names)
    assert {e[1] for e in ENDPOINTS} >= {
        r.endpoint.removeprefix("api.")
        for r in api_app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and r.endpoint != "api.openapi_document"
    }
    page = client.get("/api").get_data(as_text=True)
    assert "curl http://localhost/api/v1/datasets" in page
