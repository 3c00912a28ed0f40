"""SHCP federalized spending, Puebla, Q1 2016: program rows total their item rows.

Expected figures come from a plain reading of the raw workbook with openpyxl and simple loops;
the stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
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
    Measure,
    Node,
    Reconciliation,
)
from tests.conftest import loaded
from tests.helpers import current_version_id, line_item_count, totals

DATASET = "mx-shcp-federalized-puebla-2016q1"
RAW = DATASETS_DIR / "raw" / "mexico_shcp"
WORKBOOK = RAW / "Gasto Federalizado_Avance Financiero_Puebla_Q1_2016.xlsx"
STAGES = {
    "Aprobado": ("aprobado", "approved"),
    "Modificado": ("modificado", "adjusted"),
    "Recaudado (Ministrado)": ("recaudado_ministrado", "executed"),
    "Comprometido": ("comprometido", "executed"),
    "Devengado": ("devengado", "executed"),
    "Ejercido": ("ejercido", "executed"),
    "Pagado": ("pagado", "executed"),
    "Pagado SHCP": ("pagado_shcp", "executed"),
}
KEYS = ["Entidad", "Municipio", "Ciclo de Recurso", "Clave Ramo", "Clave Programa"]

db = loaded(DATASET)


# --- a plain reading of the raw workbook ---------------------------------------------------


def _number(value: Any) -> Decimal | None:
    """An amount written as text; N/A, N/R and blanks are no figure."""
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _read() -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
    book = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header = next(i for i, r in enumerate(rows) if "Tipo de Registro" in r)
    names = {str(v): c for c, v in enumerate(rows[header]) if v}
    data = [(i + 1, r) for i, r in enumerate(rows) if i > header and r[names["Tipo de Registro"]]]
    return names, data


NAMES, DATA = _read()


def _kind(row: tuple[Any, ...]) -> str:
    return str(row[NAMES["Tipo de Registro"]])[:3]


def _key(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(row[NAMES[k]]) for k in KEYS)


def _expected() -> tuple[dict[tuple[int, str, str, str], Decimal], int, int]:
    """Stored totals, the number of line items and of checks a person would expect."""
    children: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(dict)
    result: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    items = 0
    for _, row in DATA:
        if _kind(row) == "2.-":
            items += 1
            for stage, (measure, phase) in STAGES.items():
                value = _number(row[NAMES[stage]])
                if value is not None:
                    group = children[_key(row)]
                    group[stage] = group.get(stage, Decimal(0)) + value
                    result[(2016, phase, "expenditure", measure)] += value
    parents: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for _, row in DATA:
        if _kind(row) == "1.-":
            parents[_key(row)].append(row)
    checks, own_rows = 0, set()
    for key, rows in parents.items():
        for stage, (measure, phase) in STAGES.items():
            figures = [
                (id(r), value) for r in rows if (value := _number(r[NAMES[stage]])) is not None
            ]
            if not figures:
                continue
            if stage in children.get(key, {}):
                checks += 1
                continue
            # Published only on the program row: stored at the program's level.
            for r, value in figures:
                own_rows.add(r)
                result[(2016, phase, "expenditure", measure)] += value
    return dict(result), items + len(own_rows), checks


EXPECTED, ITEMS, CHECKS = _expected()


# --- the stored dataset --------------------------------------------------------------------


def test_totals_per_stage_equal_the_item_rows(db: Engine) -> None:
    stored = totals(db, DATASET)
    assert stored == EXPECTED
    # Every stage is its own measure, all of the 2016 fiscal year, first quarter.
    assert len({k[3] for k in stored}) == 8
    assert totals(db, DATASET, period="Q1") == stored


def test_line_items_are_item_rows_and_program_only_figures(db: Engine) -> None:
    assert line_item_count(db, DATASET) == ITEMS
    version = current_version_id(db, DATASET)
    kinds = {n: _kind(r) for n, r in DATA}
    with Session(db) as session:
        stored = session.execute(
            select(LineItem.row, Measure.key)
            .join(Fact, Fact.line_item_id == LineItem.id)
            .join(Measure, Measure.id == Fact.measure_id)
            .where(LineItem.version_id == version)
        ).all()
    # No `1.- PROGRAMA PRESUPUESTARIO` row is stored with a stage its items publish: program
    # rows carry only SHCP's payments figure, which the items leave `N/A`.
    assert {kinds[row] for row, _ in stored} == {"1.-", "2.-"}
    assert {m for row, m in stored if kinds[row] == "1.-"} == {"pagado_shcp"}
    assert sum(1 for _, m in stored if m == "aprobado") == sum(
        1 for _, r in DATA if _kind(r) == "2.-"
    )


def test_every_program_row_is_checked_against_its_items(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        checks = session.scalars(
            select(Reconciliation).where(Reconciliation.version_id == version)
        ).all()
    assert len(checks) == CHECKS
    assert all(c.passed for c in checks)
    first = next(c for c in checks if "2008 / 33 / I003: Aprobado" in c.subject)
    # Two program rows for FISE 2008 (364,900,212 and 243,865,076) total two item rows.
    assert first.published == first.computed == Decimal("608765288")


def test_labels_and_codes_as_published(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        nodes = session.execute(
            select(Classification.key, Node.code, Node.label, Node.level)
            .join(Node, Node.classification_id == Classification.id)
            .where(Classification.version_id == version)
        ).all()
    by_class: dict[str, set[tuple[str | None, str]]] = defaultdict(set)
    for key, code, label, _ in nodes:
        by_class[key].add((code, label))
    ramos = {(str(r[NAMES["Clave Ramo"]]), r[NAMES["Descripción Ramo"]]) for _, r in DATA}
    assert {(c, lb) for c, lb in by_class["administrative"] if (c, lb) in ramos} == ramos
    assert ("11", "EDUCACIÓN PÚBLICA") in by_class["administrative"]
    assert ("612", "EDIFICACIÓN NO HABITACIONAL") in by_class["economic"]
    assert ("2", "GASTO DE INVERSIÓN") in by_class["spending_type"]
    assert (None, "Izúcar de Matamoros") in by_class["location"]
    # ` - ` (on program rows only here) is no resource type.
    assert {lb for _, lb in by_class["resource_type"]} == {
        str(r[NAMES["Tipo de Recurso"]]) for _, r in DATA if _kind(r) == "2.-"
    }
    assert {c for c, _ in by_class["resource_year"]} == {
        str(r[NAMES["Ciclo de Recurso"]]) for _, r in DATA
    }
    # The program rows' `TOTAL DEL PROGRAMA PRESUPUESTARIO` is no spending item.
    assert not any("TOTAL" in lb for _, lb in by_class["economic"])


def test_observaciones_are_not_amounts(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        columns = set(session.scalars(select(Fact.col).where(Fact.version_id == version)))
    assert columns == {NAMES[stage] + 1 for stage in STAGES}


# --- another edition through the same recipe -----------------------------------------------

HEADER = [
    "Entidad",
    "Municipio",
    "Tipo de Registro",
    "Ciclo de Recurso",
    "Tipo de Recurso",
    "Descripción Ramo",
    "Clave Ramo",
    "Descripción Programa",
    "Clave Programa",
    "Programa Fondo Convenio - Específico",
    "Dependencia Ejecutora",
    "Rendimiento Financiero",
    "Reintegro",
    "Tipo de Gasto",
    "Partida",
    *STAGES,
    "",
]


def _edition(path: Path, period: str, parent_aprobado: str = "300") -> None:
    """A small report laid out like SHCP's: three leading empty columns this time, more
    title rows, the program row before its items for one program and after for the other."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    pad = [None, None, None]
    lines: list[list[Any]] = [
        [],
        pad + [" Informes sobre la Situación Económica, las Finanzas Públicas y la Deuda"],
        pad + ["Gasto Federalizado"],
        [],
        pad + ["ENTIDAD: Oaxaca"],
        pad + [f"PERIODO: {period}"],
        pad + ["Cifras en pesos"],
        [],
        pad + ["Descripción de Programas Presupuestarios"] + [None] * 11 + ["PARTIDA"],
        pad + HEADER,
    ]

    def row(kind: str, program: str, partida: str, amounts: list[str], shcp: str) -> list[Any]:
        return pad + [
            "Oaxaca",
            "Gobierno de la Entidad",
            kind,
            "2017",
            " - " if kind.startswith("1") else "SUBSIDIOS - 1",
            "SALUD",
            "12",
            "PROGRAMA " + program,
            program,
            "SIN IDENTIFICAR",
            "SECRETARÍA DE SALUD",
            None,
            None,
            "" if kind.startswith("1") else "1 - GASTO CORRIENTE",
            partida,
            *amounts,
            shcp,
            "nota",
        ]

    total = "TOTAL DEL PROGRAMA PRESUPUESTARIO"
    lines += [
        row("1.- PROGRAMA PRESUPUESTARIO", "P012", total, [parent_aprobado, *["250"] * 6], "90"),
        row("2.- PARTIDA", "P012", "211 - MATERIALES", ["100", *["50"] * 6], "N/A"),
        row("2.- PARTIDA", "P012", "221 - ALIMENTOS", ["200", *["200"] * 6], "N/A"),
        row("2.- PARTIDA", "S037", "415 - TRANSFERENCIAS", ["70.5", *["N/A"] * 6], "N/A"),
        row("1.- PROGRAMA PRESUPUESTARIO", "S037", total, ["70.5", *["N/R"] * 6], "N/R"),
    ]
    for line in lines:
        sheet.append(line)
    book.save(path)


def test_the_recipe_reads_another_quarter(tmp_path: Path) -> None:
    path = tmp_path / "avance.xlsx"
    _edition(path, "Tercer Trimestre 2017")
    batch = pipeline.build(recipes.load(DATASET), [path])
    assert batch.years() == [2017]
    assert {f.period for line in batch.lines for f in line.facts} == {"Q3"}
    facts = {(line.where.row, f.measure): f.amount for line in batch.lines for f in line.facts}
    assert facts[(12, "aprobado")] == Decimal(100)
    assert facts[(14, "aprobado")] == Decimal("70.5")
    assert facts[(11, "pagado_shcp")] == Decimal(90)  # the program row's own figure
    assert (15, "pagado_shcp") not in facts  # N/R: not reported, no figure
    assert sorted(line.where.row or 0 for line in batch.lines) == [11, 12, 13, 14]
    assert len(batch.checks) == 8 and all(c.passed for c in batch.checks)
    assert batch.skipped["parent row (checked against its child rows)"] == 2


def test_a_wrong_program_total_is_a_failed_check(tmp_path: Path) -> None:
    path = tmp_path / "avance.xlsx"
    _edition(path, "Primer Trimestre 2017", parent_aprobado="310")
    batch = pipeline.build(recipes.load(DATASET), [path])
    failed = [(c.published, c.computed) for c in batch.checks if not c.passed]
    assert failed == [(Decimal(310), Decimal(300))]


def test_a_period_outside_the_map_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "avance.xlsx"
    _edition(path, "Quinto Trimestre 2017")
    with pytest.raises(IngestError, match="period map"):
        pipeline.build(recipes.load(DATASET), [path])
