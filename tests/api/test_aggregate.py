"""Aggregates: exact totals, parents equal their children, series never mixed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
from flask.testing import FlaskClient

from tests.api import tiny

AGG = "/api/v1/datasets/{}/aggregate"


def get(client: FlaskClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_total_equals_the_sum_of_the_raw_rows(client: FlaskClient) -> None:
    body = get(client, AGG.format("tiny") + "?cut=year:2023|phase:executed|direction:expenditure")
    assert Decimal(body["total"]) == tiny.expected_total(
        year=2023, phase="executed", direction="expenditure"
    )
    assert body["currency"] == "KZT"


def test_omb_outlays_of_a_year_equal_the_raw_column_in_dollars(
    client: FlaskClient, raw_dir: Path
) -> None:
    book = openpyxl.load_workbook(raw_dir / "us_omb/BUDGET-2022-DB-2.xlsx", read_only=True)
    rows = book.active.iter_rows(values_only=True)
    header = list(next(rows))
    column = header.index(2020)
    expected = sum(Decimal(str(r[column] or 0)) for r in rows) * 1000  # thousands of dollars
    book.close()
    body = get(client, AGG.format("us-omb-outlays-fy2022") + "?cut=year:2020")
    assert Decimal(body["total"]) == expected
    assert body["summary"][0]["phase"] == "executed"


def test_each_parent_equals_the_sum_of_its_children(client: FlaskClient) -> None:
    url = AGG.format("us-omb-outlays-fy2022")
    top = get(client, url + "?drilldown=administrative&cut=year:2019&pagesize=1000")
    assert top["total_cell_count"] == len(top["cells"])
    for cell in top["cells"][:8]:
        code = cell["administrative"]["code"]
        children = get(
            client,
            url + f"?drilldown=administrative&cut=year:2019|administrative.1:{code}&pagesize=1000",
        )
        assert {c["administrative"]["level"] for c in children["cells"]} == {2}
        assert sum(Decimal(c["amount"]) for c in children["cells"]) == Decimal(cell["amount"])
        assert Decimal(children["total"]) == Decimal(cell["amount"])
    assert sum(Decimal(c["amount"]) for c in top["cells"]) == Decimal(top["total"])


def test_phases_directions_and_years_are_never_added_together(client: FlaskClient) -> None:
    body = get(client, AGG.format("tiny") + "?drilldown=administrative")
    assert body["total"] is None  # several series: no single total
    series = {(s["phase"], s["direction"], s["year"]) for s in body["summary"]}
    assert series == {
        ("approved", "expenditure", 2023),
        ("executed", "expenditure", 2023),
        ("executed", "expenditure", 2024),
        ("executed", "revenue", 2023),
    }
    for s in body["summary"]:
        assert Decimal(s["amount"]) == tiny.expected_total(
            year=s["year"], phase=s["phase"], direction=s["direction"]
        )
    for cell in body["cells"]:
        assert {"phase", "direction", "year", "measure"} <= set(cell)


def test_drilldown_by_year_keeps_estimates_and_actuals_apart(client: FlaskClient) -> None:
    body = get(client, AGG.format("us-omb-outlays-fy2022") + "?drilldown=year&pagesize=100")
    phases = {(c["year"], c["period"]): c["phase"] for c in body["cells"]}
    assert phases[(2020, "")] == "executed" and phases[(2022, "")] == "proposed"
    assert phases[(1976, "TQ")] == "executed"  # the transition quarter stays apart
    assert len(body["cells"]) == len(phases)  # one cell per year and period


def test_negative_amounts_are_kept(client: FlaskClient) -> None:
    body = get(
        client,
        AGG.format("tiny") + "?drilldown=administrative.2&cut=year:2023|"
        "phase:executed|direction:expenditure",
    )
    amounts = {c["administrative"]["code"]: Decimal(c["amount"]) for c in body["cells"]}
    assert amounts["0201"] == Decimal("-30.50")


def test_paging_and_order(client: FlaskClient) -> None:
    url = AGG.format("us-omb-outlays-fy2022") + "?drilldown=administrative&cut=year:2020"
    first = get(client, url + "&pagesize=5&page=1&order=amount:desc")
    second = get(client, url + "&pagesize=5&page=2&order=amount:desc")
    amounts = [Decimal(c["amount"]) for c in first["cells"] + second["cells"]]
    assert amounts == sorted(amounts, reverse=True)
    assert first["total_cell_count"] == second["total_cell_count"] > 10
    by_label = get(client, url + "&pagesize=1000&order=administrative.label:asc")
    labels = [c["administrative"]["label"] for c in by_label["cells"]]
    assert labels == sorted(labels)


def test_csv_holds_exactly_the_rows_of_the_json(client: FlaskClient) -> None:
    query = "?drilldown=administrative.2&cut=year:2023|phase:executed&pagesize=50"
    body = get(client, AGG.format("tiny") + query)
    csv_text = client.get(AGG.format("tiny") + ".csv" + query).get_data(as_text=True)
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == len(body["cells"])
    for row, cell in zip(rows, body["cells"], strict=True):
        label = cell["administrative"]["label"]
        expected = "'" + label if label.startswith(("=", "+", "-", "@")) else label
        assert row["administrative.label"] == expected
        assert row["amount"] == cell["amount"]
