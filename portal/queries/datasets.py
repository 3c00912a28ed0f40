"""Dataset listing and lookup."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.models import Dataset


def list_datasets(session: Session) -> list[Dataset]:
    """Every dataset that has a current version, by title."""
    stmt = (
        select(Dataset)
        .where(Dataset.current_version_id.is_not(None))
        .options(joinedload(Dataset.current_version))
        .order_by(Dataset.title)
    )
    return list(session.scalars(stmt))
