"""A tiny multi-script dataset written by the tests: labels in Russian, Kazakh, Hebrew and
Spanish, a label with a comma, quotes and a newline, and one that looks like a formula."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

ROWS = [
    # region code, region, district code, district, year, phase, direction, amount
    ("01", "г. Алматы", "0101", "Медеуский район", 2023, "approved", "expenditure", "1000.10"),
    ("01", "г. Алматы", "0101", "Медеуский район", 2023, "executed", "expenditure", "900.05"),
    ("01", "г. Алматы", "0102", "Алатауский район", 2023, "executed", "expenditure", "250.00"),
    (
        "02",
        "Акмолинская область",
        "0201",
        "Ақкөл ауданы",
        2023,
        "executed",
        "expenditure",
        "-30.50",
    ),
    (
        "02",
        "Акмолинская область",
        "0202",
        'Жетісу, "new"\nline',
        2024,
        "executed",
        "expenditure",
        "77.77",
    ),
    ("03", "EDUCACIÓN", "0301", "מַס הַכְנָסָה", 2023, "executed", "revenue", "5000.00"),
    ("03", "EDUCACIÓN", "0302", '=HYPERLINK("http://x")', 2023, "executed", "expenditure", "12.34"),
]

RECIPE = """
[dataset]
id = "tiny"
title = "Tiny test budget"
publisher = "Test publisher"
country = "KZ"
level = "national"
kind = "budget"
currency = "KZT"

[source]
files = ["tiny.csv"]
unit = 1

[[classification]]
key = "administrative"
kind = "administrative"
label = "Region and district"
levels = [
  { name = "Region", code = "Region code", label = "Region" },
  { name = "District", code = "District code", label = "District" },
]
"""

PHASE_COLUMNS = {"approved": "Approved", "executed": "Executed"}


def write(folder: Path) -> Path:
    """The CSV (one amount column per phase and direction) and its recipe; the recipe path."""
    columns = ["Region code", "Region", "District code", "District", "Year"]
    measures = sorted({(p, d) for *_, p, d, _ in ROWS})
    names = {(p, d): f"{PHASE_COLUMNS[p]} {d}" for p, d in measures}
    with (folder / "tiny.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + [names[m] for m in measures])
        for rc, r, dc, d, year, phase, direction, amount in ROWS:
            cells = ["" for _ in measures]
            cells[measures.index((phase, direction))] = amount
            writer.writerow([rc, r, dc, d, year, *cells])
    recipe = RECIPE + "".join(
        f'\n[[measure]]\nkey = "amount"\nlabel = "Amount"\ncolumn = "{names[(p, d)]}"\n'
        f'year = {{ column = "Year" }}\nphase = "{p}"\ndirection = "{d}"\n'
        for p, d in measures
    )
    path = folder / "tiny.toml"
    path.write_text(recipe, encoding="utf-8")
    return path


def expected_total(**where: object) -> Decimal:
    """Sum of the rows matching `where` (region, year, phase, direction), from ROWS."""
    keys = ("region_code", "region", "district_code", "district", "year", "phase", "direction")
    total = Decimal(0)
    for row in ROWS:
        record = dict(zip(keys, row[:7], strict=True))
        if all(record[k] == v for k, v in where.items()):
            total += Decimal(row[7])
    return total
