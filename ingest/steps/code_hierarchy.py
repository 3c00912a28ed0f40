"""A classification told only by code length: one column, codes that nest by their digits.

Some publishers (the Israeli Ministry of Finance's execution reports) print every level of
the tree in one "code - name" column: a 10-digit line item under an 8-digit program under a
6-digit domain under a 4-digit section, each subtotal row after its children, and a 2-digit
grand total last. A recipe says so on its classification:

    code_column = "תקנה"                       # "code - name" (or label_column = "...")
    levels = [{ name = "Section", length = 4 }, ..., { name = "Line item", length = 10 }]
    totals = [2]                                # shorter codes: totals above the tree

Rows with the leaf length are the line items; every other row is a published subtotal or
total, never stored: it names its node (the label of a parent comes from its subtotal row)
and is reconciled against the stored items whose code it begins. The order of the rows does
not matter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ingest.batch import Batch, CheckRecord, FactRecord, LineRecord
from ingest.errors import IngestError, Location
from ingest.recipes import Recipe
from ingest.steps.codes import code_text, split_code_label
from ingest.steps.table import Column, Table, text

HALF = Decimal("0.5")

FactKey = tuple[str, int, str, str, int]  # measure, year, phase, period, source column


@dataclass
class Hierarchy:
    """One classification whose levels are code lengths."""

    key: str
    code: Column
    label: Column | None  # None: the code column holds "code - label"
    names: list[str]  # level names, top down
    lengths: list[int]  # code lengths, top down; the last is the line item
    totals: list[int]  # code lengths of totals above the tree

    @property
    def leaf(self) -> int:
        return self.lengths[-1]

    def level_name(self, length: int) -> str:
        if length in self.lengths:
            return self.names[self.lengths.index(length)]
        return "Total"

    def code_label(self, row: list[Any]) -> tuple[str | None, str]:
        """The row's code and its label exactly as published (ends trimmed)."""
        if self.label is None:
            return split_code_label(_cell(row, self.code), exact=True)
        raw = _cell(row, self.label)
        return code_text(_cell(row, self.code)), "" if raw is None else str(raw).strip()


@dataclass
class _Sum:
    """The stored line items under one code, per amount column."""

    amounts: dict[FactKey, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counts: dict[FactKey, int] = field(default_factory=lambda: defaultdict(int))
    directions: dict[FactKey, set[str]] = field(default_factory=lambda: defaultdict(set))


def _cell(row: list[Any], column: Column) -> Any:
    return row[column.index - 1] if column.index - 1 < len(row) else None


def _key(fact: FactRecord) -> FactKey:
    return (fact.measure, fact.year, fact.phase, fact.period, fact.col)


def hierarchies(recipe: Recipe, table: Table) -> list[Hierarchy]:
    """The recipe's classifications that are told by code length (those with `code_column`)."""
    result = []
    for spec in recipe.classifications:
        if "code_column" not in spec:
            continue
        levels = spec.get("levels") or []
        lengths = [item.get("length") for item in levels]
        if not lengths or not all(isinstance(n, int) and n > 0 for n in lengths):
            raise recipe.error(
                f"classification '{spec['key']}' has `code_column`, so each of its levels "
                "needs a `length` (the number of digits of its codes)"
            )
        if lengths != sorted(set(lengths)):
            raise recipe.error(
                f"classification '{spec['key']}': level lengths must grow from the top down"
            )
        totals = [int(n) for n in spec.get("totals", [])]
        if any(n >= lengths[0] for n in totals):
            raise recipe.error(
                f"classification '{spec['key']}': `totals` are codes shorter than the top level"
            )
        code = table.find(spec["code_column"])
        label = table.find(spec["label_column"]) if "label_column" in spec else None
        assert code is not None
        names = [str(item.get("name", "")) for item in levels]
        result.append(Hierarchy(spec["key"], code, label, names, lengths, totals))
    if len(result) > 1:
        raise recipe.error("only one classification per recipe can be told by code length")
    return result


def apply(recipe: Recipe, table: Table, batch: Batch, start: int) -> None:
    """Place the lines mapped from `table` (batch.lines[start:]) in the code tree; keep only
    the line items, and reconcile every published subtotal and total against them."""
    for hierarchy in hierarchies(recipe, table):
        _apply(hierarchy, table, batch, start)


def _apply(hierarchy: Hierarchy, table: Table, batch: Batch, start: int) -> None:
    record = batch.classifications[hierarchy.key]
    record.level_names = list(hierarchy.names)
    labels = _labels(hierarchy, table)
    items: list[tuple[str, LineRecord]] = []
    published: list[tuple[str, LineRecord]] = []
    for line in batch.lines[start:]:
        code = _code(hierarchy, table, line)
        (items if len(code) == hierarchy.leaf else published).append((code, line))

    prefixes = hierarchy.totals + hierarchy.lengths[:-1]
    sums: dict[str, _Sum] = defaultdict(_Sum)
    for code, line in items:
        path = [(code[:n], labels.get(code[:n], "")) for n in hierarchy.lengths[:-1]]
        path.append((code, labels.get(code, "")))
        node = record.add_path(path)
        assert node is not None
        line.nodes[hierarchy.key] = node
        for n in prefixes:
            under = sums[code[:n]]
            for fact in line.facts:
                key = _key(fact)
                under.amounts[key] += fact.amount
                under.counts[key] += 1
                under.directions[key].add(fact.direction)

    precision = _precision(batch, [line for _, line in items + published])
    for code, line in published:
        _check(hierarchy, code, labels.get(code, ""), line, sums[code], precision, batch)
    subtotals = sum(1 for code, _ in published if len(code) in hierarchy.lengths)
    if subtotals:
        batch.skip("subtotal row (reconciled, not stored)", subtotals)
    if len(published) > subtotals:
        batch.skip("total row (reconciled, not stored)", len(published) - subtotals)
    batch.lines[start:] = [line for _, line in items]


def _labels(hierarchy: Hierarchy, table: Table) -> dict[str, str]:
    """Every code's label, from any row under the header (a subtotal row may have no amounts)."""
    labels: dict[str, str] = {}
    for _, row in table.rows():
        code, label = hierarchy.code_label(row)
        if code is not None and label and code not in labels:
            labels[code] = label
    return labels


def _code(hierarchy: Hierarchy, table: Table, line: LineRecord) -> str:
    """The line's code; an error when its length is not one the recipe names."""
    row_number = line.where.row or 0
    row = table.sheet.rows[row_number - 1] if row_number else []
    code, _ = hierarchy.code_label(row)
    where = table.sheet.where(line.where.row, hierarchy.code.index)
    if code is None:
        raise IngestError(
            f"expected a code in column '{hierarchy.code.name}', "
            f"found '{text(_cell(row, hierarchy.code))}'",
            where,
        )
    if len(code) not in hierarchy.lengths and len(code) not in hierarchy.totals:
        raise IngestError(
            f"code '{code}' has {len(code)} characters; the recipe knows the level lengths "
            f"{hierarchy.lengths} and the total lengths {hierarchy.totals}",
            where,
        )
    return code


def _precision(batch: Batch, lines: list[LineRecord]) -> dict[str, Decimal]:
    """Per measure, the smallest step the published figures are written in (base units).

    Figures printed in whole thousands have a precision of 1000; a staff ceiling of 54.5
    positions one of 0.1.
    """
    result: dict[str, Decimal] = {}
    for key, measure in batch.measures.items():
        result[key] = Decimal(measure.factor)
    for line in lines:
        for fact in line.facts:
            if not fact.amount:
                continue
            unit = Decimal(batch.measures[fact.measure].factor)
            exponent = (fact.amount / unit).normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            if exponent < 0:
                result[fact.measure] = min(result[fact.measure], unit.scaleb(exponent))
    return result


def _check(
    hierarchy: Hierarchy,
    code: str,
    label: str,
    line: LineRecord,
    under: _Sum,
    precision: dict[str, Decimal],
    batch: Batch,
) -> None:
    """One check per published figure of a subtotal or total row.

    Each published figure was rounded to its precision from an exact amount, so the sum of
    n rounded items can differ from the rounded subtotal by at most half a step for each of
    the n items and half a step for the subtotal itself: 0.5 x precision x (n + 1).
    """
    kind = "subtotal" if len(code) in hierarchy.lengths else "total"
    level = hierarchy.level_name(len(code))
    for fact in line.facts:
        key = _key(fact)
        count = under.counts.get(key, 0)
        subject = f"{level} {code} {label}: {fact.phase_label or fact.phase} {fact.year}".strip()
        if len(under.directions.get(key, set())) > 1:
            subject += " (adds revenue and expenditure items together, as published)"
        batch.checks.append(
            CheckRecord(
                check=f"code {kind}",
                subject=subject,
                where=Location(line.where.file, line.where.sheet, line.where.row, fact.col),
                published=fact.amount,
                computed=under.amounts.get(key, Decimal(0)),
                tolerance=HALF * precision[fact.measure] * (count + 1),
            )
        )
