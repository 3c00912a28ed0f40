"""City of Philadelphia: the General Fund obligation history (print layout) and the FY2018
adopted operating budget (open-data CSV).

Expected figures come from a plain reading of the raw files with openpyxl / csv and simple
loops; the stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
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

OBLIGATIONS = "us-phl-obligations-fy2015-2017"
ADOPTED = "us-phl-adopted-fy2018"
RAW = DATASETS_DIR / "raw" / "us_philadelphia"
XLSX = RAW / "Obligation History.xlsx"
CSV = RAW / "op_FY18_AppropActivity_OriginalApprop_Fund_Dept_Char_Sobj_OpenData.csv"

db = loaded(OBLIGATIONS, ADOPTED)


# --- a plain reading of the obligation history ---------------------------------------------


def _sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_obligations(path: Path) -> dict[str, Any]:
    """Header columns, class rows (with their department), Total rows, the summary block."""
    rows = _sheet_rows(path)
    bottom = next(i for i, r in enumerate(rows) if "Obligations" in r)
    kinds = rows[bottom - 1]  # Actual / Increase/ / Estimated / Increase/ / Proposed
    years = rows[bottom - 2]
    columns = {}
    for c, word in enumerate(kinds):
        if word in ("Actual", "Estimated", "Proposed"):
            columns[word] = (c, int(years[c]))
    items, totals_rows, departments = [], [], []
    name, last_was_name, grand, summary = "", False, None, []
    for i in range(bottom + 1, len(rows)):
        row = rows[i]
        label = str(row[0]).strip() if row[0] is not None else ""
        numbers = [row[c] for c, _ in columns.values()]
        if grand is not None:
            if label and _is_number(numbers[0]):
                summary.append((i + 1, label, numbers))
            continue
        if label.startswith("Total,"):
            grand = (i + 1, numbers)
        elif label == "Total":
            totals_rows.append((i + 1, name, numbers))
        elif label and all(v is None for v in numbers):
            name = f"{name} {label}" if last_was_name else label
            if not last_was_name:
                departments.append(i + 1)
            last_was_name = True
            continue
        elif label:
            items.append((i + 1, name, label, numbers))
        last_was_name = False
    names = sorted({n for _, n, _, _ in items})
    return {
        "columns": columns,
        "items": items,
        "totals": totals_rows,
        "grand": grand,
        "summary": summary,
        "header_rows": departments,
        "departments": names,
    }


OBL = read_obligations(XLSX)
PHASES = {
    "Actual": ("executed", False),
    "Estimated": ("executed", True),
    "Proposed": ("proposed", True),
}


def _expected_obligations(data: dict[str, Any]) -> dict[tuple[int, str, str, str], Decimal]:
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for _, _, _, numbers in data["items"]:
        for (word, (_, year)), value in zip(data["columns"].items(), numbers, strict=True):
            expected[(year, PHASES[word][0], "expenditure", "obligations")] += Decimal(value)
    return dict(expected)


def test_obligation_totals_match_a_plain_reading(db: Engine) -> None:
    expected = _expected_obligations(OBL)
    assert set(expected) == {
        (2015, "executed", "expenditure", "obligations"),
        (2016, "executed", "expenditure", "obligations"),
        (2017, "proposed", "expenditure", "obligations"),
    }
    assert totals(db, OBLIGATIONS) == expected
    # Estimated obligations and the proposed budget are estimates; actuals are not.
    estimated = totals(db, OBLIGATIONS, is_estimate=True)
    assert set(estimated) == {k for k in expected if k[0] != 2015}
    # The General Fund total the publisher printed agrees with the sum of the class rows.
    published = OBL["grand"][1]
    assert [expected[k] for k in sorted(expected)] == [Decimal(v) for v in published]


def test_obligation_line_items_are_the_class_rows_only(db: Engine) -> None:
    assert line_item_count(db, OBLIGATIONS) == len(OBL["items"])
    version = current_version_id(db, OBLIGATIONS)
    with Session(db) as session:
        stored_rows = set(
            session.scalars(select(LineItem.row).where(LineItem.version_id == version))
        )
    assert stored_rows == {number for number, _, _, _ in OBL["items"]}
    # No Total row, department-name row, General Fund total or summary row is a line item.
    assert not stored_rows & {number for number, _, _ in OBL["totals"]}
    assert not stored_rows & set(OBL["header_rows"])
    assert OBL["grand"][0] not in stored_rows
    assert not stored_rows & {number for number, _, _ in OBL["summary"]}
    assert len(OBL["totals"]) == 74


def _paths(engine: Engine, dataset_id: str, key: str) -> dict[int, list[tuple[str | None, str]]]:
    """Row number -> root-to-leaf (code, label) of the line item's node in a classification."""
    version = current_version_id(engine, dataset_id)
    with Session(engine) as session:
        nodes = {
            n.id: n
            for n in session.scalars(
                select(Node)
                .join(Classification, Classification.id == Node.classification_id)
                .where(Classification.version_id == version, Classification.key == key)
            )
        }
        pairs = session.execute(
            select(LineItem.row, LineItemNode.node_id)
            .join(LineItemNode, LineItemNode.line_item_id == LineItem.id)
            .where(LineItem.version_id == version, LineItemNode.node_id.in_(list(nodes)))
        ).all()
    result = {}
    for row, node_id in pairs:
        path: list[tuple[str | None, str]] = []
        node = nodes.get(node_id)
        while node is not None:
            path.insert(0, (node.code, node.label))
            node = nodes.get(node.parent_id) if node.parent_id else None
        result[row] = path
    return result


def test_obligation_department_and_class_labels_as_published(db: Engine) -> None:
    paths = _paths(db, OBLIGATIONS, "department")
    for number, department, label, _ in OBL["items"]:
        assert paths[number] == [(None, department), (None, label)]
    departments = {p[0][1] for p in paths.values()}
    assert departments == set(OBL["departments"])
    # Names printed over two rows, and the one in a cell merged over two rows (A288:A289).
    assert "Mayor's Office of Community Empowerment and Opportunity" in departments
    assert "Office of Behavioral Health and Intellectual disAbility" in departments
    assert "Office of Arts & Culture & the Creative Economy" in departments
    assert "Finance-Indemnities (1)" in departments


def _checks(engine: Engine, dataset_id: str) -> list[Reconciliation]:
    version = current_version_id(engine, dataset_id)
    with Session(engine) as session:
        return list(
            session.scalars(select(Reconciliation).where(Reconciliation.version_id == version))
        )


def _row_of(location: str) -> int:
    match = re.search(r"row (\d+)", location)
    assert match, location
    return int(match[1])


def test_obligation_published_totals_are_reconciled(db: Engine) -> None:
    checks = _checks(db, OBLIGATIONS)
    by_name: dict[str, list[Reconciliation]] = defaultdict(list)
    for check in checks:
        by_name[check.check].append(check)
    # One check per department Total row and year, against the class rows above it.
    department = by_name["department total"]
    assert len(department) == 3 * len(OBL["totals"])
    assert {_row_of(c.location) for c in department} == {n for n, _, _ in OBL["totals"]}
    sums: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for _, name, _, numbers in OBL["items"]:
        for k, value in enumerate(numbers):
            sums[(name, k)] += Decimal(value)
    for number, name, numbers in OBL["totals"]:
        for k, value in enumerate(numbers):
            assert sums[(name, k)] == Decimal(value), (number, name)
    published = sorted(c.published for c in department)
    assert published == sorted(Decimal(v) for _, _, numbers in OBL["totals"] for v in numbers)
    # The General Fund total per year, and the summary by class below the table.
    assert len(by_name["General Fund total"]) == 3
    classes = by_name["class total"]
    assert {_row_of(c.location) for c in classes} == {n for n, _, _ in OBL["summary"]}
    fringes = [c for c in classes if c.subject.startswith("Fringes:")]
    employee_benefits = [
        Decimal(v)
        for _, _, label, numbers in OBL["items"]
        for v in numbers
        if label == "Pers. Svcs.-Emp.Benefits"
    ]
    assert sorted(c.computed for c in fringes) == sorted(employee_benefits)
    assert all(c.passed for c in checks)
    assert set(by_name) == {"department total", "General Fund total", "class total"}


def test_obligation_measure_phases(db: Engine) -> None:
    version = current_version_id(db, OBLIGATIONS)
    with Session(db) as session:
        phases = set(
            session.execute(
                select(Fact.year, Fact.phase, Fact.phase_label, Fact.is_estimate)
                .join(Measure, Measure.id == Fact.measure_id)
                .where(Fact.version_id == version)
                .distinct()
            )
        )
    assert phases == {
        (2015, "executed", "Actual obligations", False),
        (2016, "executed", "Estimated obligations", True),
        (2017, "proposed", "Proposed budget", True),
    }


# --- the same recipe reads another edition --------------------------------------------------


def _edition(path: Path, wrong_total: bool = False) -> None:
    """A later edition: one more title row, the years moved on, a department added."""
    grid: list[list[Any]] = [
        ["City of Philadelphia"],
        ["General Fund"],
        ["Obligation History"],
        ["Fiscal Years 2016 - 2018"],
        [],
        [None, "Fiscal Year", None, "Fiscal Year", None, "Fiscal Year"],
        [None, "2016", None, "2017", None, "2018"],
        [None, "Actual", "Increase/", "Estimated", "Increase/", "Proposed"],
        [None, "Obligations", "(Decrease)", "Obligations", "(Decrease)", "Budget"],
        [],
        ["Art Museum"],
        ["Contrib., Indemnities & Taxes", 2550000, 0, 2550000, 50000, 2600000],
        ["Total", 2550000, 0, 2550000, 50000, 2600000, None, 0, 0],
        [],
        ["Office of Testing and"],
        ["Quality Assurance"],
        ["Personal Services", 100, 10, 110, 5, 115],
        ["Purchase of Services", 200, -20, 180, 0, 180],
        ["Total", 300, -10, 290 + (1 if wrong_total else 0), 5, 295],
        [],
        ["Office of a Very Long Name"],  # in a cell merged over two rows, like A288:A289
        [],
        ["Personal Services", 7, 0, 7, 0, 7],
        ["Total", 7, 0, 7, 0, 7],
        [],
        ["Total, General Fund", 2550307, -10, 2550297, 50005, 2600302],
        [],
        ["(1) A note."],
        [None, 2550307, None, 2550297, None, 2600302, "check"],
        ["Personal Services", 107, None, 117, None, 122],
        ["Purchase of Services", 200, None, 180, None, 180],
        ["Contrib., Indemnities & Taxes", 2550000, None, 2550000, None, 2600000],
    ]
    book = openpyxl.Workbook()
    ws = book.active
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    merged = grid.index(["Office of a Very Long Name"]) + 1
    ws.merge_cells(start_row=merged, start_column=1, end_row=merged + 1, end_column=6)
    book.save(path)


def test_obligation_recipe_reads_a_changed_edition(tmp_path: Path) -> None:
    path = tmp_path / "Obligation History.xlsx"
    _edition(path)
    batch = pipeline.build(recipes.load(OBLIGATIONS), [path])
    data = read_obligations(path)
    assert len(batch.lines) == len(data["items"]) == 4
    stored: dict[tuple[int, str, bool], Decimal] = defaultdict(Decimal)
    for line in batch.lines:
        for fact in line.facts:
            stored[(fact.year, fact.phase, fact.is_estimate)] += fact.amount
    assert stored == {
        (2016, "executed", False): Decimal(2550307),
        (2017, "executed", True): Decimal(2550297),
        (2018, "proposed", True): Decimal(2600302),
    }
    tree = batch.classifications["department"]
    assert sorted(n.label for n in tree.nodes.values() if n.level == 1) == [
        "Art Museum",
        "Office of Testing and Quality Assurance",
        "Office of a Very Long Name",
    ]
    assert {line.where.row for line in batch.lines} == {n for n, _, _, _ in data["items"]}
    assert len(batch.checks) == 3 * 3 + 3 + 3 * 3
    assert all(c.passed for c in batch.checks)


def test_obligation_wrong_department_total_fails_its_check(tmp_path: Path) -> None:
    path = tmp_path / "Obligation History.xlsx"
    _edition(path, wrong_total=True)
    batch = pipeline.build(recipes.load(OBLIGATIONS), [path])
    failed = [c for c in batch.checks if not c.passed]
    assert len(failed) == 1
    (check,) = failed
    assert check.check == "department total"
    assert check.subject.startswith("Office of Testing and Quality Assurance:")
    assert "2017" in check.subject
    assert (check.published, check.computed) == (Decimal(291), Decimal(290))


# --- the FY2018 adopted budget ---------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ADOPTED_ROWS = _csv_rows(CSV)


def test_adopted_totals_match_a_plain_reading(db: Engine) -> None:
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for row in ADOPTED_ROWS:
        key = (int(row["FY"]), "approved", "expenditure", "appropriation")
        expected[key] += Decimal(row["Original Appn Balance"])
    assert totals(db, ADOPTED) == dict(expected)
    # Rows repeating a key combination are each their own line item.
    assert line_item_count(db, ADOPTED) == len(ADOPTED_ROWS) == 5177
    keys = {(r["Fund"], r["Dept"], r["Char"], r["Sub-obj"]) for r in ADOPTED_ROWS}
    assert len(keys) < len(ADOPTED_ROWS)


def test_adopted_classifications_split_codes_from_titles(db: Engine) -> None:
    funds = _paths(db, ADOPTED, "fund")
    departments = _paths(db, ADOPTED, "department")
    economic = _paths(db, ADOPTED, "economic")
    general_fund = Decimal(0)
    for number, row in enumerate(ADOPTED_ROWS, start=2):
        fund_code, fund_label = row["Fund Title"].split(" ", 1)
        assert funds[number] == [(fund_code, fund_label)]
        dept_code, dept_label = row["Department Title"].split(" ", 1)
        assert departments[number] == [(dept_code, dept_label)]
        char_code, char_label = row["Character Title"].split(" ", 1)
        title = row["Sub-object Title"]
        assert economic[number] == [(char_code, char_label), (title[-4:], title[:-4].strip())]
        if fund_code == "010":
            general_fund += Decimal(row["Original Appn Balance"])
    assert general_fund > 0
    assert economic[2] == [("01", "PERSONAL SERVICES"), ("0100", "SALARY CONTROL")]
    assert funds[2] == [("010", "GENERAL OPERATING FD")]


def test_adopted_ignores_report_artifact_columns(db: Engine) -> None:
    version = current_version_id(db, ADOPTED)
    with Session(db) as session:
        measures = set(session.scalars(select(Measure.key).where(Measure.version_id == version)))
        columns = set(session.scalars(select(Fact.col).where(Fact.version_id == version)))
    assert measures == {"appropriation"}
    with CSV.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert columns == {header.index("Original Appn Balance") + 1}


def test_adopted_recipe_reads_another_year_from_its_fy_column(tmp_path: Path) -> None:
    path = tmp_path / "op_FY19.csv"
    header = ["Dept", "Department Title", "FY", "Fund Title", "Character Title"]
    header += ["Sub-object Title", "Original Appn Balance", "Total  (Original Appn Balance) No.1"]
    rows = [
        [
            "1",
            "01 CITY COUNCIL",
            "2019",
            "010 GENERAL OPERATING FD",
            "01 PERSONAL SERVICES",
            "SALARY CONTROL                      0100",
            "1000",
            "999999",
        ],
        [
            "1",
            "01 CITY COUNCIL",
            "2019",
            "010 GENERAL OPERATING FD",
            "01 PERSONAL SERVICES",
            "SALARY CONTROL                      0100",
            "250",
            "999999",
        ],
        [
            "90",
            "90 NEW OFFICE",
            "2020",
            "020 WATER OPERATING FUND",
            "02 PURCHASE OF SERVICES",
            "MEALS-NON-TRAVEL & OFFICL ENTERTAIN 0230",
            "75",
            "1",
        ],
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    batch = pipeline.build(recipes.load(ADOPTED), [path])
    years: dict[int, Decimal] = defaultdict(Decimal)
    for line in batch.lines:
        for fact in line.facts:
            years[fact.year] += fact.amount
    assert years == {2019: Decimal(1250), 2020: Decimal(75)}
    assert len(batch.lines) == 3
    labels = {(n.code, n.label) for n in batch.classifications["economic"].nodes.values()}
    assert ("0230", "MEALS-NON-TRAVEL & OFFICL ENTERTAIN") in labels

    rows[0][2] = "FY19"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    with pytest.raises(IngestError) as error:
        pipeline.build(recipes.load(ADOPTED), [path])
    assert "expected a year in column 'FY', found 'FY19'" in error.value.message
    assert error.value.where is not None and error.value.where.row == 2
