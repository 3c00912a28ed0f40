"""Line items and payments one by one: detail with provenance, the largest under a selection,
and each dataset's headline figure."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.config import DATASETS_DIR
from portal.models import Fact, LineItem, Measure, Payment, SourceFile
from portal.models.facts import PHASES
from portal.queries import explore
from portal.queries.aggregate import Context, aggregate, fact_filter
from portal.queries.datasets import Selected
from portal.queries.errors import NotFound
from portal.queries.facts import classification_paths
from portal.queries.memo import memo
from portal.queries.params import Cut
from portal.queries.suppliers import payment_row

RAW_DIR = DATASETS_DIR / "raw"


def line_item(session: Session, selected: Selected, line_id: int) -> dict[str, Any]:
    """A line item's path in each classification, every amount it has, and its source cell."""
    line = session.get(LineItem, line_id)
    if line is None or line.version_id != selected.version.id:
        raise NotFound(f"no line item {line_id} in this version of the dataset")
    source = session.get(SourceFile, line.source_file_id)
    assert source is not None
    rows = session.execute(
        select(Fact, Measure)
        .join(Measure, Measure.id == Fact.measure_id)
        .where(Fact.line_item_id == line_id)
        .order_by(Fact.year, Fact.period, Measure.id, Fact.direction, Fact.role, Fact.col)
    ).all()
    facts = [
        {
            "year": f.year,
            "period": f.period,
            "phase": f.phase,
            "phase_label": f.phase_label,
            "is_estimate": f.is_estimate,
            "direction": f.direction,
            "role": f.role,
            "measure": m.key,
            "measure_label": m.label,
            "unit": m.unit,
            "currency": m.currency,
            "amount": f.amount,
            "column": f.col,
        }
        for f, m in rows
    ]
    facts.sort(key=lambda f: (f["year"], f["period"], PHASES.index(f["phase"])))
    return {
        "id": line.id,
        "paths": classification_paths(session, {line.id}).get(line.id, {}),
        "facts": facts,
        "source": {"file": source.name, "sheet": line.sheet, "row": line.row, "file_id": source.id},
    }


def top_lines(
    session: Session, selected: Selected, cuts: list[Cut], limit: int = 20
) -> list[dict[str, Any]]:
    """The largest line items in one series (the cuts must fix every series field)."""
    ctx = Context.load(session, selected)
    rows = session.execute(
        select(Fact.line_item_id, Fact.amount)
        .where(*fact_filter(ctx, cuts))
        .order_by(Fact.amount.desc(), Fact.line_item_id)
        .limit(limit)
    ).all()
    paths = classification_paths(session, {r[0] for r in rows})
    return [
        {"id": line_id, "amount": amount, "paths": paths.get(line_id, {})}
        for line_id, amount in rows
    ]


def payments(
    session: Session, selected: Selected, page: int = 1, pagesize: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """A version's payments, largest first, and how many there are."""
    where = Payment.version_id == selected.version.id
    count = session.scalar(select(func.count(Payment.id)).where(where)) or 0
    rows = session.execute(
        select(Payment, SourceFile.name)
        .join(SourceFile, SourceFile.id == Payment.source_file_id)
        .where(where)
        .order_by(Payment.amount.desc(), Payment.id)
        .limit(pagesize)
        .offset((page - 1) * pagesize)
    ).all()
    currency = selected.dataset.currency
    return [payment_row(p, selected.dataset.id, currency, name) for p, name in rows], count


def headline(session: Session, selected: Selected) -> dict[str, Any] | None:
    """The one figure a dataset is summed up by: its total in the default selection
    (latest year with executed spending, else approved), or the total of its payments."""
    return memo(session, selected, "headline", lambda: _headline(session, selected))


def _headline(session: Session, selected: Selected) -> dict[str, Any] | None:
    count, total = session.execute(
        select(func.count(Payment.id), func.sum(Payment.amount)).where(
            Payment.version_id == selected.version.id
        )
    ).one()
    if count:
        return {
            "kind": "payments",
            "amount": Decimal(total or 0),
            "count": int(count),
            "currency": selected.dataset.currency,
            "unit": "money",
        }
    all_series = explore.series(session, selected)
    if not all_series:
        return None
    ctx = Context.load(session, selected)
    measures = {
        k: {"unit": m.unit} for k, m in sorted(ctx.measures.items(), key=lambda item: item[1].id)
    }
    chosen, _ = explore.choose(all_series, measures, {})
    result = aggregate(session, selected, [], chosen.cuts())
    if result.total is None:
        return None
    measure = ctx.measures[chosen.measure]
    return {
        "kind": "figures",
        "amount": result.total,
        "selection": chosen,
        "measure_label": measure.label,
        "unit": measure.unit,
        "currency": measure.currency or selected.dataset.currency,
    }


def source_files(session: Session, selected: Selected) -> list[dict[str, Any]]:
    """The files a version was read from, with the ids their download links use."""
    records = session.scalars(
        select(SourceFile)
        .where(SourceFile.version_id == selected.version.id)
        .order_by(SourceFile.id)
    )
    return [
        {"id": f.id, "name": f.name, "sha256": f.sha256, "size": f.size, "url": f.url}
        for f in records
    ]


def source_path(session: Session, selected: Selected, file_id: int) -> tuple[Path, str]:
    """The bundled file a stored source-file record names, only if it lies under the raw
    folder and still has the recorded hash; its path and download name."""
    record = session.get(SourceFile, file_id)
    if record is None or record.version_id != selected.version.id or not record.path:
        raise NotFound("no such source file in this version")
    root = RAW_DIR.resolve()
    path = (root / record.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("the original file is not bundled with this installation")
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if digest != record.sha256:
        raise NotFound("the bundled file differs from the one this version was read from")
    return path, record.name
