"""The year of a report's edition, read from the text above its header by a recipe pattern.

Reports printed once a year (e.g. "לשנת 1998 מינואר עד דצמבר") name the year only in the
title block; `[source] year_from_text` is a regular expression whose one group is the year,
so every edition of the report is read with the same recipe.
"""

from __future__ import annotations

import re

from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps.table import Table


def edition_year(recipe: Recipe, table: Table) -> int:
    """The year the `year_from_text` pattern finds above the header (or in the header)."""
    pattern = recipe.source.get("year_from_text")
    if not pattern:
        raise recipe.error('a measure has year = "text" but [source] has no `year_from_text`')
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise recipe.error(f"`year_from_text` is not a valid pattern ({error})") from None
    if compiled.groups != 1:
        raise recipe.error("`year_from_text` needs exactly one group: the year")
    for line in table.preamble + [c.name for c in table.columns]:
        match = compiled.search(line)
        if match:
            found = match[1]
            if not found.isdigit() or len(found) != 4:
                raise IngestError(
                    f"`year_from_text` matched '{match[0]}', whose group '{found}' is not a year",
                    table.sheet.where(),
                )
            return int(found)
    shown = " | ".join(table.preamble[:12]) or "(nothing)"
    raise IngestError(
        f"no text above the header matches `year_from_text` {pattern!r}; the text there: {shown}",
        table.sheet.where(),
    )
