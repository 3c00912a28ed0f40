"""A label column the publisher left without a header (region or class names under a blank).

Statistical tables and print layouts often leave the top-left header cell empty above the
row labels. `[source] label_column = "Region"` gives that column a name the recipe can use
in its classifications, rules and checks. The column is found by content: the left-most
column with no header text whose cells under the header hold text that is not an amount.
"""

from __future__ import annotations

import dataclasses

from ingest.errors import IngestError
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount


def _holds_labels(table: Table, index: int) -> bool:
    for _, row in table.rows():
        value = row[index - 1] if index - 1 < len(row) else None
        if not text(value):
            continue
        try:
            parse_amount(value)
        except NotANumber:
            return True
    return False


def name_label_column(table: Table, name: str) -> Table:
    """A copy of the table whose unnamed label column is called `name`."""
    if table.find(name, required=False) is not None:
        return table  # the publisher named it after all
    width = max([len(r) for _, r in table.rows()] + [len(table.columns)])
    columns = list(table.columns) + [
        Column(i, []) for i in range(len(table.columns) + 1, width + 1)
    ]
    for position, column in enumerate(columns):
        if not column.parts and _holds_labels(table, column.index):
            named = Column(column.index, [name])
            columns = columns[:position] + [named] + columns[position + 1 :]
            return dataclasses.replace(table, columns=columns)
    raise IngestError(
        f"no column without a header holds labels to call '{name}'; "
        "name the label column in the recipe's classification instead",
        table.sheet.where(table.data_start),
    )
