"""Datasets and their versions: listing, lookup and metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    Classification,
    Dataset,
    DatasetVersion,
    Fact,
    Measure,
    Payment,
    Reconciliation,
    SourceFile,
)
from portal.models.facts import PHASES
from portal.queries.errors import BadRequest, NotFound


@dataclass(frozen=True)
class Selected:
    """A dataset and the version a request reads (the current one unless asked)."""

    dataset: Dataset
    version: DatasetVersion

    @property
    def is_current(self) -> bool:
        return self.dataset.current_version_id == self.version.id


def select_version(session: Session, dataset_id: str, version: str | int | None = None) -> Selected:
    """The dataset and its current version, or the numbered version asked for."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.current_version_id is None:
        raise NotFound(f"no dataset '{dataset_id}'")
    if version in (None, "", "current"):
        chosen = session.get(DatasetVersion, dataset.current_version_id)
    else:
        try:
            number = int(str(version))
        except ValueError:
            raise BadRequest(
                f"version must be a version number or 'current', not '{version}'"
            ) from None
        chosen = session.scalar(
            select(DatasetVersion).where(
                DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
            )
        )
        if chosen is None:
            numbers = [v.number for v in dataset.versions]
            raise NotFound(f"dataset '{dataset_id}' has no version {number}; it has {numbers}")
    assert chosen is not None
    return Selected(dataset, chosen)


def version_summary(session: Session, version_id: int) -> dict[str, Any]:
    """Phases, directions, periods, measures and payments of a version.

    Computed once when the version is stored (see ingest/load.py) and read from its report;
    computed here only for versions stored before that.
    """
    version = session.get(DatasetVersion, version_id)
    if version is not None and "summary" in (version.report or {}):
        return dict(version.report["summary"])
    return compute_summary(session, version_id)


def compute_summary(session: Session, version_id: int) -> dict[str, Any]:
    """Phases, directions, periods, measures and payments read from the stored rows."""
    combos = session.execute(
        select(Fact.phase, Fact.direction, Fact.period)
        .where(Fact.version_id == version_id)
        .distinct()
    ).all()
    phases = sorted({c.phase for c in combos}, key=PHASES.index)
    directions = sorted({c.direction for c in combos})
    periods = sorted({c.period for c in combos if c.period})
    measures = session.scalars(
        select(Measure).where(Measure.version_id == version_id).order_by(Measure.id)
    ).all()
    payments = session.scalar(
        select(func.count(Payment.id)).where(Payment.version_id == version_id)
    )
    return {
        "phases": phases,
        "directions": directions,
        "periods": periods,
        "measures": [
            {
                "key": m.key,
                "label": m.label,
                "unit": m.unit,
                "currency": m.currency,
                "factor": m.factor,
            }
            for m in measures
        ],
        "payments": int(payments or 0),
    }


def describe(session: Session, selected: Selected) -> dict[str, Any]:
    """The metadata every listing shows for a dataset."""
    dataset, version = selected.dataset, selected.version
    return {
        "id": dataset.id,
        "title": dataset.title,
        "publisher": dataset.publisher,
        "country": dataset.country,
        "level": dataset.level,
        "kind": dataset.kind,
        "currency": dataset.currency,
        "license": dataset.license,
        "source_url": dataset.source_url,
        "description": dataset.description,
        "version": version.number,
        "current_version": _current_number(dataset),
        "ingested_at": version.ingested_at.isoformat(),
        "years": list(version.fiscal_years),
        **version_summary(session, version.id),
    }


def _current_number(dataset: Dataset) -> int | None:
    current = dataset.current_version
    return current.number if current else None


def list_datasets(
    session: Session, country: str | None = None, kind: str | None = None, year: int | None = None
) -> list[dict[str, Any]]:
    """Every dataset with a current version, by title; filters narrow the list."""
    stmt = select(Dataset).where(Dataset.current_version_id.is_not(None)).order_by(Dataset.title)
    if country:
        stmt = stmt.where(Dataset.country == country.upper())
    if kind:
        stmt = stmt.where(Dataset.kind == kind)
    result = []
    for dataset in session.scalars(stmt):
        assert dataset.current_version is not None
        item = describe(session, Selected(dataset, dataset.current_version))
        if year is None or year in item["years"]:
            result.append(item)
    return result


def detail(session: Session, selected: Selected) -> dict[str, Any]:
    """Metadata, classifications with their levels, provenance and reconciliation results."""
    version = selected.version
    classes = session.scalars(
        select(Classification)
        .where(Classification.version_id == version.id)
        .order_by(Classification.id)
    ).all()
    files = session.scalars(
        select(SourceFile).where(SourceFile.version_id == version.id).order_by(SourceFile.id)
    ).all()
    checks = session.scalars(
        select(Reconciliation)
        .where(Reconciliation.version_id == version.id)
        .order_by(Reconciliation.id)
    ).all()
    failed = [c for c in checks if not c.passed]
    return {
        **describe(session, selected),
        "versions": [
            {"number": v.number, "ingested_at": v.ingested_at.isoformat()}
            for v in selected.dataset.versions
        ],
        "classifications": [
            {"key": c.key, "kind": c.kind, "label": c.label, "levels": list(c.level_names)}
            for c in classes
        ],
        "source_files": [
            {"name": f.name, "sha256": f.sha256, "size": f.size, "url": f.url} for f in files
        ],
        "report": version.report,
        "reconciliation": {
            "checks": len(checks),
            "passed": len(checks) - len(failed),
            "failed": len(failed),
            # Every failure, and a sample of passes: a dataset can hold thousands of checks.
            "results": [_check(c) for c in failed] + [_check(c) for c in checks if c.passed][:50],
        },
    }


def _check(check: Reconciliation) -> dict[str, Any]:
    return {
        "check": check.check,
        "subject": check.subject,
        "location": check.location,
        "published": check.published,
        "computed": check.computed,
        "difference": check.computed - check.published,
        "tolerance": check.tolerance,
        "passed": check.passed,
    }
