"""Fiscal Data Package export: a descriptor with a model, and its CSV streamed in chunks.

The CSV has one row per line item x year x period and one amount column per series
(measure x phase x direction x role), so every FDP measure has exactly one currency, factor,
direction and phase. Amounts are in base units, hence factor 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Classification, Fact, LineItem, Measure
from portal.queries.datasets import Selected
from portal.queries.facts import classification_paths

CHUNK = 2000
FDP_DIRECTION = {"expenditure": "expenditure", "revenue": "revenue"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")


def series(session: Session, version_id: int) -> list[dict[str, Any]]:
    """Each distinct (measure, phase, direction, role): one amount column of the CSV."""
    rows = session.execute(
        select(
            Measure.key,
            Measure.label,
            Measure.unit,
            Measure.currency,
            Fact.phase,
            Fact.direction,
            Fact.role,
        )
        .join(Measure, Measure.id == Fact.measure_id)
        .where(Fact.version_id == version_id)
        .distinct()
        .order_by(Measure.key, Fact.phase, Fact.direction, Fact.role)
    ).all()
    result = []
    for key, label, unit, currency, phase, direction, role in rows:
        name = f"{key}__{phase}__{direction}" + ("" if role == "flow" else f"__{role}")
        result.append(
            {
                "column": _slug(name),
                "measure": key,
                "label": label,
                "unit": unit,
                "currency": currency,
                "phase": phase,
                "direction": direction,
                "role": role,
            }
        )
    return result


def levels(session: Session, version_id: int) -> list[tuple[str, str, int, str]]:
    """(classification key, kind, level, level name) for every level of every tree."""
    result = []
    for c in session.scalars(
        select(Classification)
        .where(Classification.version_id == version_id)
        .order_by(Classification.id)
    ):
        names = list(c.level_names) or [c.label]
        for level, name in enumerate(names, start=1):
            result.append((c.key, c.kind, level, name))
    return result


def descriptor(session: Session, selected: Selected) -> dict[str, Any]:
    """The datapackage.json of a dataset version."""
    dataset, version = selected.dataset, selected.version
    columns = series(session, version.id)
    tree = levels(session, version.id)
    fields: list[dict[str, Any]] = [
        {"name": "line_item", "type": "integer", "columnType": "line-item-id"},
        {"name": "year", "type": "integer", "columnType": "date:fiscal-year"},
        {"name": "period", "type": "string", "columnType": "date:fiscal-period"},
        {"name": "source_row", "type": "integer", "columnType": "provenance:row"},
    ]
    dimensions: dict[str, Any] = {
        "date": {
            "dimensionType": "datetime",
            "primaryKey": ["year", "period"],
            "attributes": {"year": {"source": "year"}, "period": {"source": "period"}},
        }
    }
    for key, kind, level, name in tree:
        code, label = f"{key}_{level}_code", f"{key}_{level}_label"
        column_type = f"{kind}-classification:generic:level{level}"
        fields += [
            {
                "name": code,
                "type": "string",
                "columnType": f"{column_type}:code:part",
                "title": name,
            },
            {"name": label, "type": "string", "columnType": f"{column_type}:label", "title": name},
        ]
        attributes: dict[str, Any] = {
            "code": {"source": code},
            "label": {"source": label, "labelfor": "code"},
        }
        if level > 1:
            attributes["parent"] = {
                "source": f"{key}_{level - 1}_code",
                "parent": f"{key}_{level - 1}",
            }
        dimensions[f"{key}_{level}"] = {
            "dimensionType": "classification",
            "classificationType": kind,
            "primaryKey": ["code"],
            "attributes": attributes,
            "title": name,
        }
    measures = {}
    for s in columns:
        fields.append(
            {
                "name": s["column"],
                "type": "number",
                "columnType": "value",
                "decimalChar": ".",
                "title": s["label"],
            }
        )
        measures[s["column"]] = {
            "source": s["column"],
            "title": f"{s['label']} ({s['phase']}, {s['direction']})",
            "currency": s["currency"] if s["unit"] == "money" else None,
            "unit": s["unit"],
            "factor": 1,
            "direction": FDP_DIRECTION.get(s["direction"], s["direction"]),
            "phase": s["phase"],
        }
    return {
        "name": dataset.id,
        "title": dataset.title,
        "description": dataset.description,
        "version": str(version.number),
        "homepage": dataset.source_url,
        "license": dataset.license,
        "publisher": dataset.publisher,
        "countryCode": dataset.country,
        "fiscalPeriod": _fiscal_period(list(version.fiscal_years)),
        "profile": "fiscal-data-package",
        "resources": [
            {
                "name": _slug(dataset.id),
                "path": url_for(
                    "api.dataset_datapackage_csv",
                    dataset_id=dataset.id,
                    version=version.number,
                    _external=True,
                ),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["line_item", "year", "period"]},
            }
        ],
        "model": {"measures": measures, "dimensions": dimensions},
    }


def _fiscal_period(years: list[int]) -> dict[str, str]:
    if not years:
        return {}
    return {"start": f"{min(years)}-01-01", "end": f"{max(years)}-12-31"}


def rows(session: Session, selected: Selected) -> Iterator[dict[str, Any]]:
    """The CSV rows, read line item by line item in chunks (constant memory)."""
    version_id = selected.version.id
    columns = {
        (s["measure"], s["phase"], s["direction"], s["role"]): s["column"]
        for s in series(session, version_id)
    }
    tree = levels(session, version_id)
    after = 0
    while True:
        lines = session.execute(
            select(LineItem.id, LineItem.row)
            .where(LineItem.version_id == version_id, LineItem.id > after)
            .order_by(LineItem.id)
            .limit(CHUNK)
        ).all()
        if not lines:
            return
        after = lines[-1][0]
        ids = [line_id for line_id, _ in lines]
        paths = classification_paths(session, set(ids))
        facts = session.execute(
            select(
                Fact.line_item_id,
                Fact.year,
                Fact.period,
                Measure.key,
                Fact.phase,
                Fact.direction,
                Fact.role,
                Fact.amount,
            )
            .join(Measure, Measure.id == Fact.measure_id)
            .where(Fact.line_item_id.in_(ids))
            .order_by(Fact.line_item_id, Fact.year, Fact.period)
        ).all()
        source_rows = dict(lines)
        grouped: dict[tuple[int, int, str], dict[str, Any]] = {}
        for line_id, year, period, measure, phase, direction, role, amount in facts:
            row = grouped.get((line_id, year, period))
            if row is None:
                row = {
                    "line_item": line_id,
                    "year": year,
                    "period": period,
                    "source_row": source_rows[line_id],
                }
                for key, _kind, level, _name in tree:
                    path = paths.get(line_id, {}).get(key, [])
                    node = path[level - 1] if level - 1 < len(path) else {}
                    row[f"{key}_{level}_code"] = node.get("code")
                    row[f"{key}_{level}_label"] = node.get("label")
                for column in columns.values():
                    row[column] = None
                grouped[(line_id, year, period)] = row
            column = columns[(measure, phase, direction, role)]
            row[column] = amount if row[column] is None else row[column] + amount
        yield from grouped.values()
