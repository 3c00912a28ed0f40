"""The ingest pipeline: read, locate the table, map rows, check, then store atomically."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from sqlalchemy import Engine

from ingest import load, readers
from ingest import progress as ingest_progress
from ingest.batch import Batch
from ingest.errors import IngestError, Location
from ingest.recipes import Recipe
from ingest.report import Report
from ingest.steps import (
    code_hierarchy,
    layout,
    parent_tree,
    payments,
    quotes,
    record_type,
    rows,
    table,
    text_period,
    units,
    versions,
)
from ingest.steps.limits import check_storable


def resolve(path: Path) -> Path:
    """The file as named, or under its other Unicode normal form (NFC / NFD file systems)."""
    if path.exists():
        return path
    for form in ("NFC", "NFD"):
        candidate = Path(unicodedata.normalize(form, str(path)))
        if candidate.exists():
            return candidate
    raise IngestError("file not found", Location(str(path)))


def header_words(recipe: Recipe) -> list[str]:
    """The words that identify the header: declared, or every column the recipe names."""
    declared = recipe.source.get("header")
    if declared:
        return list(declared)
    words = [m.get("column") for m in recipe.measures if "column" in m]
    for spec in recipe.classifications:
        for level in spec.get("levels", []):
            words += [level.get("code"), level.get("label")]
    words += [v for k, v in (recipe.payments or {}).items() if k != "extra"]
    return [w for w in words if w]


def budget_year(recipe: Recipe, path: Path) -> int | None:
    pattern = recipe.source.get("budget_year_from_filename")
    if not pattern:
        return None
    match = re.search(pattern, path.name)
    if not match:
        raise IngestError(
            f"the file name does not match {pattern!r}, which gives the budget year",
            Location(path.name),
        )
    return int(match[1])


def factor(recipe: Recipe, found: table.Table) -> int:
    declared = recipe.source.get("unit")
    if isinstance(declared, int):
        return declared
    detected = units.detect_factor(found.preamble + [c.name for c in found.columns])
    if detected is None:
        if declared == "detect":
            raise IngestError(
                "no unit (e.g. 'thousands of', 'тыс. тенге', 'באלפי') written above or in the "
                "header; declare `unit` in the recipe",
                found.sheet.where(),
            )
        return 1
    return detected[0]


def build(recipe: Recipe, paths: list[Path]) -> Batch:
    """Read every file of the dataset into one batch (no database)."""
    batch = Batch()
    for path in paths:
        sheet = readers.read(
            path, sheet=recipe.source.get("sheet"), encoding=recipe.source.get("encoding")
        )
        if recipe.source.get("quotes_doubled"):
            quotes.undouble(sheet)  # quotes escaped once more than CSV needs
        found = table.locate(sheet, header_words(recipe), recipe.source.get("header_rows"))
        if recipe.payments is not None:
            payments.map_payments(recipe, found, batch)
        elif recipe.tree is not None:
            # A report whose lines form a tree by parent links, one snapshot per period.
            parent_tree.map_report(recipe, found, batch, factor(recipe, found))
        else:
            start = len(batch.lines)
            # Period from the title block, versions by publication date, parent rows skipped.
            here = text_period.resolve(recipe, found)
            here = record_type.prepare(versions.prepare(here, found), found)
            unit, edition = factor(here, found), budget_year(here, path)
            # Unnamed label column, group headers and total rows set aside before mapping.
            laid = layout.prepare(here, found, batch)
            rows.map_rows(here, laid.table, batch, unit, edition)
            layout.finish(laid, here, batch, start)
            versions.apply(here, found, batch.lines[start:])
            record_type.finish(here, found, batch, batch.lines[start:], unit, edition)
            # Classifications told by code length: subtotal rows become checks, not items.
            code_hierarchy.apply(recipe, found, batch, start)
    check_storable(batch)  # a cell or a unit factor can make an amount too large to store
    if not batch.lines and not batch.payments:
        raise IngestError(
            "no line items or payments found under the header", Location(paths[0].name)
        )
    return batch


def ingest(
    engine: Engine,
    recipe: Recipe,
    files: list[Path] | None = None,
    region: str | None = None,
    progress: bool = False,
) -> Report:
    """Ingest one dataset; a new current version only if its inputs changed."""
    started = time.perf_counter()
    paths = [resolve(p) for p in (files or recipe.files())]
    if not paths:
        raise recipe.error("the recipe names no files under [source] files")
    # A regional recipe names its dataset after the region (given, or from the file name).
    meta = recipe.meta_for(paths, region)
    hashes = [load.sha256_file(p) for p in paths]
    fingerprint = load.fingerprint(recipe, hashes, meta)
    current = load.current_version(engine, meta["id"])
    if current is not None and current[0] == fingerprint:
        return Report(
            meta["id"],
            "unchanged",
            current[1],
            0,
            0,
            0,
            0,
            {},
            0,
            0,
            time.perf_counter() - started,
        )
    with ingest_progress.shown(progress):
        batch = build(recipe, paths)
    failed = sum(not c.passed for c in batch.checks)
    report = Report(
        dataset=meta["id"],
        status="new version",
        version=0,
        rows_read=batch.rows_read,
        line_items=len(batch.lines),
        facts=batch.fact_count,
        payments=len(batch.payments),
        skipped=batch.skipped,
        checks_passed=len(batch.checks) - failed,
        checks_failed=failed,
        seconds=0.0,
        problems=batch.problems,
        notes=batch.notes,
    )
    report.version = load.store(engine, meta, paths, hashes, fingerprint, batch, report.as_dict())
    report.seconds = time.perf_counter() - started
    return report
