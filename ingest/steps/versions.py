"""Several publications of one budget in one table, told apart by a publication-date column.

`[source] versions_from = "<column>"`: each row's date decides its fiscal year (the date's
year) and its phase, by content: the earliest publication for a year is the adopted budget
(approved), any later one for the same year an amended budget (adjusted, e.g. a rebalance).
The phase label keeps the publication date, so two amendments of one year stay apart.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from ingest.batch import LineRecord
from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps.payments import parse_date
from ingest.steps.rows import cell
from ingest.steps.table import Column, Table, text


@dataclasses.dataclass(frozen=True)
class Version:
    year: int
    phase: str
    published: date


def _dates(table: Table, column: Column) -> dict[int, date]:
    """Row number -> publication date, for every row under the header that has one."""
    found: dict[int, date] = {}
    for number, row in table.rows():
        raw = cell(row, column)
        if not text(raw):
            continue
        try:
            day = parse_date(raw)
        except ValueError:
            raise IngestError(
                f"expected a publication date in column '{column.name}', found '{text(raw)}'",
                table.sheet.where(number, column.index),
            ) from None
        if day is not None:
            found[number] = day
    return found


def versions(dates: list[date]) -> dict[date, Version]:
    """Each publication date's version: the first of its year approved, later ones adjusted."""
    result: dict[date, Version] = {}
    seen_years: set[int] = set()
    for day in sorted(set(dates)):
        phase = "adjusted" if day.year in seen_years else "approved"
        seen_years.add(day.year)
        result[day] = Version(day.year, phase, day)
    return result


def prepare(recipe: Recipe, table: Table) -> Recipe:
    """The recipe with a year on each measure, so rows can be mapped before `apply`."""
    ref = recipe.source.get("versions_from")
    if not ref:
        return recipe
    column = table.find(ref)
    assert column is not None
    dates = _dates(table, column)
    if not dates:
        raise IngestError(
            f"no publication dates in column '{column.name}'", table.sheet.where(table.data_start)
        )
    first = min(dates.values()).year
    measures = [{**spec, "year": spec.get("year", first)} for spec in recipe.measures]
    return dataclasses.replace(recipe, measures=measures)


def apply(recipe: Recipe, table: Table, lines: list[LineRecord]) -> None:
    """Set each fact's year, phase and phase label from its row's publication date."""
    ref = recipe.source.get("versions_from")
    if not ref:
        return
    column = table.find(ref)
    assert column is not None
    dates = _dates(table, column)
    known = versions(list(dates.values()))
    for line in lines:
        number = line.where.row or 0
        day = dates.get(number)
        if day is None:
            raise IngestError(
                f"a row with amounts but no publication date in column '{column.name}'",
                table.sheet.where(number, column.index),
            )
        version = known[day]
        for fact in line.facts:
            fact.year = version.year
            fact.phase = version.phase
            fact.phase_label = f"{fact.phase_label} {day.isoformat()}".strip()
