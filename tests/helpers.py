"""Read-back helpers for tests: what the database holds for a dataset's current version."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.models import Dataset, Fact, LineItem, Measure, Payment

TotalKey = tuple[int, str, str, str]  # (year, phase, direction, measure key)


def current_version_id(engine: Engine, dataset_id: str) -> int:
    with Session(engine) as session:
        version = session.scalar(select(Dataset.current_version_id).where(Dataset.id == dataset_id))
    assert version is not None, f"{dataset_id} has no current version"
    return version


def totals(engine: Engine, dataset_id: str, **where: object) -> dict[TotalKey, Decimal]:
    """SUM(amount) per (year, phase, direction, measure) of the current version's facts.

    Keyword arguments filter on Fact columns, e.g. role="flow" or period="".
    """
    version = current_version_id(engine, dataset_id)
    stmt = (
        select(Fact.year, Fact.phase, Fact.direction, Measure.key, func.sum(Fact.amount))
        .join(Measure, Measure.id == Fact.measure_id)
        .where(Fact.version_id == version)
        .group_by(Fact.year, Fact.phase, Fact.direction, Measure.key)
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(Fact, column) == value)
    with Session(engine) as session:
        return {(y, p, d, m): Decimal(s) for y, p, d, m, s in session.execute(stmt)}


def line_item_count(engine: Engine, dataset_id: str) -> int:
    version = current_version_id(engine, dataset_id)
    with Session(engine) as session:
        count = session.scalar(
            select(func.count(LineItem.id)).where(LineItem.version_id == version)
        )
    return int(count or 0)


def payment_total(engine: Engine, dataset_id: str) -> tuple[int, Decimal]:
    version = current_version_id(engine, dataset_id)
    with Session(engine) as session:
        count, total = session.execute(
            select(func.count(Payment.id), func.sum(Payment.amount)).where(
                Payment.version_id == version
            )
        ).one()
    return int(count), Decimal(total or 0)
