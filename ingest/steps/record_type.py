"""Tables that mix parent rows (a program's total) with their child rows (its line items).

`[source.parent_rows]` names the column that tells them apart (`column`), a pattern for the
parent rows' value there (`parent`), and the `keys` columns that parent and children share.
Parents may come before or after their children, and several parent rows may share one key:
children belong to the parents with the same key values, wherever they are in the table.

Child rows are stored as line items. Parent rows are not: for each amount column their figure
(summed over the parent rows of one key) becomes a check against the sum of the stored
children. A parent's figure in a column where none of its children has one (a stage published
only at the parent's level) is no subtotal: it is stored on its own line item, classified only
by the key columns.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from ingest.batch import Batch, CheckRecord, FactRecord, LineRecord
from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps import marks
from ingest.steps.rows import _levels, _path, amount_columns, cell
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount

SKIP_REASON = "parent row (checked against its child rows)"
TOLERANCE = Decimal("0.01")


@dataclasses.dataclass
class Spec:
    column: Column
    parent: re.Pattern[str]
    keys: list[Column]


def _spec(recipe: Recipe, table: Table) -> Spec | None:
    raw: dict[str, Any] | None = recipe.source.get("parent_rows")
    if not raw:
        return None
    missing = {"column", "parent", "keys"} - set(raw)
    if missing:
        raise recipe.error(f"[source.parent_rows] needs {sorted(missing)}")
    column = table.find(raw["column"])
    keys = [table.find(ref) for ref in raw["keys"]]
    assert column is not None and all(keys)
    return Spec(column, re.compile(raw["parent"], re.IGNORECASE), [k for k in keys if k])


def prepare(recipe: Recipe, table: Table) -> Recipe:
    """The recipe with a rule that keeps parent rows out of the line items."""
    spec = recipe.source.get("parent_rows")
    if not spec:
        return recipe
    rule = {"when": {spec["column"]: spec["parent"]}, "skip": SKIP_REASON}
    return dataclasses.replace(recipe, rules=[*recipe.rules, rule])


def _key(spec: Spec, row: list[Any]) -> tuple[str, ...]:
    return tuple(text(cell(row, column)) for column in spec.keys)


def finish(
    recipe: Recipe,
    table: Table,
    batch: Batch,
    lines: list[LineRecord],
    factor: int,
    budget_year: int | None = None,
) -> None:
    """Check parent rows against their children; store figures only the parents publish."""
    spec = _spec(recipe, table)
    if spec is None:
        return
    sums: dict[tuple[str, ...], dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        row = table.sheet.rows[(line.where.row or 0) - 1]
        children = sums[_key(spec, row)]
        for fact in line.facts:
            children[fact.col] += fact.amount
    parents: dict[tuple[str, ...], list[tuple[int, list[Any]]]] = defaultdict(list)
    for number, row in table.rows():
        if spec.parent.search(text(cell(row, spec.column))):
            parents[_key(spec, row)].append((number, row))
    amounts = amount_columns(recipe, table, budget_year)
    units = {m.get("key"): m.get("unit", "money") for m in recipe.measures}
    decimal = recipe.source.get("decimal")
    own: dict[int, LineRecord] = {}
    for key, group in parents.items():
        children = sums.get(key, {})
        for ac in amounts:
            scale = Decimal(factor if units.get(ac.measure) == "money" else 1)
            mark = marks.mark_for(decimal, ac.column)
            figures = []
            for number, row in group:
                raw = cell(row, ac.column)
                try:
                    value = parse_amount(raw, mark)
                except NotANumber:
                    raise IngestError(
                        f"expected an amount in column '{ac.column.name}', found '{text(raw)}'",
                        table.sheet.where(number, ac.column.index),
                    ) from None
                if value is not None:
                    figures.append((number, row, value * scale))
            if not figures:
                continue
            if ac.column.index in children:
                subject = " / ".join(v for v in key if v) + f": {ac.column.name}"
                if len(group) > 1:
                    subject += f" ({len(group)} parent rows)"
                batch.checks.append(
                    CheckRecord(
                        "parent row total",
                        subject,
                        table.sheet.where(group[0][0], ac.column.index),
                        sum((v for _, _, v in figures), Decimal(0)),
                        children[ac.column.index],
                        TOLERANCE,
                    )
                )
                continue
            for number, row, value in figures:
                line = own.get(number) or _parent_line(recipe, table, batch, spec, number, row)
                own[number] = line
                line.facts.append(
                    FactRecord(
                        measure=ac.measure,
                        year=ac.year,
                        phase=ac.phase,
                        direction=ac.direction,
                        amount=value,
                        col=ac.column.index,
                        period=ac.period,
                        phase_label=ac.phase_label,
                        is_estimate=ac.is_estimate,
                    )
                )
    for number in sorted(own):
        batch.lines.append(own[number])


def _parent_line(
    recipe: Recipe, table: Table, batch: Batch, spec: Spec, number: int, row: list[Any]
) -> LineRecord:
    """A line item for a parent row, classified only down to the levels its keys name."""
    keys = {c.index for c in spec.keys}
    line = LineRecord(table.sheet.where(number), {})
    for item in recipe.classifications:
        levels = []
        for level in _levels(item, table):
            # A level is the parent's when its code (or, with no code, its label) is a key.
            named = level.code or level.label
            if named is None or named.index not in keys:
                break
            levels.append(level)
        record = batch.classifications.get(item["key"])
        path = _path(levels, row)
        if record is not None and path:
            node = record.add_path(path)
            if node is not None:
                line.nodes[record.key] = node
    return line
