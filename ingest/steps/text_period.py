"""The period of a report's edition, read from the text above its header by a recipe pattern.

Quarterly reports name the quarter only in the title block (`PERIODO: Primer Trimestre 2016`).
`[source] period_from_text = { pattern = "...", map = { Primer = "Q1", ... } }`: the pattern's
one group is the period as written, the map turns it into the period stored (case-insensitive).
Measures with `period = "text"` take it, so every quarter's edition reads with one recipe.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps.table import Table


def edition_period(recipe: Recipe, table: Table) -> str:
    """The period the `period_from_text` pattern finds above the header, mapped."""
    spec: Any = recipe.source.get("period_from_text")
    if not isinstance(spec, dict) or "pattern" not in spec:
        raise recipe.error(
            'a measure has period = "text" but [source] has no `period_from_text` '
            "table with a `pattern`"
        )
    try:
        compiled = re.compile(spec["pattern"], re.IGNORECASE)
    except re.error as error:
        raise recipe.error(f"`period_from_text` is not a valid pattern ({error})") from None
    if compiled.groups != 1:
        raise recipe.error("`period_from_text` needs exactly one group: the period")
    mapping = {str(k).casefold(): str(v) for k, v in (spec.get("map") or {}).items()}
    for line in table.preamble:
        match = compiled.search(line)
        if not match:
            continue
        found = " ".join(match[1].split())
        if not mapping:
            return found
        if found.casefold() in mapping:
            return mapping[found.casefold()]
        raise IngestError(
            f"the period '{found}' above the header is not in the recipe's period map "
            f"({', '.join(spec['map'])})",
            table.sheet.where(),
        )
    shown = " | ".join(table.preamble[:12]) or "(nothing)"
    raise IngestError(
        f"no text above the header matches `period_from_text` {spec['pattern']!r}; "
        f"the text there: {shown}",
        table.sheet.where(),
    )


def resolve(recipe: Recipe, table: Table) -> Recipe:
    """The recipe with the edition's period in every measure that has `period = "text"`."""
    if not any(spec.get("period") == "text" for spec in recipe.measures):
        return recipe
    period = edition_period(recipe, table)
    measures = [
        {**spec, "period": period} if spec.get("period") == "text" else spec
        for spec in recipe.measures
    ]
    return dataclasses.replace(recipe, measures=measures)
