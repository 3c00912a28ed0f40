"""Israel Ministry of Finance: the 1998 execution report and the 2013-2014 budget.

Expected figures come from a plain reading of the raw files with xlrd / openpyxl and simple
loops; the stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlrd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ingest import pipeline, recipes
from ingest.errors import IngestError
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

EXECUTION = "il-mof-execution-1998"
BUDGET = "il-mof-budget-2013-2014"
RAW = DATASETS_DIR / "raw" / "israel_mof"
THOUSAND = Decimal(1000)

db = loaded(EXECUTION, BUDGET)


# --- a plain reading of the raw files ------------------------------------------------------


def _execution_rows() -> list[tuple[int, str, str, list[Any]]]:
    """(row number, code, label, [original, revised, executed]) under the 'תקנה' header."""
    sheet = xlrd.open_workbook(RAW / "history1998.xls").sheet_by_index(0)
    header = next(i for i in range(sheet.nrows) if sheet.cell_value(i, 0) == "תקנה")
    names = [sheet.cell_value(header, c) for c in range(sheet.ncols)]
    cols = [names.index("תקציב(1)"), names.index("תקציב (2)"), names.index("ביצוע")]
    result = []
    for i in range(header + 1, sheet.nrows):
        code, label = sheet.cell_value(i, 0).split(" - ", 1)
        result.append((i + 1, code, label.strip(), [sheet.cell_value(i, c) for c in cols]))
    return result


EXEC_ROWS = _execution_rows()
PHASES = ["approved", "adjusted", "executed"]


def _money(value: Any) -> Decimal | None:
    """A raw cell as an exact amount; blank text and lone spaces are no figure."""
    if isinstance(value, str) and not value.strip():
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _budget_rows() -> tuple[list[Any], list[Any], list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(RAW / "budget20132014.xlsx", read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return list(rows[0]), list(rows[1]), rows[2:]


# --- 1998 execution ------------------------------------------------------------------------


def test_execution_totals_per_phase_and_direction(db: Engine) -> None:
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for _, code, _, values in EXEC_ROWS:
        if len(code) != 10:
            continue
        direction = "revenue" if code.startswith("0000") else "expenditure"
        for phase, value in zip(PHASES, values, strict=True):
            amount = _money(value)
            if amount is not None:
                expected[(1998, phase, direction, "net")] += amount * THOUSAND
    assert totals(db, EXECUTION) == dict(expected)
    assert len(expected) == 6


def test_execution_line_items_are_the_10_digit_rows_with_an_amount(db: Engine) -> None:
    with_amount = [
        code
        for _, code, _, values in EXEC_ROWS
        if len(code) == 10 and any(_money(v) is not None for v in values)
    ]
    assert line_item_count(db, EXECUTION) == len(with_amount) == 11268
    version = current_version_id(db, EXECUTION)
    with Session(db) as session:
        codes = session.scalars(
            select(Node.code)
            .join(LineItemNode, LineItemNode.node_id == Node.id)
            .join(LineItem, LineItem.id == LineItemNode.line_item_id)
            .where(LineItem.version_id == version)
        ).all()
        levels = set(
            session.scalars(
                select(Node.level)
                .join(LineItemNode, LineItemNode.node_id == Node.id)
                .join(LineItem, LineItem.id == LineItemNode.line_item_id)
                .where(LineItem.version_id == version)
            )
        )
    assert sorted(c or "" for c in codes) == sorted(with_amount)
    assert min(len(c or "") for c in codes) == 10
    assert levels == {4}


def test_execution_minus_one_is_a_value_and_blanks_are_no_fact(db: Engine) -> None:
    version = current_version_id(db, EXECUTION)
    raw = {code: values for _, code, _, values in EXEC_ROWS}
    assert raw["0000010101"][:3] == ["", "", -1.0]
    with Session(db) as session:
        facts = session.execute(
            select(Fact.phase, Fact.amount, Fact.phase_label)
            .join(LineItemNode, LineItemNode.line_item_id == Fact.line_item_id)
            .join(Node, Node.id == LineItemNode.node_id)
            .where(Fact.version_id == version, Node.code == "0000010101")
        ).all()
        labels = set(session.scalars(select(Fact.phase_label).where(Fact.version_id == version)))
        years = set(session.scalars(select(Fact.year).where(Fact.version_id == version)))
    assert [(p, Decimal(a), pl) for p, a, pl in facts] == [("executed", Decimal(-1000), "ביצוע")]
    assert labels == {"תקציב(1)", "תקציב (2)", "ביצוע"}
    assert years == {1998}


def _parents(session: Session, version: int, code: str) -> list[tuple[str | None, str]]:
    node = session.scalars(
        select(Node)
        .join(Classification, Classification.id == Node.classification_id)
        .where(Classification.version_id == version, Node.code == code)
    ).one()
    chain = [(node.code, node.label)]
    while node.parent_id is not None:
        parent = session.get(Node, node.parent_id)
        assert parent is not None
        chain.append((parent.code, parent.label))
        node = parent
    return chain


def test_execution_tree_and_labels_as_published(db: Engine) -> None:
    raw_labels = {code: label for _, code, label, _ in EXEC_ROWS}
    # A label with two inner spaces, and labels ending in a number after two spaces.
    spaced = next(c for c, label in raw_labels.items() if "  " in label and len(c) == 10)
    road = next(c for c, label in raw_labels.items() if label.endswith("  3"))
    version = current_version_id(db, EXECUTION)
    with Session(db) as session:
        chain = _parents(session, version, "0000010201")
        for code in (spaced, road, "00040111", "0099"):
            stored = _parents(session, version, code)[0][1]
            assert stored.encode("utf-8") == raw_labels[code].encode("utf-8")
    assert chain == [
        ("0000010201", "מס הכנסה שכירים"),
        ("00000102", raw_labels["00000102"]),
        ("000001", raw_labels["000001"]),
        ("0000", raw_labels["0000"]),
    ]
    assert raw_labels[road] == "כביש מס'  3"


def test_execution_reconciliation_of_every_subtotal(db: Engine) -> None:
    items = [(code, values) for _, code, _, values in EXEC_ROWS if len(code) == 10]
    expected = {}
    for row, code, _, values in EXEC_ROWS:
        if len(code) == 10:
            continue
        for col, value in enumerate(values, start=2):
            published = _money(value)
            if published is None:
                continue
            children = [_money(v[col - 2]) for c, v in items if c.startswith(code)]
            amounts = [a for a in children if a is not None]
            expected[(row, col)] = (published * THOUSAND, sum(amounts, Decimal(0)) * THOUSAND)
    version = current_version_id(db, EXECUTION)
    with Session(db) as session:
        checks = session.scalars(
            select(Reconciliation).where(Reconciliation.version_id == version)
        ).all()
    stored = {}
    for check in checks:
        match = re.search(r"row (\d+), column ([A-Z])", check.location)
        assert match, check.location
        stored[(int(match[1]), ord(match[2]) - 64)] = (
            Decimal(check.published),
            Decimal(check.computed),
        )
    assert stored == expected
    # The publisher rounds each figure; its subtotals differ from the sums of the rounded
    # items by a few thousand shekels here and there, within half a unit per figure.
    assert sum(1 for p, c in expected.values() if p != c) == 676
    assert all(check.passed for check in checks)
    grand = [c for c in checks if c.subject.startswith("Total 00 ")]
    assert len(grand) == 3
    assert all("revenue and expenditure" in c.subject for c in grand)


# --- 2013-2014 budget ----------------------------------------------------------------------

BUDGET_MEASURES = {
    "הוצאה נטו": "net_expenditure",
    "הוצאה מותנית בהכנסה": "revenue_dependent_expenditure",
    "הכנסה מיועדת": "earmarked_revenue",
    "הרשאה להתחייב": "commitment_authority",
    "שיא כא": "staff_ceiling",
}


def test_budget_totals_per_year_measure_and_direction(db: Engine) -> None:
    bands, names, rows = _budget_rows()
    years: list[int] = []
    year = 0
    for band in bands:
        year = int(band) if band is not None else year
        years.append(year)
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        for col in range(6, len(row)):
            if row[col] is None:
                continue
            measure = BUDGET_MEASURES[names[col]]
            amount = Decimal(str(row[col]))
            if measure != "staff_ceiling":
                amount *= THOUSAND
            revenue = row[0] == 0 or measure == "earmarked_revenue"
            key = (years[col], "approved", "revenue" if revenue else "expenditure", measure)
            expected[key] += amount
    assert totals(db, BUDGET) == dict(expected)
    assert {k[0] for k in expected} == {2013, 2014}
    assert line_item_count(db, BUDGET) == sum(1 for r in rows if any(v is not None for v in r[6:]))


def test_budget_staff_ceiling_is_headcount(db: Engine) -> None:
    version = current_version_id(db, BUDGET)
    with Session(db) as session:
        measures = {
            m.key: (m.unit, m.currency, m.factor)
            for m in session.scalars(select(Measure).where(Measure.version_id == version))
        }
    assert measures["staff_ceiling"] == ("positions", None, 1)
    assert measures["net_expenditure"] == ("money", "ILS", 1000)
    assert len(measures) == 5
    # Half positions are published (54.5 for the President's office in 2013).
    staff = totals(db, BUDGET)[(2013, "approved", "expenditure", "staff_ceiling")]
    assert staff != staff.to_integral_value()


def test_budget_has_no_subtotal_rows_and_labels_as_published(db: Engine) -> None:
    _, _, rows = _budget_rows()
    # Every row is one program: no row lacks a program code, none is a total line.
    assert all(isinstance(r[4], int) for r in rows)
    assert not any('סה"כ' in str(v) for r in rows for v in r[:6])
    version = current_version_id(db, BUDGET)
    with Session(db) as session:
        checks = session.scalars(
            select(Reconciliation).where(Reconciliation.version_id == version)
        ).all()
        programs = {
            code: label
            for code, label in session.execute(
                select(Node.code, Node.label)
                .join(Classification, Classification.id == Node.classification_id)
                .where(Classification.version_id == version, Node.level == 3)
            )
        }
    assert checks == []
    first: dict[str, Any] = {}
    for r in rows:
        first.setdefault(str(r[4]), r[5])
    for code in ("102", "202", "15101", "987313"):
        assert programs[code].encode("utf-8") == first[code].encode("utf-8")


# --- another edition of the execution report -----------------------------------------------


def _edition(path: Path, year: int, subtotal_2: int = 30) -> None:
    """A small edition: a shorter title block, the header lower down, other codes."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([None, "השוואת ביצוע לתקציב מקורי ותקציב על שינוייו"])
    sheet.append(["משרד האוצר", f"לשנת {year} מינואר עד דצמבר"])
    sheet.append([None, "(באלפי שקלים)"])
    sheet.append(["תקנה", "תקציב(1)", "תקציב (2)", "ביצוע", "הפרש(1)", "% ניצול (1)"])
    rows = [
        ("0000010101 - מס הכנסה", 100, 110, 105),
        ("00000101 - מס הכנסה", 100, 110, 105),
        ("000001 - מסים", 100, 110, 105),
        ("0000 - הכנסות המדינה", 100, 110, 105),
        ("0005010101 - שכר", 10, " ", 12),
        ("0005010102 - תפעול", 20, 20, -1),
        ("00050101 - מינהלה", subtotal_2, 20, 11),
        ("000501 - מינהלה", 30, 20, 11),
        ("0005 - משרד", 30, 20, 11),
        ("00 - תקציבי", 130, 130, 116),
    ]
    for code, *values in rows:
        sheet.append([code, *values, 1, 99.9])
    book.save(path)


def _edition_recipe(tmp_path: Path, year: int, subtotal_2: int = 30) -> Any:
    path = tmp_path / f"history{year}.xlsx"
    _edition(path, year, subtotal_2)
    return pipeline.build(recipes.load(EXECUTION), [path])


def test_the_recipe_reads_another_edition(tmp_path: Path) -> None:
    batch = _edition_recipe(tmp_path, 2003)
    assert batch.years() == [2003]
    codes = sorted(
        batch.classifications["administrative"].nodes[line.nodes["administrative"]].code or ""
        for line in batch.lines
    )
    assert codes == ["0000010101", "0005010101", "0005010102"]
    facts = {
        (line.where.row, f.phase, f.direction): f.amount for line in batch.lines for f in line.facts
    }
    assert facts == {
        (5, "approved", "revenue"): Decimal(100_000),
        (5, "adjusted", "revenue"): Decimal(110_000),
        (5, "executed", "revenue"): Decimal(105_000),
        (9, "approved", "expenditure"): Decimal(10_000),
        (9, "executed", "expenditure"): Decimal(12_000),
        (10, "approved", "expenditure"): Decimal(20_000),
        (10, "adjusted", "expenditure"): Decimal(20_000),
        (10, "executed", "expenditure"): Decimal(-1_000),
    }
    assert len(batch.checks) == 21 and all(c.passed for c in batch.checks)
    nodes = batch.classifications["administrative"].nodes
    assert {n.code: n.label for n in nodes.values() if n.level == 1} == {
        "0000": "הכנסות המדינה",
        "0005": "משרד",
    }


def test_a_wrong_subtotal_is_recorded_as_a_failed_check(tmp_path: Path) -> None:
    batch = _edition_recipe(tmp_path, 2001, subtotal_2=45)
    failed = [c for c in batch.checks if not c.passed]
    assert [(c.subject, c.published, c.computed) for c in failed] == [
        ("Program 00050101 מינהלה: תקציב(1) 2001", Decimal(45_000), Decimal(30_000))
    ]


def test_an_edition_without_its_year_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "history.xlsx"
    _edition(path, 2003)
    book = openpyxl.load_workbook(path)
    book.active["B2"] = "מינואר עד דצמבר"  # type: ignore[index]
    book.save(path)
    with pytest.raises(IngestError, match="year_from_text"):
        pipeline.build(recipes.load(EXECUTION), [path])


def test_a_code_of_an_unknown_length_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "history.xlsx"
    _edition(path, 2003)
    book = openpyxl.load_workbook(path)
    book.active["A9"] = "000501011 - שכר"  # type: ignore[index]
    book.save(path)
    with pytest.raises(IngestError, match="code '000501011' has 9 characters") as error:
        pipeline.build(recipes.load(EXECUTION), [path])
    assert error.value.where is not None and error.value.where.row == 9
