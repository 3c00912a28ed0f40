"""North Macedonia's central budget: three publications in one table, kept apart.

Expected figures come from a plain reading of the raw CSV with the csv module and simple
loops; the stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ingest import pipeline, recipes
from portal.config import DATASETS_DIR
from portal.models import Classification, Fact, LineItemNode, Node
from tests.conftest import loaded
from tests.helpers import current_version_id, line_item_count, totals

DATASET = "mk-mof-central-budget"
RAW = DATASETS_DIR / "raw" / "north_macedonia_mof" / "MFBudzetIRebalansNaRMmk-MK.csv"
# The file's three publications, as the publisher describes them.
VERSIONS = {
    "2014-01-01T00:00:00": (2014, "approved"),  # the adopted 2014 budget
    "2014-09-09T00:00:00": (2014, "adjusted"),  # its September rebalance (ребаланс)
    "2015-01-01T00:00:00": (2015, "approved"),
}

db = loaded(DATASET)


def _read(path: Path = RAW) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[0], [r for r in rows[1:] if any(r)]


HEADER, ROWS = _read()
COL = {name: i for i, name in enumerate(HEADER)}


def test_each_publication_is_its_own_year_and_phase(db: Engine) -> None:
    assert {r[COL["Датум на објавување"]] for r in ROWS} == set(VERSIONS)
    expected: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for r in ROWS:
        year, phase = VERSIONS[r[COL["Датум на објавување"]]]
        expected[(year, phase, "expenditure", "budget")] += Decimal(r[COL["Буџет"]])
    stored = totals(db, DATASET)
    assert stored == expected
    # The rebalance is a different budget from the adopted one, not an addition to it.
    assert (
        stored[(2014, "approved", "expenditure", "budget")]
        != stored[(2014, "adjusted", "expenditure", "budget")]
    )


def test_every_row_is_a_line_item_and_the_label_keeps_the_date(db: Engine) -> None:
    assert line_item_count(db, DATASET) == len(ROWS)
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        labels = {
            label: count
            for label, count in session.execute(
                select(Fact.phase_label, func.count())
                .where(Fact.version_id == version)
                .group_by(Fact.phase_label)
            )
        }
    counted: dict[str, int] = defaultdict(int)
    for r in ROWS:
        counted["Буџет " + r[COL["Датум на објавување"]][:10]] += 1
    assert labels == counted


def test_totals_per_budget_user_and_version(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        stored = {
            (code, year, phase): Decimal(total)
            for code, year, phase, total in session.execute(
                select(Node.code, Fact.year, Fact.phase, func.sum(Fact.amount))
                .join(LineItemNode, LineItemNode.node_id == Node.id)
                .join(Classification, Classification.id == LineItemNode.classification_id)
                .join(Fact, Fact.line_item_id == LineItemNode.line_item_id)
                .where(Classification.version_id == version)
                .where(Classification.key == "administrative")
                .group_by(Node.code, Fact.year, Fact.phase)
            )
        }
    expected: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    for r in ROWS:
        year, phase = VERSIONS[r[COL["Датум на објавување"]]]
        expected[(r[COL["Број раздел"]], year, phase)] += Decimal(r[COL["Буџет"]])
    assert stored == expected


def test_labels_as_published_in_cyrillic(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        nodes = session.execute(
            select(Classification.key, Node.code, Node.label, Node.level)
            .join(Node, Node.classification_id == Classification.id)
            .where(Classification.version_id == version)
        ).all()
    found = {(k, c, lb) for k, c, lb, _ in nodes}
    items = {(r[COL["Ставка"]], r[COL["Назив ставка"]]) for r in ROWS}
    assert {(c, lb) for k, c, lb, lv in nodes if k == "economic" and lv == 2} == items
    assert ("administrative", "1001", "ПРЕТСЕДАТЕЛ НА РЕПУБЛИКА МАКЕДОНИЈА") in found
    assert ("economic", "401", "Основни плати") in found
    assert ("fund", "630", "") in found
    # Subprogram numbers repeat across budget users: each is a node under its раздел.
    programs = {(r[COL["Број раздел"]], r[COL["Број потпрограма"]]) for r in ROWS}
    assert sum(1 for k, _, _, lv in nodes if k == "program" and lv == 2) == len(programs)


# --- another edition through the same recipe -----------------------------------------------


def test_the_recipe_reads_another_set_of_publications(tmp_path: Path) -> None:
    """Rows shuffled, a 2016 budget and two 2016 amendments, published later in the year."""
    rows = [r[:] for r in ROWS if r[0].startswith("2015")][:40]
    dates = ["2016-01-01T00:00:00", "2016-11-20T00:00:00", "2016-06-30T00:00:00"]
    for i, r in enumerate(rows):
        r[0] = dates[i % 3]
    random.Random(7).shuffle(rows)
    path = tmp_path / "budget.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    batch = pipeline.build(recipes.load(DATASET), [path])
    got: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for line in batch.lines:
        for f in line.facts:
            got[(f.year, f.phase, f.phase_label)] += f.amount
    expected: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    phases = {dates[0]: "approved", dates[2]: "adjusted", dates[1]: "adjusted"}
    for r in rows:
        expected[(2016, phases[r[0]], "Буџет " + r[0][:10])] += Decimal(r[-1])
    assert got == expected
    assert len(batch.lines) == len(rows)
