"""OMB outlays (wide years, estimates) and the Albanian treasury payments, against a plain
reading of the raw files (openpyxl and the csv module, simple loops)."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

import openpyxl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.config import DATASETS_DIR
from portal.models import Fact
from tests.conftest import loaded
from tests.helpers import current_version_id, line_item_count, payment_total, totals

OMB = "us-omb-outlays-fy2022"
ALBANIA = "al-treasury-payments-2014-12"
RAW = DATASETS_DIR / "raw"

db = loaded(OMB, ALBANIA)


def omb_columns() -> tuple[dict[object, Decimal], int]:
    """Sum of each year column (and TQ) in dollars, and the number of data rows."""
    book = openpyxl.load_workbook(RAW / "us_omb/BUDGET-2022-DB-2.xlsx", read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows))
    years = {i: h for i, h in enumerate(header) if isinstance(h, int) or h == "TQ"}
    sums: dict[object, Decimal] = defaultdict(Decimal)
    count = 0
    for row in rows:
        if not any(v not in (None, "") for v in row):
            continue
        count += 1
        for i, year in years.items():
            if row[i] not in (None, ""):
                sums[year] += Decimal(str(row[i])) * 1000  # thousands of dollars
    book.close()
    return sums, count


def test_omb_every_year_equals_its_column(db: Engine) -> None:
    expected, rows = omb_columns()
    whole_years = totals(db, OMB, period="")
    assert {year for year, *_ in whole_years} == {y for y in expected if y != "TQ"}
    for (year, phase, direction, measure), amount in whole_years.items():
        assert amount == expected[year], year
        assert measure == "outlays" and direction == "expenditure"
        # FY2022 budget: actual to 2020, 2021 an estimate of execution, 2022 on proposals.
        assert phase == ("executed" if year <= 2021 else "proposed"), year
    transition = totals(db, OMB, period="TQ")
    assert transition == {(1976, "executed", "expenditure", "outlays"): expected["TQ"]}
    assert line_item_count(db, OMB) == rows


def test_omb_estimates_start_after_the_last_actual_year(db: Engine) -> None:
    version = current_version_id(db, OMB)
    with Session(db) as session:
        rows = session.execute(
            select(Fact.year, Fact.is_estimate).where(Fact.version_id == version).distinct()
        ).all()
    flagged: dict[int, set[bool]] = defaultdict(set)
    for year, estimate in rows:
        flagged[year].add(bool(estimate))
    assert all(flagged[y] == {False} for y in flagged if y <= 2020)
    assert all(flagged[y] == {True} for y in flagged if y >= 2021)


def test_albania_payments_equal_the_raw_rows(db: Engine) -> None:
    with (RAW / "albania_treasury/treasury.csv").open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    count, total = payment_total(db, ALBANIA)
    assert count == len(raw)
    assert total == sum(Decimal(r["Value"]) for r in raw)
