"""Reports whose lines form a tree by parent links, one snapshot per period.

`[tree]` names the columns: `id` (a line's number inside one period), `parent` (the parent
line's id in the same period; absent for a flat report), `code`, `label`, `period`, and
`period_pattern` (a regex with groups `year` and `month`). Only leaf lines (no line of the
same period points at them) are stored; every parent line becomes a check: parent == sum of
its children per measure. `total` (a label regex) marks total rows of a flat report: never
stored, checked against the sum of the lines. A plan measure listed in
`not_published_if_zero` that is zero on every line of a period while `published_reference`
is not was not published for that period: no fact, a skip and a note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ingest.batch import (
    Batch,
    CheckRecord,
    ClassificationRecord,
    FactRecord,
    LineRecord,
    MeasureRecord,
    NodeRecord,
)
from ingest.errors import IngestError, Location
from ingest.recipes import Recipe
from ingest.steps import node_labels, report_sections
from ingest.steps.codes import code_text
from ingest.steps.rows import PHASES, cell
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount

KEYS = {
    "id",
    "parent",
    "code",
    "label",
    "period",
    "period_pattern",
    "cumulative",
    "total",
    "ignore",
    "tolerance_per_child",
    "not_published_if_zero",
    "published_reference",
}
NOT_PUBLISHED = "plan not published"


@dataclass
class Measure:
    key: str
    column: Column
    phase: str
    phase_label: str


@dataclass
class Line:
    """One row of one period's report."""

    row: int
    id: str
    parent: str | None
    code: str | None
    label: str
    amounts: dict[str, Decimal | None]
    children: list[Line] = field(default_factory=list)
    up: Line | None = None
    node: str = ""

    def chain(self) -> list[Line]:
        """Its ancestors from the top-level line down, then itself."""
        chain: list[Line] = []
        line: Line | None = self
        while line is not None:
            chain.append(line)
            line = line.up
        return chain[::-1]


def _ref(value: Any) -> str | None:
    """A line id as text: '7', '7.0' and 7.0 are the same line."""
    return code_text(value)


def _label(value: Any) -> str:
    # Labels as published: only the ends are trimmed (the portal pads some with spaces).
    return "" if value is None else str(value).strip()


def _measures(recipe: Recipe, table: Table, batch: Batch, factor: int) -> list[Measure]:
    currency = recipe.dataset["currency"]
    result = []
    for spec in recipe.measures:
        if "column" not in spec or "key" not in spec:
            raise recipe.error(f"a [[measure]] of a [tree] report needs key and column: {spec}")
        if spec.get("unit", "money") != "money":
            raise recipe.error(f"measure '{spec['key']}': a [tree] report holds money only")
        phase = spec.get("phase", "executed")
        if phase not in PHASES:
            raise recipe.error(f"measure '{spec['key']}': phase must be one of {PHASES}")
        column = table.find(spec["column"])
        assert column is not None
        batch.measures.setdefault(
            spec["key"],
            MeasureRecord(spec["key"], spec.get("label", spec["key"]), "money", currency, factor),
        )
        result.append(Measure(spec["key"], column, phase, spec.get("phase_label", column.name)))
    return result


def _check_columns(tree: dict[str, Any], table: Table, used: set[int], recipe: Recipe) -> None:
    """Every column is read or named as not data: a new column (a percentage?) is noticed."""
    ignored = {c.index for ref in tree.get("ignore", []) for c in table.find_all(ref)}
    for column in table.columns:
        if column.parts and column.index not in used | ignored:
            raise IngestError(
                f"column '{column.name}' is neither a [[measure]] nor in [tree] ignore; "
                "say what it is in the recipe",
                table.sheet.where(table.data_start, column.index),
            )


def _period(value: str, pattern: re.Pattern[str], where: Location) -> tuple[int, int]:
    match = pattern.search(value)
    if not match:
        raise IngestError(f"expected a period matching {pattern.pattern!r}, found '{value}'", where)
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise IngestError(f"month {month} in period '{value}' is not 1-12", where)
    return int(match["year"]), month


def map_report(recipe: Recipe, table: Table, batch: Batch, factor: int) -> None:
    """Line items (leaves), checks (parents and totals) and notes from a tree report."""
    tree = recipe.tree or {}
    unknown = set(tree) - KEYS
    if unknown:
        raise recipe.error(f"[tree] has unknown key(s) {sorted(unknown)}; allowed: {sorted(KEYS)}")
    id_col = table.find(tree.get("id", "id"))
    parent_col = table.find(tree["parent"]) if tree.get("parent") else None
    code_col = table.find(tree.get("code", "code"))
    label_col = table.find(tree.get("label", "name"))
    period_col = table.find(tree.get("period", "month"))
    pattern = re.compile(tree.get("period_pattern", r"^(?P<month>\d{1,2})\.(?P<year>\d{4})$"))
    total = re.compile(tree["total"]) if tree.get("total") else None
    measures = _measures(recipe, table, batch, factor)
    structural = [c for c in (id_col, parent_col, code_col, label_col, period_col) if c]
    _check_columns(
        tree, table, {c.index for c in structural + [m.column for m in measures]}, recipe
    )
    sections = report_sections.compile_sections(recipe.sections)
    spec = recipe.classifications[0] if recipe.classifications else {"key": "report"}
    record = batch.classifications.setdefault(
        spec["key"],
        ClassificationRecord(
            key=spec["key"],
            kind=spec.get("kind", "other"),
            label=spec.get("label", spec["key"]),
            level_names=list(spec.get("level_names", [])),
        ),
    )

    periods: dict[str, list[tuple[int, list[Any]]]] = defaultdict(list)
    for number, row in table.rows():
        batch.rows_read += 1
        if not any(text(v) for v in row):
            batch.skip("blank row")
            continue
        periods[text(cell(row, period_col))].append((number, row))

    context = _Context(recipe, table, batch, factor, measures, sections, record, total)
    for value, rows in periods.items():
        assert period_col is not None
        where = table.sheet.where(rows[0][0], period_col.index)
        year, month = _period(value, pattern, where)
        lines = [
            _line(number, row, id_col, parent_col, code_col, label_col, measures, table)
            for number, row in rows
        ]
        context.period(year, month, lines)
    _note_periods(batch, context.seen, bool(tree.get("cumulative", False)))
    for labels_spec in recipe.labels:
        node_labels.apply(recipe, labels_spec, batch)


def _line(
    number: int,
    row: list[Any],
    id_col: Column | None,
    parent_col: Column | None,
    code_col: Column | None,
    label_col: Column | None,
    measures: list[Measure],
    table: Table,
) -> Line:
    line_id = _ref(cell(row, id_col))
    if line_id is None:
        assert id_col is not None
        raise IngestError(
            "expected a line id, found nothing", table.sheet.where(number, id_col.index)
        )
    amounts: dict[str, Decimal | None] = {}
    for m in measures:
        raw = cell(row, m.column)
        try:
            amounts[m.key] = parse_amount(raw)
        except NotANumber:
            raise IngestError(
                f"expected an amount in column '{m.column.name}', found '{text(raw)}'",
                table.sheet.where(number, m.column.index),
            ) from None
    return Line(
        row=number,
        id=line_id,
        parent=_ref(cell(row, parent_col)) if parent_col else None,
        code=code_text(cell(row, code_col)),
        label=_label(cell(row, label_col)),
        amounts=amounts,
    )


class _Context:
    """What every period of one file shares."""

    def __init__(
        self,
        recipe: Recipe,
        table: Table,
        batch: Batch,
        factor: int,
        measures: list[Measure],
        sections: list[report_sections.Section],
        record: ClassificationRecord,
        total: re.Pattern[str] | None,
    ) -> None:
        tree = recipe.tree or {}
        self.table, self.batch, self.factor = table, batch, Decimal(factor)
        self.measures, self.sections, self.record, self.total = measures, sections, record, total
        self.tolerance = Decimal(str(tree.get("tolerance_per_child", 1))) * self.factor
        self.plans = set(tree.get("not_published_if_zero", []))
        self.reference = tree.get("published_reference")
        keys = {m.key for m in measures}
        if self.plans - keys or (self.reference and self.reference not in keys):
            raise recipe.error(
                "[tree] not_published_if_zero / published_reference name unknown measures"
            )
        self.seen: dict[int, set[int]] = defaultdict(set)

    def where(self, line: Line, col: int | None = None) -> Location:
        return self.table.sheet.where(line.row, col)

    def period(self, year: int, month: int, lines: list[Line]) -> None:
        """One period's report: link the tree, store the leaves, check the parents."""
        period = f"{year:04d}-{month:02d}"
        if month in self.seen[year]:
            raise IngestError(f"period {period} appears twice", self.where(lines[0]))
        self.seen[year].add(month)
        totals = [
            ln for ln in lines if self.total and ln.parent is None and self.total.search(ln.label)
        ]
        body = [ln for ln in lines if not any(ln is t for t in totals)]
        self._link(body)
        missing = self._not_published(body)
        if missing:
            self.batch.notes.setdefault("not_published", {})[period] = sorted(missing)
        for line in sorted(body, key=lambda ln: len(ln.chain())):  # parents first
            self._node(line)
        for line in body:
            labels = [a.label for a in line.chain()]
            meaning = report_sections.meaning(self.sections, labels)
            if line.children:
                self._check_parent(line, meaning, body, missing, period)
            else:
                self._store(line, meaning, year, period, missing)
        for line in totals:
            self.batch.skip("total row")
            tops = [ln for ln in body if ln.parent is None]
            for m in self.measures:
                if m.key in missing:
                    continue
                self._check("total", period, line, m, tops, [])

    def _link(self, lines: list[Line]) -> None:
        by_id: dict[str, Line] = {}
        for line in lines:
            if line.id in by_id:
                raise IngestError(
                    f"line id {line.id} appears twice in one period (also row "
                    f"{by_id[line.id].row})",
                    self.where(line),
                )
            by_id[line.id] = line
        for line in lines:
            if line.parent is None:
                continue
            parent = by_id.get(line.parent)
            if parent is None:
                raise IngestError(
                    f"parent line {line.parent} is not in the same period's report",
                    self.where(line),
                )
            line.up = parent
            parent.children.append(line)
        for line in lines:  # a cycle would never reach a top-level line
            depth, up = 0, line.up
            while up is not None:
                depth, up = depth + 1, up.up
                if depth > len(lines):
                    raise IngestError("the parent links form a cycle", self.where(line))

    def _not_published(self, lines: list[Line]) -> set[str]:
        """Plan measures zero on every line while execution is not: not published."""
        if not self.reference or not lines:
            return set()

        def all_zero(key: str) -> bool:
            return all(not ln.amounts.get(key) for ln in lines)

        if all_zero(self.reference):
            return set()
        return {key for key in self.plans if all_zero(key)}

    def _node(self, line: Line) -> None:
        """The line's node: keyed by the path, since one code recurs at several levels."""
        parent = line.up.node if line.up else None
        part = line.code if line.code else f"~{line.label}"
        key = part if parent is None else f"{parent}\x1f{part}"
        found = self.record.nodes.get(key)
        if found is not None and found.label != line.label:
            # The same code under the same parent with another name (a renamed or
            # re-used code): a node of its own, so every label stays as published.
            key = f"{key}~{line.label}"
            found = self.record.nodes.get(key)
        if found is None:
            level = len(line.chain())
            self.record.nodes[key] = NodeRecord(key, line.code, line.label, parent, level)
        line.node = key

    def _store(
        self,
        line: Line,
        meaning: report_sections.Meaning,
        year: int,
        period: str,
        missing: set[str],
    ) -> None:
        record = LineRecord(self.where(line), {self.record.key: line.node})
        for m in self.measures:
            value = line.amounts[m.key]
            if value is None:
                continue
            if m.key in missing:
                self.batch.skip(NOT_PUBLISHED)
                continue
            record.facts.append(
                FactRecord(
                    measure=m.key,
                    year=year,
                    phase=m.phase,
                    direction=meaning.direction,
                    amount=value * self.factor,
                    col=m.column.index,
                    period=period,
                    phase_label=m.phase_label,
                    role=meaning.role,
                )
            )
        if record.facts:
            self.batch.lines.append(record)
        else:
            self.batch.skip("no amounts")

    def _check_parent(
        self,
        line: Line,
        meaning: report_sections.Meaning,
        lines: list[Line],
        missing: set[str],
        period: str,
    ) -> None:
        self.batch.skip("parent line (checked, not stored)")
        # A net line (net lending, financing) is its outflows minus its inflows: a child
        # of the other direction counts negative.
        signed = []
        for child in line.children:
            child_meaning = report_sections.meaning(self.sections, [a.label for a in child.chain()])
            signed.append((child, 1 if child_meaning.direction == meaning.direction else -1))
        extra = [
            (ln, 1)
            for ln in lines
            if ln.parent is None
            and ln is not line
            and any(p.search(ln.label) for p in meaning.adds)
        ]
        for m in self.measures:
            if m.key in missing or m.key in meaning.unchecked:
                continue
            self._check("children sum", period, line, m, [], signed + extra)

    def _check(
        self,
        check: str,
        period: str,
        line: Line,
        m: Measure,
        plain: list[Line],
        signed: list[tuple[Line, int]],
    ) -> None:
        published = line.amounts[m.key]
        if published is None:
            return
        parts = [(ln, 1) for ln in plain] + signed
        computed = sum((sign * (ln.amounts[m.key] or Decimal(0)) for ln, sign in parts), Decimal(0))
        path = " / ".join(a.label or a.code or "?" for a in line.chain())
        self.batch.checks.append(
            CheckRecord(
                check=check,
                subject=f"{period} {path} [{m.key}]",
                where=self.where(line, m.column.index),
                published=published * self.factor,
                computed=computed * self.factor,
                tolerance=self.tolerance * len(parts),
            )
        )


def _note_periods(batch: Batch, seen: dict[int, set[int]], cumulative: bool) -> None:
    """Per year, the last month published and whether the year is complete (December)."""
    notes = batch.notes.setdefault(
        "periods", {"kind": "year_to_date" if cumulative else "period", "years": {}}
    )
    for year, months in sorted(seen.items()):
        entry = notes["years"].setdefault(str(year), {"months": []})
        entry["months"] = sorted(set(entry["months"]) | months)
        last = max(entry["months"])
        entry["last"] = f"{year:04d}-{last:02d}"
        entry["complete"] = last == 12
