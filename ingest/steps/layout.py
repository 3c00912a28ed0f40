"""What surrounds the line items in a published table, handled around `rows.map_rows`.

Before mapping: name an unnamed label column (`[source] label_column`), read group-header
rows (`[source.groups]`) and set aside total rows (`[[check]]` entries with `sums`), so that
map_rows sees only rows that may be line items. After mapping: reconcile each published
total with the stored rows it sums, and take measure labels from the sheet's title when a
measure says `label_from = "title"`. A recipe that asks for none of this is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.batch import Batch
from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps import group_rows, totals
from ingest.steps.label_column import name_label_column
from ingest.steps.table import Table
from ingest.steps.units import detect_factor


@dataclass
class Prepared:
    table: Table  # what map_rows reads
    split: group_rows.Split | None = None
    amounts: list[totals.AmountRef] = field(default_factory=list)


def prepare(recipe: Recipe, table: Table, batch: Batch) -> Prepared:
    """The table as map_rows should see it."""
    name = recipe.source.get("label_column")
    if name:
        table = name_label_column(table, name)
    groups = recipe.source.get("groups") or {}
    checks = totals.specs(recipe, table)
    if not checks and not groups:
        return Prepared(table)
    label_ref = groups.get("label") or name
    label_column = table.find(label_ref) if label_ref else None
    amounts = totals.amount_refs(recipe, table)
    split = group_rows.split(recipe, table, batch, checks, amounts, label_column)
    return Prepared(split.view, split, amounts)


def finish(prepared: Prepared, recipe: Recipe, batch: Batch, start: int) -> None:
    """Checks of the published totals against the lines stored since `start`; titles."""
    if prepared.split is not None:
        mark = recipe.source.get("decimal")
        totals.reconcile(
            prepared.table,
            prepared.split.totals,
            prepared.amounts,
            prepared.split.members,
            batch.lines[start:],
            batch,
            mark if isinstance(mark, str) else None,
        )
    for spec in recipe.measures:
        if spec.get("label_from") == "title" and spec["key"] in batch.measures:
            batch.measures[spec["key"]].label = title(prepared.table)


def title(table: Table) -> str:
    """The sheet's title: the first text above the header that does not state a unit."""
    for line in table.preamble:
        if detect_factor([line]) is None:
            return line
    raise IngestError(
        "a measure takes its label from the title, but there is no title above the header",
        table.sheet.where(table.header_top + 1),
    )
