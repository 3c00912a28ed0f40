"""Map table rows to line items: classification paths, and one fact per amount cell."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ingest import progress
from ingest.batch import Batch, ClassificationRecord, FactRecord, LineRecord, MeasureRecord
from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps import row_year
from ingest.steps.codes import code_text, split_code_label
from ingest.steps.rules import actions_for, compile_rules
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount

PHASES = ("proposed", "approved", "adjusted", "executed")
DASHES = frozenset({"-", "–", "—"})


@dataclass
class Level:
    name: str
    code: Column | None
    label: Column | None
    split: bool  # code and label share the label cell
    code_at: str | None = None  # split = "end": the code is written after the label
    exact: bool = True  # labels keep their inner spacing as published (`exact = false` squeezes)


@dataclass
class AmountColumn:
    """One amount column and what its figures mean."""

    column: Column
    measure: str
    year: int
    phase: str
    phase_label: str
    direction: str
    is_estimate: bool
    period: str
    year_column: Column | None = None  # the year is read on each row (row_year.py)


def cell(row: list[Any], column: Column | None) -> Any:
    if column is None or column.index - 1 >= len(row):
        return None
    return row[column.index - 1]


def _levels(spec: dict[str, Any], table: Table) -> list[Level]:
    levels = []
    for item in spec.get("levels", []):
        code = table.find(item["code"]) if "code" in item else None
        label = table.find(item["label"]) if "label" in item else None
        split = item.get("split")
        code_at = split if isinstance(split, str) else None
        exact = bool(item.get("exact", True))
        levels.append(Level(item.get("name", ""), code, label, bool(split), code_at, exact))
    return levels


def _path(levels: list[Level], row: list[Any]) -> list[tuple[str | None, str]]:
    """Root-to-leaf (code, label); a level with neither ends the path (a ragged tree)."""
    path: list[tuple[str | None, str]] = []
    for level in levels:
        if level.split:
            code, label = split_code_label(
                cell(row, level.label), exact=level.exact, code_at=level.code_at
            )
        else:
            code, label = code_text(cell(row, level.code)), text(cell(row, level.label))
            raw = cell(row, level.label)
            if level.exact and isinstance(raw, str):
                label = raw.strip()
        # A lone dash (` - `) in a text column means the row has nothing there.
        code = None if code in DASHES else code
        label = "" if label in DASHES else label
        if code is None and not label:
            break
        path.append((code, label))
    return path


def year_of(
    column: Column, spec: dict[str, Any], recipe: Recipe, table: Table | None = None
) -> int:
    year = spec.get("year", "header")
    if isinstance(year, int):
        return year
    if isinstance(year, dict):
        return 0  # `{ column = "FY" }`: read on each row by map_rows
    if year == "text" and table is not None:
        # The edition's year written in the title block (`[source] year_from_text`).
        from ingest.steps.text_year import edition_year

        return edition_year(recipe, table)
    found = [int(p) for p in re.findall(r"\b(1[89]\d\d|2\d\d\d)\b", column.name)]
    if not found:
        raise recipe.error(f"measure '{spec['key']}': no year in column header '{column.name}'")
    return found[-1]


def amount_columns(recipe: Recipe, table: Table, budget_year: int | None) -> list[AmountColumn]:
    """Every amount column the recipe's measures name, with its year and phase."""
    result = []
    for spec in recipe.measures:
        ref = spec.get("column") or spec.get("columns")
        if not ref:
            raise recipe.error(f"measure '{spec.get('key')}' needs `column` or `columns`")
        columns = table.find_all(ref) if "columns" in spec else [table.find(ref)]
        if not columns:
            table.find(ref)  # raises, listing the header
        phase = spec.get("phase", "executed")
        if phase not in PHASES:
            raise recipe.error(f"measure '{spec['key']}': phase must be one of {PHASES}")
        for column in columns:
            assert column is not None
            year = year_of(column, spec, recipe, table)
            col_phase, estimate = phase, bool(spec.get("estimate", False))
            if budget_year is not None and "actual_until" in spec:
                # A President's Budget: actuals end two years before the budget year, the
                # year before it is an estimate, the budget year and later are proposals.
                if year > budget_year + int(spec["actual_until"]):
                    estimate = True
                if year >= budget_year + int(spec.get("proposed_from", 0)):
                    col_phase = spec.get("phase_after", "proposed")
            result.append(
                AmountColumn(
                    column=column,
                    measure=spec["key"],
                    year=year,
                    phase=col_phase,
                    phase_label=spec.get("phase_label", column.name),
                    direction=spec.get("direction", "expenditure"),
                    is_estimate=estimate,
                    period=_period(column, spec),
                    year_column=row_year.year_column(spec, table),
                )
            )
    return result


def _period(column: Column, spec: dict[str, Any]) -> str:
    period = spec.get("period", "")
    if period == "header":
        return column.parts[-1] if column.parts and not column.parts[-1].isdigit() else ""
    return str(period)


def map_rows(
    recipe: Recipe, table: Table, batch: Batch, factor: int, budget_year: int | None = None
) -> None:
    """Line items and facts from every data row of the table."""
    currency = recipe.dataset["currency"]
    for spec in recipe.measures:
        unit = spec.get("unit", "money")
        batch.measures.setdefault(
            spec["key"],
            MeasureRecord(
                key=spec["key"],
                label=spec.get("label", spec["key"]),
                unit=unit,
                currency=currency if unit == "money" else None,
                factor=factor if unit == "money" else 1,
            ),
        )
    classes = []
    for spec in recipe.classifications:
        levels = _levels(spec, table)
        record = batch.classifications.setdefault(
            spec["key"],
            ClassificationRecord(
                key=spec["key"],
                kind=spec.get("kind", spec["key"]),
                label=spec.get("label", spec["key"]),
                level_names=[lv.name for lv in levels],
            ),
        )
        classes.append((record, levels))
    amounts = amount_columns(recipe, table, budget_year)
    rules = compile_rules(recipe.rules, table)
    scale = {
        spec["key"]: factor if spec.get("unit", "money") == "money" else 1
        for spec in recipe.measures
    }
    decimal_mark = recipe.source.get("decimal")

    for number, row in progress.over(table.rows(), table.sheet.file):
        batch.rows_read += 1
        if not any(text(v) for v in row):
            batch.skip("blank row")
            continue
        actions = actions_for(rules, row)
        if "skip" in actions:
            batch.skip(str(actions["skip"]))
            continue
        line = LineRecord(table.sheet.where(number), {})
        for record, levels in classes:
            key = record.add_path(_path(levels, row))
            if key is not None:
                line.nodes[record.key] = key
        for ac in amounts:
            raw = cell(row, ac.column)
            try:
                value = parse_amount(raw, decimal_mark)
            except NotANumber as error:
                raise IngestError(
                    f"expected an amount in column '{ac.column.name}', found '{text(raw)}'"
                    + error.note,
                    table.sheet.where(number, ac.column.index),
                ) from None
            if value is None:
                continue
            line.facts.append(
                FactRecord(
                    measure=ac.measure,
                    year=ac.year
                    if ac.year_column is None
                    else row_year.year_in_row(
                        row, ac.year_column, table.sheet.where(number, ac.year_column.index)
                    ),
                    phase=ac.phase,
                    direction=actions.get("direction", ac.direction),
                    amount=value * Decimal(scale[ac.measure]),
                    col=ac.column.index,
                    period=ac.period,
                    phase_label=ac.phase_label,
                    is_estimate=ac.is_estimate,
                    role=actions.get("role", "flow"),
                )
            )
        if line.facts:
            batch.lines.append(line)
        else:
            batch.skip("no amounts")
