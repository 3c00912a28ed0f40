"""Keep the search index in step with the current versions (called inside the ingest's
transaction, so search never shows a half-loaded dataset)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from portal.models import Classification, Dataset, Node, Payment, SearchEntry, Supplier
from portal.textsearch import fold, latin


def entry(
    kind: str,
    label: str,
    dataset_id: str | None = None,
    ref_id: int | None = None,
    context: str = "",
    level: int | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    native_key, latin_key = _keys(f"{code or ''} {label}")
    return {
        "dataset_id": dataset_id,
        "kind": kind,
        "ref_id": ref_id,
        "label": label,
        "context": context,
        "level": level,
        "code": code,
        "native_key": native_key,
        "latin_key": latin_key,
    }


@lru_cache(maxsize=65536)
def _keys(searchable: str) -> tuple[str, str]:
    # Budgets repeat the same labels thousands of times (every month, every year).
    return fold(searchable), latin(searchable)


def reindex(session: Session, dataset_id: str, version_id: int) -> None:
    """Replace a dataset's entries with those of `version_id`; add new suppliers."""
    session.execute(delete(SearchEntry).where(SearchEntry.dataset_id == dataset_id))
    dataset = session.get(Dataset, dataset_id)
    assert dataset is not None
    rows = [entry("dataset", dataset.title, dataset_id, context=dataset.publisher)]
    nodes = session.execute(
        select(
            Node.id,
            Node.code,
            Node.label,
            Node.level,
            Classification.label,
            Classification.level_names,
        )
        .join(Classification, Classification.id == Node.classification_id)
        .where(Classification.version_id == version_id)
    )
    for node_id, code, label, level, class_label, level_names in nodes:
        if not (label or code):
            continue
        level_name = level_names[level - 1] if level - 1 < len(level_names) else ""
        context = f"{class_label}: {level_name}" if level_name else class_label
        rows.append(entry("node", label or code or "", dataset_id, node_id, context, level, code))
    seen: set[str] = set()
    payments = session.execute(
        select(Payment.id, Payment.purpose, Payment.supplier_name)
        .where(Payment.version_id == version_id, Payment.purpose != "")
        .order_by(Payment.id)
    )
    for payment_id, purpose, supplier in payments:
        if purpose not in seen:  # one entry per distinct purpose text
            seen.add(purpose)
            rows.append(entry("payment", purpose, dataset_id, payment_id, supplier))
    indexed = select(SearchEntry.ref_id).where(SearchEntry.kind == "supplier")
    for supplier_id, name, ref in session.execute(
        select(Supplier.id, Supplier.name, Supplier.ref).where(Supplier.id.not_in(indexed))
    ):
        rows.append(entry("supplier", name, None, supplier_id, code=ref))
    for start in range(0, len(rows), 5000):
        session.execute(insert(SearchEntry), rows[start : start + 5000])
