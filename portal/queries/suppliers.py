"""Who got paid: suppliers across payment datasets (current versions only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Dataset, DatasetVersion, Payment, SourceFile, Supplier
from portal.queries.errors import BadRequest, NotFound
from portal.queries.params import MAX_PAGESIZE
from portal.queries.search import search


def _current_payments() -> Any:
    """Payments joined to their dataset, current versions only."""
    return (
        select(Payment)
        .join(DatasetVersion, DatasetVersion.id == Payment.version_id)
        .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
    )


def suppliers(
    session: Session, q: str | None = None, page: int = 1, pagesize: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Suppliers by total received, one row per supplier and currency (never mixed)."""
    if pagesize > MAX_PAGESIZE:
        raise BadRequest(f"pagesize must be at most {MAX_PAGESIZE}")
    stmt = (
        select(
            Supplier.id,
            Supplier.name,
            Supplier.ref,
            Dataset.currency,
            func.sum(Payment.amount).label("total"),
            func.count(Payment.id).label("payments"),
            func.count(func.distinct(Dataset.id)).label("datasets"),
        )
        .join(Payment, Payment.supplier_id == Supplier.id)
        .join(DatasetVersion, DatasetVersion.id == Payment.version_id)
        .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
        .group_by(Supplier.id, Supplier.name, Supplier.ref, Dataset.currency)
    )
    if q:
        ids = [h["ref_id"] for h in search(session, q, kind="supplier", limit=1000)]
        stmt = stmt.where(Supplier.id.in_(ids))
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(func.sum(Payment.amount).desc(), Supplier.name, Supplier.id)
        .limit(pagesize)
        .offset((page - 1) * pagesize)
    ).mappings()
    return [dict(r) for r in rows], count


def supplier(
    session: Session, supplier_id: int, after: int = 0, pagesize: int = 100
) -> dict[str, Any]:
    """A supplier, its totals per dataset and a page of its payments (keyset on id)."""
    # Supplier ids are 32-bit integers: a larger one cannot exist (and would overflow).
    found = session.get(Supplier, supplier_id) if 0 < supplier_id < 2**31 else None
    if found is None:
        raise NotFound(f"no supplier {supplier_id}")
    totals = session.execute(
        select(
            Dataset.id,
            Dataset.title,
            Dataset.currency,
            func.sum(Payment.amount),
            func.count(Payment.id),
        )
        .join(DatasetVersion, DatasetVersion.id == Payment.version_id)
        .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
        .where(Payment.supplier_id == supplier_id)
        .group_by(Dataset.id, Dataset.title, Dataset.currency)
        .order_by(Dataset.id)
    ).all()
    rows = session.execute(
        select(Payment, Dataset.id, Dataset.currency, SourceFile.name)
        .join(DatasetVersion, DatasetVersion.id == Payment.version_id)
        .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
        .join(SourceFile, SourceFile.id == Payment.source_file_id)
        .where(Payment.supplier_id == supplier_id, Payment.id > after)
        .order_by(Payment.id)
        .limit(pagesize + 1)
    ).all()
    more = len(rows) > pagesize
    rows = rows[:pagesize]
    return {
        "supplier": {"id": found.id, "name": found.name, "ref": found.ref},
        "totals": [
            {"dataset": d, "title": t, "currency": c, "total": s, "payments": n}
            for d, t, c, s, n in totals
        ],
        "payments": [payment_row(p, d, c, f) for p, d, c, f in rows],
        "next_after": rows[-1][0].id if more and rows else None,
    }


def payment_row(p: Payment, dataset_id: str, currency: str, file_name: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "dataset": dataset_id,
        "paid_on": p.paid_on,
        "issued_on": p.issued_on,
        "received_on": p.received_on,
        "due_on": p.due_on,
        "payer": p.payer,
        "supplier": p.supplier_name,
        "supplier_ref": p.supplier_ref,
        "amount": p.amount,
        "currency": currency,
        "original_currency": p.original_currency,
        "original_amount": p.original_amount,
        "purpose": p.purpose,
        "category": p.category,
        "document_number": p.document_number,
        "line_number": p.line_number,
        "source": {"file": file_name, "sheet": p.sheet, "row": p.row},
    }
