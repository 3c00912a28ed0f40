"""Bureau of National Statistics of Kazakhstan: current expenditure on environmental
protection by region (eco.xls).

Expected figures come from a plain reading of the raw file with xlrd and simple loops; the
stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import xlrd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ingest import pipeline, recipes
from portal.config import DATASETS_DIR
from portal.models import (
    Classification,
    Fact,
    LineItem,
    LineItemNode,
    Measure,
    Node,
    Reconciliation,
)
from tests.conftest import loaded
from tests.helpers import current_version_id, line_item_count, totals

DATASET = "kz-stat-eco-expenditure"
XLS = DATASETS_DIR / "raw" / "kazakhstan_stat" / "eco.xls"
NATIONAL = "Республика Казахстан"
THOUSAND = Decimal(1000)

db = loaded(DATASET)


def read_eco() -> dict[str, Any]:
    """Title, years, the national row and every region's figures ('-' is no figure)."""
    sheet = xlrd.open_workbook(XLS).sheet_by_index(0)
    header = next(
        i
        for i in range(sheet.nrows)
        if any(isinstance(v, float) and 1990 < v < 2100 for v in sheet.row_values(i))
    )
    years = {c: int(v) for c, v in enumerate(sheet.row_values(header)) if isinstance(v, float)}
    national: dict[int, Decimal] = {}
    national_row = 0
    regions: list[tuple[int, str, dict[int, Decimal]]] = []
    for i in range(header + 1, sheet.nrows):
        values = sheet.row_values(i)
        label = str(values[0]).strip()
        figures = {
            year: Decimal(repr(values[c]))
            for c, year in years.items()
            if isinstance(values[c], float)
        }
        if label == NATIONAL:
            national, national_row = figures, i + 1
        else:
            regions.append((i + 1, label, figures))
    return {
        "title": str(sheet.cell_value(0, 0)).strip(),
        "years": sorted(years.values()),
        "national": national,
        "national_row": national_row,
        "regions": regions,
    }


ECO = read_eco()


def test_totals_match_a_plain_reading(db: Engine) -> None:
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for _, _, figures in ECO["regions"]:
        for year, value in figures.items():
            expected[(year, "executed", "expenditure", "eco_current_expenditure")] += (
                value * THOUSAND
            )
    assert totals(db, DATASET) == dict(expected)
    assert sorted(k[0] for k in expected) == list(range(2005, 2023))


def test_line_items_are_the_regions_without_the_national_row(db: Engine) -> None:
    regions_with_figures = [r for r in ECO["regions"] if r[2]]
    assert line_item_count(db, DATASET) == len(regions_with_figures) == 21
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        facts = session.execute(
            select(LineItem.row, Fact.year, Fact.amount)
            .join(Fact, Fact.line_item_id == LineItem.id)
            .where(LineItem.version_id == version)
        ).all()
    assert ECO["national_row"] > 0
    assert ECO["national_row"] not in {row for row, _, _ in facts}
    # '-' is not applicable: no fact at all, never a zero.
    expected_count = sum(len(figures) for _, _, figures in ECO["regions"])
    assert len(facts) == expected_count
    assert all(amount != 0 for _, _, amount in facts)
    by_row = {number: figures for number, _, figures in ECO["regions"]}
    for row, year, amount in facts:
        assert by_row[row][year] * THOUSAND == amount


def test_region_labels_exactly_as_published(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        labels = set(
            session.scalars(
                select(Node.label)
                .join(Classification, Classification.id == Node.classification_id)
                .where(Classification.version_id == version, Classification.key == "location")
            )
        )
        kind = session.scalar(
            select(Classification.kind).where(
                Classification.version_id == version, Classification.key == "location"
            )
        )
        stored_nodes = session.execute(
            select(LineItem.row, Node.label, Node.code)
            .join(LineItemNode, LineItemNode.line_item_id == LineItem.id)
            .join(Node, Node.id == LineItemNode.node_id)
            .where(LineItem.version_id == version)
        ).all()
    assert kind == "location"
    assert labels == {label for _, label, figures in ECO["regions"] if figures}
    assert {"Абай", "Жетісу", "Ұлытау", "г. Астана", "г.Шымкент"} <= labels
    assert NATIONAL not in labels
    by_row = {number: label for number, label, _ in ECO["regions"]}
    assert all(by_row[row] == label and code is None for row, label, code in stored_nodes)


def test_measure_label_and_unit_from_the_sheet(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        measure = session.scalars(select(Measure).where(Measure.version_id == version)).one()
    assert measure.label == ECO["title"] == "Объем текущих затрат на охрану окружающей среды"
    assert measure.currency == "KZT"
    assert measure.factor == 1000


def test_national_row_reconciles_with_the_regions(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        checks = list(
            session.scalars(select(Reconciliation).where(Reconciliation.version_id == version))
        )
    assert {c.check for c in checks} == {"national total"}
    assert len(checks) == len(ECO["years"])
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for _, _, figures in ECO["regions"]:
        for year, value in figures.items():
            sums[year] += value
    for check in checks:
        year = int(re.findall(r"\d{4}", check.subject)[-1])
        assert check.published == ECO["national"][year] * THOUSAND
        assert check.computed == sums[year] * THOUSAND
        assert check.passed
        assert check.subject.startswith(NATIONAL)


# --- the same recipe reads another edition --------------------------------------------------


def _edition(path: Path, national: list[Any]) -> None:
    """A later edition as .xlsx: a subtitle row, 2021-2023, a new region, the total last."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "ООС"
    ws.append(["Объем текущих затрат на охрану окружающей среды"])
    ws.append(["по регионам"])
    ws.append([None, None, None, "тыс. тенге"])
    ws.append([None, 2021.0, 2022.0, 2023.0])
    ws.append(["Абай", "-", 4569245.0, 5000000.5])
    ws.append(["Новая область", "-", "-", 100.1])
    ws.append(["г.Шымкент", 4939942.0, 5295069.0, 5300000.0])
    ws.append([NATIONAL, *national])
    book.save(path)


def test_recipe_reads_a_changed_edition(tmp_path: Path) -> None:
    path = tmp_path / "eco.xlsx"
    _edition(path, [4939942.0, 9864314.0, 10300100.6])
    batch = pipeline.build(recipes.load(DATASET), [path])
    stored: dict[int, Decimal] = defaultdict(Decimal)
    for line in batch.lines:
        for fact in line.facts:
            stored[fact.year] += fact.amount
    assert stored == {
        2021: Decimal("4939942000.0"),
        2022: Decimal("9864314000.0"),
        2023: Decimal("10300100600.0"),
    }
    assert len(batch.lines) == 3
    assert {n.label for n in batch.classifications["location"].nodes.values()} == {
        "Абай",
        "Новая область",
        "г.Шымкент",
    }
    assert batch.measures["eco_current_expenditure"].factor == 1000
    assert batch.measures["eco_current_expenditure"].label == (
        "Объем текущих затрат на охрану окружающей среды"
    )
    assert len(batch.checks) == 3 and all(c.passed for c in batch.checks)


def test_national_total_off_by_more_than_rounding_fails(tmp_path: Path) -> None:
    path = tmp_path / "eco.xlsx"
    # 2022 off by 0.1 thousand (within rounding of two regions), 2023 off by 5 thousand.
    _edition(path, [4939942.0, 9864314.1, 10300105.6])
    batch = pipeline.build(recipes.load(DATASET), [path])
    outcome = {int(c.subject[-4:]): c.passed for c in batch.checks}
    assert outcome == {2021: True, 2022: True, 2023: False}
    failed = next(c for c in batch.checks if not c.passed)
    assert failed.published - failed.computed == Decimal(5000)
