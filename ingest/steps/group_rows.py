"""Print layouts: group-header rows above their member rows, total rows, a summary below.

With `[source.groups] column = "Department"` a row with a label and no amounts is the
header of the rows under it (a department above its class rows); consecutive header rows
are one name printed over several lines (or one merged cell spanning rows). Each member row
gets its group's name in a column of that name, which the recipe's classification levels
use like any other column. A blank row or a total row (see totals.py) ends a name.

Total rows never reach the line items. A total of everything that follows line items ends
the table: the rows below it (a summary by class, the publisher's own check cells, notes)
are never line items either; summary rows are reconciled when a `sums = "label"` check
says how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.batch import Batch
from ingest.errors import IngestError, Problem
from ingest.recipes import Recipe
from ingest.steps.rules import actions_for, compile_rules
from ingest.steps.table import Column, Table, text
from ingest.steps.totals import (
    AmountRef,
    CheckSpec,
    TotalRow,
    cell,
    has_amounts,
    has_figures,
    label_text,
)


@dataclass
class View(Table):
    """A table seen through the layout: `rows()` yields only the rows that may be line items."""

    kept: list[tuple[int, list[Any]]] = field(default_factory=list)

    def rows(self) -> list[tuple[int, list[Any]]]:
        return self.kept


@dataclass
class Split:
    view: View
    totals: list[TotalRow]
    members: dict[int, list[Any]]


def _label(row: list[Any], column: Column | None) -> str:
    return label_text(cell(row, column))


def split(
    recipe: Recipe,
    table: Table,
    batch: Batch,
    checks: list[CheckSpec],
    amounts: list[AmountRef],
    label_column: Column | None,
) -> Split:
    """Sort the rows under the header into line items, group headers, totals and the rest."""
    groups = recipe.source.get("groups") or {}
    group_name = groups.get("column")
    group_col: Column | None = None
    columns = list(table.columns)
    if group_name:
        width = max([len(r) for _, r in table.rows()] + [len(columns)])
        group_col = Column(width + 1, [group_name])
        columns.append(group_col)
        if label_column is None:
            raise recipe.error(
                "[source.groups] needs the column naming the groups: set its `label`, or "
                "[source] label_column"
            )
    view = View(table.sheet, columns, table.header_top, table.data_start, list(table.preamble))
    rules = compile_rules(recipe.rules, view)
    row_checks = [c for c in checks if c.when is not None and c.scope != "label"]
    label_checks = [c for c in checks if c.scope == "label"]

    totals: list[TotalRow] = []
    members: dict[int, list[Any]] = {}
    group: str | None = None
    group_rows: list[int] = []
    joining = False  # the previous row was (part of) a group header
    below = False  # past a grand total that followed the line items

    for number, row in table.rows():
        if not any(text(v) for v in row):
            batch.rows_read += 1
            batch.skip("blank row")
            joining = False
            continue
        if below:
            batch.rows_read += 1
            _below(number, row, label_column, label_checks, amounts, totals, batch)
            continue
        if "skip" in actions_for(rules, row):
            view.kept.append((number, row))  # map_rows skips it and counts why
            continue
        spec = next((c for c in row_checks if c.when and c.when.applies(row)), None)
        if spec is not None:
            batch.rows_read += 1
            batch.skip(f"total row ({spec.name})")
            subject = group if spec.scope == "group" and group else _label(row, label_column)
            totals.append(TotalRow(spec, number, row, subject or spec.name, list(group_rows)))
            if spec.scope == "group":
                group, group_rows = None, []
            elif members:
                below = True
            joining = False
            continue
        if group_col is not None and not has_amounts(row, amounts):
            label = _label(row, label_column)
            if label:
                batch.rows_read += 1
                batch.skip("group header row")
                if joining and group:
                    group = f"{group} {label}"  # one name printed over several lines
                else:
                    if group and not group_rows:
                        _empty_group(batch, table, number, group)
                    group, group_rows = label, []
                joining = True
                continue
        joining = False
        if group_col is not None:
            if group is None:
                raise IngestError(
                    f"a row with amounts but no {group_name} header above it (since the last "
                    "total row); expected a name alone on its row before the rows it heads",
                    table.sheet.where(number),
                )
            row = list(row) + [None] * (group_col.index - 1 - len(row)) + [group]
            group_rows.append(number)
        members[number] = row
        view.kept.append((number, row))
    return Split(view, totals, members)


def _empty_group(batch: Batch, table: Table, number: int, group: str) -> None:
    batch.problems.append(
        Problem(table.sheet.where(number), f"the group header '{group}' has no rows under it")
    )


def _below(
    number: int,
    row: list[Any],
    label_column: Column | None,
    label_checks: list[CheckSpec],
    amounts: list[AmountRef],
    totals: list[TotalRow],
    batch: Batch,
) -> None:
    """A row below the grand total: a summary row to check, or the publisher's side notes."""
    label = _label(row, label_column)
    if label and has_figures(row, amounts):
        spec = next((c for c in label_checks if c.when is None or c.when.applies(row)), None)
        batch.skip("summary row below the table")
        if spec is not None:
            totals.append(TotalRow(spec, number, row, label))
    elif label:
        batch.skip("note below the table")
    else:
        # Unlabelled figures and words ("DONE") are the publisher's own working checks.
        batch.skip("helper cells below the table")
