"""Rows that publish totals: never line items, each compared with the rows it sums.

A recipe names them in `[[check]]` entries:

    [[check]]
    name = "department total"          # what the reconciliation is called
    when = { "Class" = "^Total$" }     # the rows that publish this total
    sums = "group"                     # group | all | label
    rounding = 0.1                     # figures rounded to this (file's unit), per summed row

`sums = "group"`: the rows of the group the total row closes (see group_rows.py);
`sums = "all"`: every line item of the table, wherever the total row stands (first or last);
`sums = "label"`: a summary row below the table (after a grand total) restating the total of
every line item whose `by` column holds the same label; `aliases` maps a summary label to the
labels it covers when the publisher words them differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ingest.batch import Batch, CheckRecord, LineRecord
from ingest.errors import IngestError, Location, Problem
from ingest.recipes import Recipe
from ingest.steps.rules import Rule
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount

SCOPES = ("group", "all", "label")
CHECK_KEYS = {"name", "when", "sums", "rounding", "by", "aliases"}


@dataclass
class CheckSpec:
    name: str
    scope: str
    when: Rule | None
    rounding: Decimal
    by: Column | None = None
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def labels_for(self, label: str) -> set[str]:
        """The row labels a summary label stands for (itself, and its aliases)."""
        return {label, *self.aliases.get(label, [])}


@dataclass
class TotalRow:
    """A published total row and what it sums."""

    spec: CheckSpec
    number: int
    row: list[Any]
    subject: str
    members: list[int] = field(default_factory=list)  # for sums = "group"


@dataclass
class AmountRef:
    column: Column
    measure: str


def specs(recipe: Recipe, table: Table) -> list[CheckSpec]:
    """The recipe's total-row checks (the `[[check]]` entries with `sums`)."""
    result = []
    for entry in recipe.checks:
        if "sums" not in entry:
            continue
        unknown = set(entry) - CHECK_KEYS
        if unknown or entry["sums"] not in SCOPES:
            raise recipe.error(
                f"a [[check]] takes {sorted(CHECK_KEYS)} with sums one of {SCOPES}; got {entry}"
            )
        when = None
        if entry.get("when"):
            compiled = []
            for ref, pattern in entry["when"].items():
                column = table.find(ref)
                assert column is not None
                compiled.append((column.index, re.compile(pattern, re.IGNORECASE)))
            when = Rule(compiled, {})
        elif entry["sums"] != "label":
            raise recipe.error(f"[[check]] '{entry.get('name')}' needs `when`: which rows")
        by = table.find(entry["by"]) if entry.get("by") else None
        if entry["sums"] == "label" and by is None:
            raise recipe.error(f"[[check]] '{entry.get('name')}' sums by label: it needs `by`")
        aliases = {
            k: [v] if isinstance(v, str) else list(v) for k, v in entry.get("aliases", {}).items()
        }
        result.append(
            CheckSpec(
                name=entry.get("name", f"{entry['sums']} total"),
                scope=entry["sums"],
                when=when,
                rounding=Decimal(str(entry.get("rounding", 0))),
                by=by,
                aliases=aliases,
            )
        )
    return result


def amount_refs(recipe: Recipe, table: Table) -> list[AmountRef]:
    """The amount columns the recipe's measures name."""
    result = []
    for spec in recipe.measures:
        ref = spec.get("column") or spec.get("columns")
        if not ref:
            continue
        found = table.find_all(ref) if "columns" in spec else [table.find(ref)]
        result += [AmountRef(c, spec["key"]) for c in found if c is not None]
    return result


def cell(row: list[Any], column: Column | None) -> Any:
    if column is None or column.index - 1 >= len(row):
        return None
    return row[column.index - 1]


def label_text(value: Any) -> str:
    """A label as published: ends trimmed, inner spacing kept ("Finance-PGW  Reimbursement")."""
    return value.strip() if isinstance(value, str) else text(value)


def has_amounts(row: list[Any], amounts: list[AmountRef]) -> bool:
    """Whether any amount column of the row holds something (a figure, or a '-' mark)."""
    return any(text(cell(row, a.column)) for a in amounts)


def has_figures(row: list[Any], amounts: list[AmountRef]) -> bool:
    """Whether any amount column of the row holds a number."""
    for a in amounts:
        try:
            if parse_amount(cell(row, a.column)) is not None:
                return True
        except NotANumber:
            continue
    return False


def reconcile(
    table: Table,
    totals: list[TotalRow],
    amounts: list[AmountRef],
    members: dict[int, list[Any]],
    lines: list[LineRecord],
    batch: Batch,
    decimal_mark: str | None = None,
) -> None:
    """One check per total row and amount column: published figure vs the stored sum.

    `members` are the line-item rows of the table by row number, `lines` what was stored.
    """
    stored = {n: line for line in lines if (n := line.where.row) is not None and n in members}
    for total in totals:
        spec = total.spec
        if spec.scope == "group":
            summed = [stored[n] for n in total.members if n in stored]
        elif spec.scope == "all":
            summed = list(stored.values())
        else:
            summed = _by_label(table, spec, total, members, stored, batch)
        for ref in amounts:
            raw = cell(total.row, ref.column)
            try:
                value = parse_amount(raw, decimal_mark)
            except NotANumber:
                raise IngestError(
                    f"the total row '{total.subject}' holds '{text(raw)}' where an amount "
                    f"was expected in column '{ref.column.name}'",
                    table.sheet.where(total.number, ref.column.index),
                ) from None
            if value is None:
                continue
            measure = batch.measures.get(ref.measure)
            factor = Decimal(measure.factor if measure else 1)
            facts = [f for line in summed for f in line.facts if f.col == ref.column.index]
            batch.checks.append(
                CheckRecord(
                    check=spec.name,
                    subject=f"{total.subject}: {ref.column.name}",
                    where=table.sheet.where(total.number, ref.column.index),
                    published=value * factor,
                    computed=sum((f.amount for f in facts), Decimal(0)),
                    tolerance=spec.rounding * factor * len(facts),
                )
            )


def _by_label(
    table: Table,
    spec: CheckSpec,
    total: TotalRow,
    members: dict[int, list[Any]],
    stored: dict[int, LineRecord],
    batch: Batch,
) -> list[LineRecord]:
    """The stored rows whose `by` label the summary row names (or an alias of it)."""
    wanted = spec.labels_for(total.subject)
    numbers = [n for n, row in members.items() if label_text(cell(row, spec.by)) in wanted]
    if not numbers:
        batch.problems.append(
            Problem(
                Location(table.sheet.file, table.sheet.name, total.number),
                f"the summary row '{total.subject}' names no row of the table; if the "
                "publisher words it differently there, add it to the check's `aliases`",
            )
        )
    return [stored[n] for n in numbers if n in stored]
