"""The ingest pipeline: read, locate the table, map rows, check, then store atomically."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from sqlalchemy import Engine

from ingest import load, readers
from ingest.batch import Batch
from ingest.errors import IngestError, Location
from ingest.recipes import Recipe
from ingest.report import Report
from ingest.steps import payments, rows, table, units


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
        found = table.locate(sheet, header_words(recipe), recipe.source.get("header_rows"))
        if recipe.payments is not None:
            payments.map_payments(recipe, found, batch)
        else:
            rows.map_rows(recipe, found, batch, factor(recipe, found), budget_year(recipe, path))
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
    meta = dict(recipe.dataset)
    hashes = [load.sha256_file(p) for p in paths]
    fingerprint = load.fingerprint(recipe, hashes, meta)
    if load.current_fingerprint(engine, meta["id"]) == fingerprint:
        return Report(
            meta["id"], "unchanged", 0, 0, 0, 0, 0, {}, 0, 0, time.perf_counter() - started
        )
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
    )
    report.version = load.store(engine, meta, paths, hashes, fingerprint, batch, report.as_dict())
    report.seconds = time.perf_counter() - started
    return report
